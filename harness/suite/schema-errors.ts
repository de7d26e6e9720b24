/**
 * Turns ajv's validation errors into sentences a lab technician can act on, each placed at a
 * line and column of the file: "expected a number, found a string ("12")", "unknown property
 * 'iteration' — did you mean 'iterations'?".
 *
 * The generic wording covers every JSON Schema keyword the poshil schemas use; `rules` let the
 * suite and device loaders say more where they know more (an unknown test kind, a threshold on
 * a metric the kind does not produce).
 */
import type { ErrorObject } from 'ajv';
import type { ConfigIssue } from '../errors';
import { maskPan } from '../masking/pan';
import { suggest } from './did-you-mean';
import { escapePointerSegment, parsePointer, type JsonDocument } from './json-document';
import { FIELD_NUMBER_PATTERN } from '../protocols/iso8583/packager-schema';
import { INTERFACE_NAME_PATTERN, TEST_ID_PATTERN, TEST_INTERFACE_PATTERN } from './suite-schema';

/** What a rule or the generic wording produces for one error. */
export interface Described {
  expected: string;
  message: string;
  /** Path of the issue; default: the error's instancePath. */
  path?: string;
  /** Point at the property name rather than its value (unknown or badly named properties). */
  at?: 'key' | 'value';
}

export interface ErrorRule {
  keyword: string;
  /** Matched against the error's instancePath; the match is handed to `describe`. */
  path: RegExp;
  /** Return undefined to fall back to the generic wording. */
  describe(error: ErrorObject, match: RegExpMatchArray, doc: JsonDocument): Described | undefined;
}

/** Keywords whose errors only repeat what the errors beneath them already say. */
const SUMMARY_KEYWORDS = new Set(['if', 'propertyNames', 'allOf']);

export function describeSchemaErrors(errors: readonly ErrorObject[], doc: JsonDocument, rules: readonly ErrorRule[] = []): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  // "Exactly one of these properties" (a oneOf of single `required` branches) gets one clear
  // sentence instead of ajv's errors from inside every branch.
  const choices = errors.filter((e) => e.keyword === 'oneOf' && exclusiveChoice(e) !== undefined);
  const insideChoice = (e: ErrorObject) => choices.some((c) => e !== c && e.schemaPath.startsWith(c.schemaPath + '/'));
  for (const raw of errors) {
    if (SUMMARY_KEYWORDS.has(raw.keyword)) continue;
    if (insideChoice(raw)) continue;
    const error = maskSecrets(raw);
    const described = applyRules(error, doc, rules) ?? describeChoice(error) ?? describeGeneric(error);
    const path = described.path ?? error.instancePath;
    const key = `${path}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(doc.issue(path, described.expected, described.message, described.at ?? 'value'));
  }
  return issues;
}

/** The property names of a oneOf whose every branch requires exactly one property. */
function exclusiveChoice(error: ErrorObject): string[] | undefined {
  const branches = (error.schema ?? []) as Record<string, unknown>[];
  if (!Array.isArray(branches) || branches.length < 2) return undefined;
  const names = branches.map((b) => (Array.isArray(b.required) && b.required.length === 1 ? String(b.required[0]) : undefined));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

function describeChoice(error: ErrorObject): Described | undefined {
  if (error.keyword !== 'oneOf') return undefined;
  const names = exclusiveChoice(error);
  if (!names) return undefined;
  const quoted = names.map((n) => `'${n}'`);
  const list = quoted.length === 2 ? quoted.join(' or ') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  const present = names.filter((n) => error.data && typeof error.data === 'object' && n in (error.data as Record<string, unknown>));
  return present.length > 1
    ? { expected: `only one of ${list}`, message: `give either ${list}, not both` }
    : { expected: `one of ${list}`, message: `missing ${list}: give exactly one of them` };
}

/**
 * A card number quoted back in an error message would end up in CI logs: even test PANs are
 * masked there like everywhere else (first six and last four digits).
 */
function maskSecrets(error: ErrorObject): ErrorObject {
  const property = parsePointer(error.instancePath).pop();
  return property === 'pan' && typeof error.data === 'string' ? { ...error, data: maskPan(error.data) } : error;
}

function applyRules(error: ErrorObject, doc: JsonDocument, rules: readonly ErrorRule[]): Described | undefined {
  for (const rule of rules) {
    if (rule.keyword !== error.keyword) continue;
    const match = error.instancePath.match(rule.path);
    if (!match) continue;
    const described = rule.describe(error, match, doc);
    if (described) return described;
  }
  return undefined;
}

/** The property name an error is about, for errors raised through `propertyNames`. */
export function propertyNameOf(error: ErrorObject): string | undefined {
  return (error as ErrorObject & { propertyName?: string }).propertyName;
}

function describeGeneric(error: ErrorObject): Described {
  const schema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const params = error.params as Record<string, unknown>;
  const propertyName = propertyNameOf(error);
  if (propertyName !== undefined) {
    // An error raised by `propertyNames`: it is about a key, not a value.
    const inner = describeValueError(error, schema, params, propertyName);
    return {
      expected: inner.expected,
      message: `property name '${propertyName}' is not allowed here: ${inner.message}`,
      path: `${error.instancePath}/${escapePointerSegment(propertyName)}`,
      at: 'key',
    };
  }
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
      const patterns = Object.keys((schema.patternProperties ?? {}) as Record<string, unknown>).map((p) => describePattern(p));
      return {
        expected: [...(allowed.length > 0 ? [`one of the properties ${allowed.join(', ')}`] : []), ...patterns].join(' or ') || 'no other properties',
        message: unknownPropertyMessage(key, allowed, patterns),
        path: `${error.instancePath}/${escapePointerSegment(key)}`,
        at: 'key',
      };
    }
    case 'false schema': {
      // A `false` schema under `properties` forbids a property that other values make meaningless.
      const name = parsePointer(error.instancePath).pop() ?? '';
      return { expected: `no '${name}' here`, message: `'${name}' is not allowed here`, at: 'key' };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const property = ((schema.properties ?? {}) as Record<string, Record<string, unknown> | undefined>)[missing];
      const values = Array.isArray(property?.enum) ? ` (one of: ${property.enum.map(String).join(', ')})` : '';
      return {
        expected: `property '${missing}'`,
        message: `missing required property '${missing}'${values}`,
        path: `${error.instancePath}/${escapePointerSegment(missing)}`,
      };
    }
    default:
      return describeValueError(error, schema, params, error.data);
  }
}

function describeValueError(error: ErrorObject, schema: Record<string, unknown>, params: Record<string, unknown>, data: unknown): Described {
  switch (error.keyword) {
    case 'type': {
      const expected = describeTypes(params.type);
      return { expected, message: `expected ${expected}, found ${describeFound(data)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues ?? []) as unknown[];
      const expected = describeChoices(allowed);
      const hint = typeof data === 'string' ? didYouMean(data, allowed.filter((v): v is string => typeof v === 'string')) : '';
      return { expected, message: `expected ${expected}, found ${describeValue(data)}${hint}` };
    }
    case 'const': {
      const expected = formatLiteral(params.allowedValue);
      return { expected, message: `expected ${expected}, found ${describeValue(data)}` };
    }
    case 'pattern': {
      const expected = describePattern(String(params.pattern), schema.description);
      return { expected, message: `expected ${expected}, found ${describeValue(data)}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const words = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' }[error.keyword];
      const noun = schema.type === 'integer' ? 'a whole number of ' : '';
      const expected = `${noun}${words} ${String(params.limit)}`;
      return { expected, message: `expected ${expected}, found ${describeValue(data)}` };
    }
    case 'minLength':
    case 'maxLength': {
      const exact = schema.minLength !== undefined && schema.minLength === schema.maxLength;
      const limit = Number(params.limit);
      const words = exact ? 'exactly' : error.keyword === 'minLength' ? 'at least' : 'at most';
      const expected = limit === 1 && words === 'at least' ? 'a non-empty string' : `${words} ${plural(limit, 'character')}`;
      const length = typeof data === 'string' ? [...data].length : 0;
      return { expected, message: `expected ${expected}, found ${length === 0 ? 'an empty string' : `${length} (${describeValue(data)})`}` };
    }
    case 'minItems':
    case 'maxItems': {
      const limit = Number(params.limit);
      const expected = `${error.keyword === 'minItems' ? 'at least' : 'at most'} ${plural(limit, 'item')}`;
      const found = Array.isArray(data) ? data.length : 0;
      return { expected, message: `expected ${expected}, found ${found === 0 ? 'none' : found}` };
    }
    case 'minProperties':
    case 'maxProperties': {
      const limit = Number(params.limit);
      const expected = `${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${plural(limit, 'property', 'properties')}`;
      const found = data !== null && typeof data === 'object' ? Object.keys(data).length : 0;
      return { expected, message: `expected ${expected}, found ${found === 0 ? 'none' : found}` };
    }
    case 'multipleOf':
      return { expected: `a multiple of ${String(params.multipleOf)}`, message: `expected a multiple of ${String(params.multipleOf)}, found ${describeValue(data)}` };
    case 'uniqueItems':
      return { expected: 'no repeated items', message: `items ${String(params.j)} and ${String(params.i)} are the same; each may appear once` };
    default:
      return { expected: error.message ?? 'a valid value', message: error.message ?? `not valid (${error.keyword})` };
  }
}

/**
 * "unknown property 'iteration' — did you mean 'iterations'? (allowed here: …)". `patterns`
 * describe names allowed by pattern (e.g. field numbers), in words.
 */
export function unknownPropertyMessage(key: string, allowed: readonly string[], patterns: readonly string[] = []): string {
  const hint = didYouMean(key, allowed);
  const kinds = [...(allowed.length > 0 ? [allowed.join(', ')] : []), ...patterns.map((p) => `names that are ${p}`)];
  const list = kinds.length > 0 ? ` (allowed here: ${kinds.join('; ')})` : ' (no properties are allowed here)';
  return `unknown property '${key}'${hint}${list}`;
}

/** By file (in order of first appearance), then line and column. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return [...issues].sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
}

/** " — did you mean 'x'?" or "". */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const guess = suggest(input, candidates);
  return guess === undefined ? '' : ` — did you mean '${guess}'?`;
}

/**
 * Patterns in the poshil schemas, in words. A pattern not listed here is described by its
 * schema's `description`, or shown as the pattern itself.
 */
const PATTERN_WORDS: Record<string, string> = {
  [TEST_ID_PATTERN]: 'an id of letters, digits, ".", "_" and "-" starting with a letter or digit',
  [INTERFACE_NAME_PATTERN]: 'ecr, host or peripheral, optionally with a suffix such as "ecr-usb"',
  [TEST_INTERFACE_PATTERN]: 'ecr, host or peripheral, optionally with a suffix such as "ecr-usb", or ending in * for every matching interface ("ecr-lane*")',
  '^[0-9]+(\\.[0-9]+)?(ms|s|m)$': 'a duration such as "500ms", "5s" or "2m"',
  '^[0-9]{1,10}(\\.[0-9]{1,2})?$': 'an amount such as "12.34" (digits, optionally "." and 1 or 2 decimals)',
  '^[0-9]{3}$': 'a 3-digit ISO 4217 numeric currency code such as "978"',
  '^[0-9]{12,19}$': 'a card number of 12 to 19 digits',
  '^[0-9]{4}$': 'an expiry date of 4 digits, YYMM',
  [FIELD_NUMBER_PATTERN]: 'a field number from 2 to 128 (field 1, the secondary bitmap, is implied)',
};

export function describePattern(pattern: string, description?: unknown): string {
  const words = PATTERN_WORDS[pattern];
  if (words) return words;
  if (typeof description === 'string' && description.length > 0) return `text matching ${pattern} (${description.replace(/\.$/, '')})`;
  return `text matching ${pattern}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function describeTypes(types: unknown): string {
  const names = (Array.isArray(types) ? types : String(types).split(',')).map(String);
  // "true or false" reads well alone; in a list the two literals are listed like the rest.
  const list = names.length > 1 ? names.flatMap((t) => (t === 'boolean' ? ['true', 'false'] : [TYPE_WORDS[t] ?? t])) : names.map((t) => TYPE_WORDS[t] ?? t);
  return list.length <= 1 ? (list[0] ?? 'a value') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** What the user wrote when its type is the problem: a string ("12"), 1.5, true, an array… */
export function describeFound(value: unknown): string {
  return typeof value === 'string' ? `a string (${describeValue(value)})` : describeValue(value);
}

/** What the user wrote when its type is right but its value is not: "12,34", -5, an object… */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return truncate(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  return 'an object';
}

function describeChoices(values: readonly unknown[]): string {
  const words = values.map(formatLiteral);
  if (words.length === 1) return words[0];
  if (words.length === 2) return `${words[0]} or ${words[1]}`;
  return `one of ${words.join(', ')}`;
}

function formatLiteral(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

function truncate(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}


/** The value at a JSON Pointer in a document's data, or undefined. */
export function valueAt(doc: JsonDocument, pointer: string): unknown {
  let value: unknown = doc.value;
  for (const segment of parsePointer(pointer)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = Object.prototype.hasOwnProperty.call(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

