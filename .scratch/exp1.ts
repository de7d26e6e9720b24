import { parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
const cases = ['{\n  "a": 1,\n}', '{\n  "a": [1,2,],\n "b": 2}', '{\n  "a": "abc,\n  "b": 2\n}', '{\n  // c\n  "a": 1\n}', '{"a": 1 "b": 2}', '', '{"a": 1} x', '{"a": tru}', '{"a": 01}', '{"a":"\\q"}', '{"a":', '{"a": [1, 2}', "{'a': 1}"];
for (const c of cases) {
  const errors: ParseError[] = [];
  parseTree(c, errors, { disallowComments: true, allowTrailingComma: false });
  console.log(JSON.stringify(c), errors.map((e) => `${printParseErrorCode(e.error)}@${e.offset}+${e.length}`).join(' '));
}
