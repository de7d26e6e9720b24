/**
 * A JSON file read with its source positions, so that every problem found in a suite, device
 * profile or packager can name the file, the line and the column a person has to fix.
 *
 * Strict JSON only (no comments, no trailing commas): suites are read by editors, CI tools and
 * other programs that expect plain JSON.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseTree, printParseErrorCode, visit, type Node, type ParseError } from 'jsonc-parser';
import { ConfigError, type ConfigIssue } from '../errors';

/** 1-based line and column (in UTF-16 code units, as editors count them). */
export interface SourcePosition {
  line: number;
  column: number;
}

/** A path into a JSON value: property names and array indexes. */
export type JsonPath = readonly (string | number)[];

/** RFC 6901 JSON Pointer for a path: ["tests", 0, "a/b"] → "/tests/0/a~1b"; [] → "". */
export function toPointer(path: JsonPath): string {
  return path.map((s) => '/' + escapePointerSegment(String(s))).join('');
}

/** One path segment as written in a JSON Pointer: "~" → "~0", "/" → "~1". */
export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Inverse of toPointer; numeric segments stay strings (they index arrays and objects alike). */
export function parsePointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** How a file is named in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const absolute = resolve(file);
  const rel = relative(process.cwd(), absolute);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
}

export class JsonDocument {
  /** Absolute path of the file. */
  readonly file: string;
  /** The name used in messages (see displayPath). */
  readonly displayName: string;
  readonly text: string;
  /** The parsed value (JSON.parse: a "__proto__" key stays an ordinary own property). */
  readonly value: unknown;
  /** sha256 of the file's bytes, hex. */
  readonly sha256: string;
  private cachedRoot: Node | undefined;
  private cachedLineStarts: number[] | undefined;
  private cachedDuplicates: ConfigIssue[] | undefined;

  /**
   * The value comes from JSON.parse (native and allocation-light: a 10,000-test suite loads in
   * milliseconds); the syntax tree with offsets is only built when a message needs a position.
   */
  constructor(file: string, text: string, value: unknown, bytes: Buffer) {
    this.file = resolve(file);
    this.displayName = displayPath(file);
    this.text = text;
    this.value = value;
    this.sha256 = createHash('sha256').update(bytes).digest('hex');
  }

  private get root(): Node {
    this.cachedRoot ??= parseTree(this.text, [], { disallowComments: true, allowTrailingComma: false }) as Node;
    return this.cachedRoot;
  }

  private get lineStarts(): number[] {
    this.cachedLineStarts ??= computeLineStarts(this.text);
    return this.cachedLineStarts;
  }

  /** Keys given twice in one object: JSON.parse silently keeps the last. */
  get duplicateKeyIssues(): ConfigIssue[] {
    // The quick scan finds none in nearly every file; the full pass only runs to word the issues.
    this.cachedDuplicates ??= hasDuplicateKeys(this.text, this.value) ? this.findDuplicateKeys() : [];
    return this.cachedDuplicates;
  }

  /** Line and column of a character offset in the text. */
  position(offset: number): SourcePosition {
    return positionOf(this.lineStarts, offset);
  }

  /** True when a value exists at the path. */
  has(path: JsonPath | string): boolean {
    const segments = typeof path === 'string' ? parsePointer(path) : path;
    return findNode(this.root, segments) !== undefined;
  }

  /**
   * Where the value at `path` starts. When nothing is there (a missing property), the position
   * of the nearest parent that exists, so a message still points somewhere useful.
   */
  locate(path: JsonPath | string): SourcePosition {
    return this.position(this.nearestNode(path).offset);
  }

  /**
   * Where the property name of the value at `path` starts (for "unknown property" messages);
   * for array items and the root, and for paths that do not exist, the same as locate().
   */
  locateKey(path: JsonPath | string): SourcePosition {
    const segments = typeof path === 'string' ? parsePointer(path) : path;
    const node = findNode(this.root, segments);
    const key = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return key ? this.position(key.offset) : this.locate(segments);
  }

  /** A ConfigIssue in this file at `path` (a JSON Pointer or segments). */
  issue(path: JsonPath | string, expected: string, message: string, at: 'value' | 'key' = 'value'): ConfigIssue {
    const pointer = typeof path === 'string' ? path : toPointer(path);
    const { line, column } = at === 'key' ? this.locateKey(pointer) : this.locate(pointer);
    return { file: this.displayName, line, column, path: pointer, expected, message };
  }

  private nearestNode(path: JsonPath | string): Node {
    const segments = [...(typeof path === 'string' ? parsePointer(path) : path)];
    for (;;) {
      const node = findNode(this.root, segments);
      if (node) return node;
      segments.pop(); // the root always exists, so this ends
    }
  }

  /** One streaming pass over the text (no tree): a set of keys per open object. */
  private findDuplicateKeys(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const open: Map<string, number>[] = [];
    visit(
      this.text,
      {
        onObjectBegin: () => void open.push(new Map()),
        onObjectEnd: () => void open.pop(),
        onObjectProperty: (key, offset, _length, _line, _column, pathSupplier) => {
          const keys = open[open.length - 1];
          if (!keys) return;
          const earlier = keys.get(key);
          if (earlier !== undefined) {
            const first = this.position(earlier);
            const { line, column } = this.position(offset);
            issues.push({
              file: this.displayName,
              line,
              column,
              path: toPointer([...pathSupplier(), key]),
              expected: 'each property once',
              message: `property '${key}' is given twice (first on line ${first.line}); JSON keeps only the last one — remove the other`,
            });
          }
          keys.set(key, offset);
        },
      },
      { disallowComments: true, allowTrailingComma: false },
    );
    return issues;
  }
}

/**
 * Whether any object in `text` — JSON that JSON.parse accepted as `value` — names a key twice.
 * JSON.parse keeps one property per name, so the text then holds more keys than the value: a
 * walk of the value counts the properties, and the colons in the text bound the keys written
 * from above; only when a colon stands inside a string does one pass of indexOf from string to
 * string count the keys written exactly (a string followed by ":"). A 6 MB suite takes ~20 ms
 * even on a cold start, where a general JSON visitor takes well over 100.
 */
export function hasDuplicateKeys(text: string, value: unknown): boolean {
  const properties = typeof value === 'object' && value !== null ? propertiesIn(value) : 0;
  // Every key written is followed by a ":", so a file has at least as many colons as keys; in
  // most files none is inside a string and the colons alone settle it, without the string scan.
  return colons(text) !== properties && keysWritten(text) !== properties;
}

function colons(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at >= 0; at = text.indexOf(':', at + 1)) count++;
  return count;
}

function keysWritten(text: string): number {
  const n = text.length;
  let keys = 0;
  for (let pos = 0; ; ) {
    const start = text.indexOf('"', pos);
    if (start < 0) return keys;
    let end = text.indexOf('"', start + 1);
    // A quote after an odd number of backslashes is escaped: the string goes on.
    for (;;) {
      let slashes = 0;
      while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
      if (slashes % 2 === 0) break;
      end = text.indexOf('"', end + 1);
    }
    let next = end + 1;
    while (next < n && text.charCodeAt(next) <= 32) next++;
    if (text.charCodeAt(next) === 58 /* : */) keys++;
    pos = next;
  }
}

/**
 * Properties in a value from JSON.parse, nested ones included. `for…in` counts an object's
 * keys without making an array of them, and scalars are skipped without a call: this walk
 * visits every object of the file, ~200,000 in a 10,000-test suite. (JSON.parse makes plain
 * objects: their enumerable properties are their own, "__proto__" included.)
 */
function propertiesIn(value: object): number {
  let count = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) count += propertiesIn(item);
    }
    return count;
  }
  for (const key in value) {
    count++;
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && item !== null) count += propertiesIn(item);
  }
  return count;
}

/**
 * Reads and parses a JSON file. Throws ConfigError when the file cannot be read or is not
 * valid JSON; the issues name the line and column of each syntax error.
 */
export function readJsonDocument(file: string): JsonDocument {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError([fileIssue(file, readFailure(err))]);
  }
  return parseJsonDocument(file, bytes);
}

/** Parses JSON text (or bytes) that came from `file`. Throws ConfigError on syntax errors. */
export function parseJsonDocument(file: string, content: Buffer | string): JsonDocument {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // A byte order mark is not JSON, but editors on Windows write one; it is not shown as a column.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const name = displayPath(file);
  if (text.trim() === '') {
    throw new ConfigError([{ ...fileIssue(file, 'the file is empty: expected a JSON object'), expected: 'a JSON object' }]);
  }
  try {
    return new JsonDocument(file, text, JSON.parse(text), bytes);
  } catch {
    // Not valid JSON: parse again with a tolerant parser that says where and why.
  }
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length > 0 || root === undefined) {
    const lineStarts = computeLineStarts(text);
    const issues = describeSyntaxErrors(text, errors).map(({ offset, message }) => {
      const { line, column } = positionOf(lineStarts, offset);
      return { file: name, line, column, path: '', expected: 'valid JSON', message };
    });
    throw new ConfigError(issues.length > 0 ? issues : [fileIssue(file, 'not valid JSON')]);
  }
  throw new ConfigError([fileIssue(file, 'not valid JSON')]);
}

/** An issue about a whole file (missing, unreadable, empty): line 1, column 1. */
export function fileIssue(file: string, message: string): ConfigIssue {
  return { file: displayPath(file), line: 1, column: 1, path: '', expected: 'a readable JSON file', message };
}

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `file not found (looked for ${resolve(String((err as NodeJS.ErrnoException).path ?? ''))})`;
    case 'EISDIR':
      return 'this is a directory, not a JSON file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot read the file: permission denied';
    default:
      return `cannot read the file: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Turns the parser's error codes into sentences. After the first error the parser is often
 * lost and reports follow-on errors that only confuse; comments and trailing commas are the
 * exception (the parser skips them cleanly), so every one of those is reported, and the first
 * error of any other sort ends the list.
 */
function describeSyntaxErrors(text: string, errors: ParseError[]): { offset: number; message: string }[] {
  const out: { offset: number; message: string }[] = [];
  const skipOffsets = new Set<number>();
  for (const error of errors) {
    if (skipOffsets.has(error.offset)) continue;
    const code = printParseErrorCode(error.error);
    const here = text[error.offset];
    if ((code === 'PropertyNameExpected' || code === 'ValueExpected') && (here === '}' || here === ']')) {
      const comma = previousNonSpace(text, error.offset);
      if (comma !== undefined && text[comma] === ',') {
        const closer = here === '}' ? 'object' : 'list';
        out.push({ offset: comma, message: `trailing comma: JSON does not allow a comma after the last item of an ${closer} — remove this comma` });
        skipOffsets.add(error.offset); // the parser reports the same spot twice
        continue;
      }
    }
    if (code === 'InvalidCommentToken') {
      out.push({ offset: error.offset, message: 'comments are not allowed in JSON — remove the comment (a "description" property can hold notes)' });
      continue;
    }
    out.push({ offset: preciseOffset(code, text, error), message: describeFatal(code, text, error) });
    break;
  }
  return out;
}

function describeFatal(code: string, text: string, error: ParseError): string {
  const atEnd = error.offset >= text.trimEnd().length;
  const token = text.slice(error.offset, error.offset + Math.min(Math.max(error.length, 1), 20));
  switch (code) {
    case 'UnexpectedEndOfString':
      return 'unterminated string: the closing " is missing before the end of the line';
    case 'InvalidSymbol':
      return `unexpected '${token}': text must be in double quotes; true, false and null are lowercase`;
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return `'${token}' is not a valid number (digits with an optional '.' and exponent; no leading zeros, no '+')`;
    case 'PropertyNameExpected':
      return atEnd
        ? 'the file ends inside an object: a property name or "}" is missing'
        : `expected a property name in double quotes, found '${token}'`;
    case 'ValueExpected':
      return atEnd
        ? 'the file ends too early: a value is missing'
        : `expected a value (text in double quotes, a number, true, false, null, an object or a list), found '${token}'`;
    case 'ColonExpected':
      return `expected ':' after the property name, found '${token}'`;
    case 'CommaExpected': {
      const before = previousNonSpace(text, error.offset);
      const newlineBetween = before !== undefined && text.slice(before, error.offset).includes('\n');
      return newlineBetween
        ? `expected ',' before '${token}': is a comma missing at the end of the previous line?`
        : `expected ',' or a closing bracket before '${token}'`;
    }
    case 'CloseBraceExpected':
      return atEnd ? "the file ends before the object is closed: a '}' is missing" : `expected '}' to close the object, found '${token}'`;
    case 'CloseBracketExpected':
      return atEnd ? "the file ends before the list is closed: a ']' is missing" : `expected ']' to close the list, found '${token}'`;
    case 'EndOfFileExpected':
      return `unexpected '${token}' after the end of the JSON value: a file holds one object`;
    case 'UnexpectedEndOfComment':
      return 'comment not closed (and comments are not allowed in JSON)';
    case 'InvalidUnicode':
      return 'invalid \\u escape: it needs exactly 4 hex digits';
    case 'InvalidEscapeCharacter':
      return 'invalid escape in a string: write a backslash as \\\\ (as in Windows paths) or use /';
    case 'InvalidCharacter':
      return 'a control character (tab or line break) inside a string: write it as \\t or \\n';
    default:
      return `not valid JSON (${code})`;
  }
}

/** The parser places string errors at the string's start; point at the offending character. */
function preciseOffset(code: string, text: string, error: ParseError): number {
  const end = error.offset + error.length;
  for (let i = error.offset + 1; i < end; i++) {
    const ch = text[i];
    if (code === 'InvalidCharacter' && ch.charCodeAt(0) < 0x20) return i;
    if (ch === '\\') {
      const next = text[i + 1];
      if (code === 'InvalidEscapeCharacter' && !'"\\/bfnrtu'.includes(next)) return i;
      if (code === 'InvalidUnicode' && next === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return i;
      i++; // skip the escaped character
    }
  }
  return error.offset;
}

function previousNonSpace(text: string, offset: number): number | undefined {
  for (let i = offset - 1; i >= 0; i--) if (!/\s/.test(text[i])) return i;
  return undefined;
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (ch === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

function positionOf(lineStarts: number[], offset: number): SourcePosition {
  // Binary search for the last line start at or before the offset.
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low] + 1 };
}

function findNode(root: Node, path: JsonPath): Node | undefined {
  let node: Node | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    if (node.type === 'object') {
      let found: Node | undefined;
      // The last occurrence of a key is the one whose value counts.
      for (const property of node.children ?? []) {
        if (property.children?.[0]?.value === String(segment)) found = property.children[1];
      }
      node = found;
    } else if (node.type === 'array') {
      const index = typeof segment === 'number' ? segment : /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : -1;
      node = index >= 0 ? node.children?.[index] : undefined;
    } else {
      return undefined;
    }
  }
  return node;
}

