/**
 * A small, strict XML 1.0 well-formedness checker for tests (no package needed): one root
 * element, matching tags, quoted unique attributes, only the five predefined entities and
 * character references, no `<` in attribute values, no `]]>` in text, and only characters
 * XML 1.0 allows (§2.2), raw or referenced. Comments, processing instructions and CDATA are
 * accepted. DOCTYPE is not (junit.xml never has one). Returns the element tree with
 * attribute values normalised and entities decoded, as a conforming parser would see them.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element, decoded. */
  text: string;
}

export class XmlError extends Error {}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function checkChars(text: string, where: number): void {
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i)!;
    if (!isXmlChar(code)) throw new XmlError(`character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML 1.0 (offset ${where + i})`);
    i += code > 0xffff ? 2 : 1;
  }
}

/** Decodes references in text or an attribute value; rejects unknown or malformed ones. */
function decode(raw: string, where: number): string {
  return raw.replace(/&([^;&\s]*);?/g, (match, body: string, offset: number) => {
    if (!match.endsWith(';')) throw new XmlError(`bare "&" at offset ${where + offset}`);
    if (Object.hasOwn(ENTITIES, body)) return ENTITIES[body];
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
    if (m === null) throw new XmlError(`unknown entity "&${body};" at offset ${where + offset}`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
    if (!isXmlChar(code)) throw new XmlError(`character reference "&${body};" names a character XML 1.0 forbids (offset ${where + offset})`);
    return String.fromCodePoint(code);
  });
}

export function parseXml(xml: string): XmlElement {
  checkChars(xml, 0);
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string): never => {
    throw new XmlError(`${message} at offset ${pos}`);
  };
  const skipSpace = (): void => {
    while (pos < xml.length && /[ \t\r\n]/.test(xml[pos])) pos++;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(xml);
    if (m === null) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const skipUntil = (end: string, what: string): string => {
    const at = xml.indexOf(end, pos);
    if (at < 0) fail(`unterminated ${what}`);
    const body = xml.slice(pos, at);
    pos = at + end.length;
    return body;
  };

  if (xml.startsWith('<?xml')) {
    pos = 5;
    const decl = skipUntil('?>', 'XML declaration');
    if (!/^\s+version="1\.0"(\s+encoding="[A-Za-z][-A-Za-z0-9._]*")?(\s+standalone="(yes|no)")?\s*$/.test(decl)) fail('malformed XML declaration');
  }

  while (pos < xml.length) {
    if (xml.startsWith('<!--', pos)) {
      pos += 4;
      const body = skipUntil('-->', 'comment');
      if (body.includes('--')) fail('"--" inside a comment');
    } else if (xml.startsWith('<![CDATA[', pos)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      pos += 9;
      stack[stack.length - 1].text += skipUntil(']]>', 'CDATA section');
    } else if (xml.startsWith('<?', pos)) {
      pos += 2;
      if (readName().toLowerCase() === 'xml') fail('XML declaration not at the start');
      skipUntil('?>', 'processing instruction');
    } else if (xml.startsWith('<!', pos)) {
      fail('DOCTYPE and other declarations are not expected');
    } else if (xml.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipSpace();
      if (xml[pos] !== '>') fail(`expected ">" closing </${name}`);
      pos++;
      const open = stack.pop();
      if (open === undefined) fail(`</${name}> without an open element`);
      if (open!.name !== name) fail(`</${name}> closes <${open!.name}>`);
    } else if (xml[pos] === '<') {
      pos++;
      const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '' };
      for (;;) {
        const before = pos;
        skipSpace();
        if (xml.startsWith('/>', pos) || xml[pos] === '>') break;
        if (pos === before) fail('expected whitespace between attributes');
        const attr = readName();
        skipSpace();
        if (xml[pos] !== '=') fail(`expected "=" after attribute ${attr}`);
        pos++;
        skipSpace();
        const quote = xml[pos];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} value must be quoted`);
        pos++;
        const start = pos;
        const raw = skipUntil(quote, `value of attribute ${attr}`);
        if (raw.includes('<')) fail(`"<" inside the value of attribute ${attr}`);
        if (Object.hasOwn(element.attributes, attr)) fail(`duplicate attribute ${attr}`);
        // Attribute-value normalisation (§3.3.3): raw whitespace becomes a space; references survive.
        element.attributes[attr] = decode(raw.replace(/\r\n|[\t\r\n]/g, ' '), start);
      }
      if (stack.length === 0) {
        if (root !== undefined) fail('a second root element');
        root = element;
      } else {
        stack[stack.length - 1].children.push(element);
      }
      if (xml.startsWith('/>', pos)) {
        pos += 2;
      } else {
        pos++;
        stack.push(element);
      }
    } else {
      const start = pos;
      const next = xml.indexOf('<', pos);
      pos = next < 0 ? xml.length : next;
      const raw = xml.slice(start, pos);
      if (raw.includes(']]>')) throw new XmlError(`"]]>" in character data at offset ${start}`);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new XmlError(`text outside the root element at offset ${start}`);
      } else {
        // End-of-line handling (§2.11): a raw CR never reaches the application.
        stack[stack.length - 1].text += decode(raw.replace(/\r\n?/g, '\n'), start);
      }
    }
  }
  if (stack.length > 0) throw new XmlError(`<${stack[stack.length - 1].name}> is never closed`);
  if (root === undefined) throw new XmlError('no root element');
  return root;
}

/** Every descendant element (depth first) with this name. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...findAll(child, name)]);
}
