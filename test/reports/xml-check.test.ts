import { findAll, parseXml } from './xml-check';

// The JUnit tests trust this checker, so it is shown to reject what a CI server's parser rejects.
describe('the XML well-formedness checker used by the report tests', () => {
  it('accepts a well-formed document and decodes entities, character references and attribute whitespace', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1&amp;2&#10;3\tz"><!-- c --><b>&lt;&#x41;&gt;</b><b/></a>\n');
    expect(root.name).toBe('a');
    expect(root.attributes.x).toBe('1&2\n3 z');
    expect(findAll(root, 'b')).toHaveLength(2);
    expect(root.children[0].text).toBe('<A>');
  });

  it.each([
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b></b>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['"<" in an attribute', '<a x="1<2"/>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['a raw control character', '<a>bell\u0007</a>'],
    ['a reference to a forbidden character', '<a>&#0;</a>'],
    ['a lone surrogate', '<a>\ud800</a>'],
    ['two root elements', '<a/><b/>'],
    ['text outside the root', '<a/>junk'],
    ['"]]>" in text', '<a>]]></a>'],
  ])('rejects %s', (_what, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });
});
