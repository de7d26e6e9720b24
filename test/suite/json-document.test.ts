import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ConfigError, type ConfigIssue } from '../../harness/errors';
import { hasDuplicateKeys, parseJsonDocument, parsePointer, readJsonDocument, toPointer } from '../../harness/suite/json-document';

function syntaxIssues(text: string): ConfigIssue[] {
  try {
    parseJsonDocument('inline.json', text);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('parsed without an error');
}

const at = (i: ConfigIssue) => `${i.line}:${i.column}`;

describe('positions', () => {
  const text = ['{', '  "name": "Smoke",', '  "tests": [', '    { "id": "a", "thresholds": { "p99_ms": { "max": 50 } } }', '  ]', '}'].join('\n');
  const doc = parseJsonDocument('suite.json', text);

  it('locates the value at a JSON path', () => {
    expect(doc.locate('/name')).toEqual({ line: 2, column: 11 });
    expect(doc.locate('/tests/0/id')).toEqual({ line: 4, column: 13 });
    expect(doc.locate('/tests/0/thresholds/p99_ms')).toEqual({ line: 4, column: 44 });
    expect(doc.locate(['tests', 0, 'thresholds', 'p99_ms', 'max'])).toEqual({ line: 4, column: 53 });
  });

  it('locates the property name for key-level messages', () => {
    expect(doc.locateKey('/tests/0/thresholds/p99_ms')).toEqual({ line: 4, column: 34 });
    expect(doc.locateKey('/tests/0')).toEqual(doc.locate('/tests/0')); // array items have no key
  });

  it('falls back to the nearest parent that exists', () => {
    expect(doc.locate('/tests/0/params/transaction')).toEqual(doc.locate('/tests/0'));
    expect(doc.locate('/tests/7')).toEqual({ line: 3, column: 12 });
    expect(doc.locate('/nothing/here')).toEqual({ line: 1, column: 1 });
    expect(doc.locate('')).toEqual({ line: 1, column: 1 });
  });

  it('counts lines the same with CRLF line ends and ignores a byte order mark', () => {
    const crlf = parseJsonDocument('crlf.json', '\uFEFF' + text.replace(/\n/g, '\r\n'));
    expect(crlf.locate('/tests/0/thresholds/p99_ms')).toEqual({ line: 4, column: 44 });
    expect(crlf.locate('/name')).toEqual({ line: 2, column: 11 });
  });

  it('builds issues with file, position, path and expectation', () => {
    expect(doc.issue('/tests/0/id', 'an id', 'bad id')).toEqual({ file: 'suite.json', line: 4, column: 13, path: '/tests/0/id', expected: 'an id', message: 'bad id' });
  });
});

describe('values', () => {
  it('parses to plain values', () => {
    expect(parseJsonDocument('x.json', '{"a": [1, "two", true, null, {"b": 2.5}]}').value).toEqual({ a: [1, 'two', true, null, { b: 2.5 }] });
  });

  it('keeps a "__proto__" key as an ordinary property instead of changing the prototype', () => {
    const value = parseJsonDocument('x.json', '{"__proto__": {"polluted": true}}').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('reports a key given twice, where JSON keeps the last value', () => {
    const doc = parseJsonDocument('x.json', '{\n  "seed": 1,\n  "seed": 2\n}');
    expect(doc.value).toEqual({ seed: 2 });
    expect(doc.locate('/seed')).toEqual({ line: 3, column: 11 });
    expect(doc.duplicateKeyIssues).toHaveLength(1);
    expect(doc.duplicateKeyIssues[0]).toMatchObject({ line: 3, column: 3, path: '/seed' });
    expect(doc.duplicateKeyIssues[0].message).toContain('first on line 2');
  });

  it('hashes the file bytes', () => {
    const text = '{"a": 1}\n';
    expect(parseJsonDocument('x.json', text).sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });
});

describe('syntax errors', () => {
  it('points at a trailing comma', () => {
    const issues = syntaxIssues('{\n  "a": 1,\n}');
    expect(issues).toHaveLength(1);
    expect(at(issues[0])).toBe('2:9');
    expect(issues[0].message).toContain('trailing comma');
  });

  it('reports every comment and trailing comma, which the parser skips cleanly', () => {
    const issues = syntaxIssues('{\n  // one\n  "a": [1, 2,],\n  /* two */ "b": 1\n}');
    expect(issues.map(at)).toEqual(['2:3', '3:13', '4:3']);
    expect(issues.map((i) => i.message.split(' ')[0])).toEqual(['comments', 'trailing', 'comments']);
  });

  it('stops at the first other error, whose follow-on errors would only confuse', () => {
    const issues = syntaxIssues('{\n  "a": "abc,\n  "b": 2\n}');
    expect(issues).toHaveLength(1);
    expect(at(issues[0])).toBe('2:8');
    expect(issues[0].message).toContain('unterminated string');
  });

  it.each([
    ['{"a": 1 "b": 2}', '1:9', "expected ',' or a closing bracket"],
    ['{\n  "a": 1\n  "b": 2\n}', '3:3', 'is a comma missing at the end of the previous line?'],
    ["{'a': 1}", '1:2', 'double quotes'],
    ['{"a": tru}', '1:7', "unexpected 'tru'"],
    ['{"a": 1}\n{"b": 2}', '2:1', 'after the end of the JSON value'],
    ['{"a": ', '1:7', 'the file ends too early'],
    ['{"a": [1, 2', '1:12', "a ']' is missing"],
    ['{"a": "C:\\data"}', '1:10', 'invalid escape'],
  ])('%j → %s %s', (text, position, words) => {
    const issues = syntaxIssues(text);
    expect(issues).toHaveLength(1);
    expect(at(issues[0])).toBe(position);
    expect(issues[0].message).toContain(words);
    expect(issues[0]).toMatchObject({ file: 'inline.json', path: '', expected: 'valid JSON' });
  });

  it('says an empty file is empty', () => {
    expect(syntaxIssues('  \n')[0].message).toContain('the file is empty');
  });
});

describe('readJsonDocument', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poshil-json-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function readIssues(file: string): ConfigIssue[] {
    try {
      readJsonDocument(file);
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    throw new Error('read without an error');
  }

  it('reports a missing file as an issue', () => {
    const issues = readIssues(join(dir, 'nope.json'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 1, column: 1, path: '' });
    expect(issues[0].message).toMatch(/^file not found \(looked for .*nope\.json\)$/);
  });

  it('reports a directory as an issue', () => {
    mkdirSync(join(dir, 'folder.json'));
    expect(readIssues(join(dir, 'folder.json'))[0].message).toContain('directory');
  });

  it('reads a file with its absolute path', () => {
    writeFileSync(join(dir, 'ok.json'), '{"a": 1}');
    const doc = readJsonDocument(join(dir, 'ok.json'));
    expect(doc.file).toBe(join(dir, 'ok.json'));
    expect(doc.value).toEqual({ a: 1 });
  });
});

describe('JSON Pointer', () => {
  it('escapes "~" and "/" in segments and back', () => {
    expect(toPointer(['tests', 0, 'a/b~c'])).toBe('/tests/0/a~1b~0c');
    expect(parsePointer('/tests/0/a~1b~0c')).toEqual(['tests', '0', 'a/b~c']);
    expect(toPointer([])).toBe('');
    expect(parsePointer('')).toEqual([]);
  });
});

describe('hasDuplicateKeys (the quick scan before wording duplicate-key issues)', () => {
  it.each([
    ['{"a": 1, "a": 2}', true],
    ['{"a": {"b": 1}, "b": 2}', false],
    ['{"tests": [{"id": "x"}, {"id": "y"}]}', false],
    ['{"tests": [{"id": "x", "kind": "a", "id": "z"}]}', true],
    ['{"a": 1, "\\u0061": 2}', true],
    ['{"s": "a \\"quoted\\" {brace} \\"a\\": 1", "a": 2}', false],
    ['{"path\\\\": 1, "path": 2}', false],
    ['{"x": ["a", "a"], "y": {"x": 1}}', false],
    ['[{"k": 1}, {"k": 1}]', false],
    ['{"__proto__": 1, "b": {"__proto__": 2}}', false],
    ['{"__proto__": 1, "__proto__": 2}', true],
    ['{"a" : 1,\n  "a"\t:2}', true],
  ])('%s → %s', (text, expected) => {
    expect(hasDuplicateKeys(text, JSON.parse(text))).toBe(expected); // only valid JSON reaches the scan
  });
});
