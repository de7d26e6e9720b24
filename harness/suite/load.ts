/**
 * Loading suites and device profiles. Synchronous: the files are small, and a run cannot start
 * before they are read anyway.
 *
 * A file is checked in three steps, and every problem found in any step is reported at once
 * (a ConfigError with one ConfigIssue per problem, each with file, line, column and JSON path):
 *   1. JSON syntax (json-document.ts);
 *   2. the JSON Schema (suite-schema.ts, device-schema.ts), with ajv's errors put into words;
 *   3. what a schema cannot say: unique test ids, min ≤ max, the device file exists and is
 *      itself valid, every interface a test names exists on the device, packagers resolve.
 * Then defaults are applied (seed 1, defaults.timeoutMs 5000, interface "ecr", thresholds {},
 * and the `default` of every transport/framing/protocol option left out).
 */
import { selectInterfaces } from './interface-selection';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError, type ConfigIssue } from '../errors';
import type { Limit } from '../reports/model';
import { getKind, kindNames } from '../kinds/registry';
import { didYouMean, describeSchemaErrors, propertyNameOf, sortIssues, valueAt, type ErrorRule } from './schema-errors';
import { layerSchemas, type LayerName } from './device-schema';
import { checkPackagerReference } from './packager-check';
import { escapePointerSegment, readJsonDocument, toPointer, type JsonDocument } from './json-document';
import { DEFAULT_INTERFACE, DEFAULT_SEED, DEFAULT_TIMEOUT_MS } from './suite-schema';
import type { DeviceProfile, InterfaceConfig, Suite, SuiteTest } from './types';
import { deviceIsValid, deviceValidator, suiteIsValid, suiteValidator } from './validators';

/** What a checked file turned out to be: the value when it is valid, and every issue found. */
export interface CheckResult<T> {
  value?: T;
  issues: ConfigIssue[];
}

/** Loads and validates a suite and the device profile it names. Throws ConfigError. */
export function loadSuite(file: string): Suite {
  return loadSuiteAndDevice(file).suite;
}

/** Loads and validates a device profile. Throws ConfigError. */
export function loadDevice(file: string): DeviceProfile {
  return unwrap(checkDeviceFile(file));
}

/** Loads a suite and its device profile, both validated, in one go (what a run needs). */
export function loadSuiteAndDevice(file: string): { suite: Suite; device: DeviceProfile } {
  return unwrap(checkSuiteFile(file));
}

/** Like loadSuiteAndDevice, but returns the issues instead of throwing. */
export function checkSuiteFile(file: string): CheckResult<{ suite: Suite; device: DeviceProfile }> {
  const read = readDocument(file);
  return read.value ? checkSuiteDocument(read.value) : { issues: read.issues };
}

/** Like loadDevice, but returns the issues instead of throwing. */
export function checkDeviceFile(file: string): CheckResult<DeviceProfile> {
  const read = readDocument(file);
  return read.value ? checkDeviceDocument(read.value) : { issues: read.issues };
}

/** Reads a JSON file; syntax errors and a missing file come back as issues. */
export function readDocument(file: string): CheckResult<JsonDocument> {
  try {
    return { value: readJsonDocument(file), issues: [] };
  } catch (err) {
    if (err instanceof ConfigError) return { issues: err.issues };
    throw err;
  }
}

export type ConfigFileKind = 'suite' | 'device' | 'packager' | 'report';

/**
 * What a parsed file is meant to be: by its shape (a suite has "tests" or "device", a device
 * profile "interfaces"…), else by the schema its "$schema" names. Shape comes first so that a
 * suite whose "$schema" names the wrong schema is still checked as a suite, and told so.
 * Undefined when neither tells.
 */
export function detectFileKind(value: unknown): ConfigFileKind | undefined {
  return kindByShape(value) ?? kindBySchemaName(value);
}

function kindBySchemaName(value: unknown): ConfigFileKind | undefined {
  const schema = isObject(value) ? value.$schema : undefined;
  const named = typeof schema === 'string' ? /(suite|device|packager|report)\.schema\.json$/.exec(schema) : null;
  return named ? (named[1] as ConfigFileKind) : undefined;
}

function kindByShape(value: unknown): ConfigFileKind | undefined {
  if (!isObject(value)) return undefined;
  if ('tests' in value && 'run' in value && 'schemaVersion' in value) return 'report';
  if ('tests' in value || 'device' in value) return 'suite';
  if ('interfaces' in value || 'emulator' in value) return 'device';
  if ('fields' in value && 'mtiEncoding' in value) return 'packager';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Suites

interface RawTest {
  id?: unknown;
  kind?: unknown;
  interface?: unknown;
  thresholds?: unknown;
  [key: string]: unknown;
}

const suiteRules: ErrorRule[] = [
  {
    keyword: 'enum',
    path: /^\/tests\/\d+\/kind$/,
    describe: (error) => {
      if (typeof error.data !== 'string') return undefined;
      const known = kindNames();
      return {
        expected: `one of the test kinds: ${known.join(', ')}`,
        message: `unknown test kind '${error.data}'${didYouMean(error.data, known)} (known kinds: ${known.join(', ')})`,
      };
    },
  },
  {
    // Raised through `propertyNames`: a threshold key that is not one of the kind's metrics.
    keyword: 'enum',
    path: /^\/tests\/(\d+)\/thresholds$/,
    describe: (error, match, doc) => {
      const metric = propertyNameOf(error);
      const kindName = valueAt(doc, `/tests/${match[1]}/kind`);
      const kind = typeof kindName === 'string' ? getKind(kindName) : undefined;
      if (metric === undefined || !kind) return undefined;
      const names = kind.metrics.map((m) => m.name);
      return {
        expected: `a metric of kind '${kind.name}': ${names.join(', ')}`,
        message: `threshold on '${metric}' but kind '${kind.name}' produces: ${names.join(', ')}${didYouMean(metric, names)}`,
        path: `${error.instancePath}/${escapePointerSegment(metric)}`,
        at: 'key',
      };
    },
  },
  {
    keyword: 'minProperties',
    path: /^\/tests\/\d+\/thresholds\/([^/]+)$/,
    describe: (_error, match) => ({
      expected: "'min', 'max' or both",
      message: `threshold on '${match[1]}' sets no limit: give 'min', 'max' or both, e.g. { "max": 50 }`,
    }),
  },
  {
    keyword: 'minItems',
    path: /^\/tests$/,
    describe: () => ({ expected: 'at least one test', message: 'the suite has no tests: add at least one to "tests"' }),
  },
];

/** Checks a parsed suite, and loads and checks the device profile it names. */
export function checkSuiteDocument(doc: JsonDocument): CheckResult<{ suite: Suite; device: DeviceProfile }> {
  const fileKind = fileKindIssue(doc, 'suite');
  if (fileKind?.fatal) return { issues: [fileKind.issue] };

  const schemaValid = suiteIsValid(doc.value);
  const issues = [...(fileKind ? [fileKind.issue] : []), ...doc.duplicateKeyIssues, ...(schemaValid ? [] : describeSchemaErrors(schemaErrors(suiteValidator(), doc.value), doc, suiteRules))];

  // The checks below look at whatever the file holds, valid or not, so that one run of
  // `poshil validate` shows every problem; each check skips values of the wrong shape (the
  // schema errors above already cover those).
  const data = isObject(doc.value) ? doc.value : {};
  const tests = Array.isArray(data.tests) ? (data.tests as unknown[]) : [];
  issues.push(...duplicateIds(doc, tests), ...inconsistentLimits(doc, tests));

  const device = checkSuiteDevice(doc, data.device);
  issues.push(...device.issues);
  if (device.value) issues.push(...missingInterfaces(doc, tests, device.value));

  if (issues.length > 0 || !schemaValid || !device.value) return { issues: sortIssues(issues) };
  return { value: { suite: buildSuite(doc, device.value.file), device: device.value }, issues: [] };
}

function duplicateIds(doc: JsonDocument, tests: unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstIndex = new Map<string, number>();
  tests.forEach((test, index) => {
    const id = isObject(test) ? test.id : undefined;
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
      return;
    }
    const firstLine = doc.locate(`/tests/${first}/id`).line;
    issues.push(doc.issue(`/tests/${index}/id`, 'a test id not used before', `duplicate test id '${id}': test ${first + 1} (line ${firstLine}) already uses it; test ids must be unique`));
  });
  return issues;
}

function inconsistentLimits(doc: JsonDocument, tests: unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  tests.forEach((test, index) => {
    const thresholds = isObject(test) ? (test as RawTest).thresholds : undefined;
    if (!isObject(thresholds)) return;
    // for…in rather than Object.entries: no arrays made for the 10,000 tests of a large suite.
    for (const metric in thresholds) {
      const limit = thresholds[metric];
      if (!isObject(limit)) continue;
      const { min, max } = limit as Limit;
      if (typeof min === 'number' && typeof max === 'number' && min > max) {
        issues.push(doc.issue(['tests', index, 'thresholds', metric], 'min ≤ max', `threshold on '${metric}' can never pass: min ${min} is greater than max ${max}`));
      }
    }
  });
  return issues;
}

function checkSuiteDevice(doc: JsonDocument, reference: unknown): CheckResult<DeviceProfile> {
  if (typeof reference !== 'string' || reference === '') return { issues: [] }; // the schema reports it
  const file = resolve(dirname(doc.file), reference);
  if (!existsSync(file)) {
    return {
      issues: [doc.issue('/device', 'an existing device profile file', `device profile not found: '${reference}' (looked for ${file}; the path is relative to the suite file)`)],
    };
  }
  if (statSync(file).isDirectory()) {
    return { issues: [doc.issue('/device', 'a device profile file', `'${reference}' is a directory: name the device profile JSON file in it`)] };
  }
  return checkDeviceFile(file);
}

function missingInterfaces(doc: JsonDocument, tests: unknown[], device: DeviceProfile): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const available = Object.keys(device.interfaces);
  // Tests mostly share a handful of interface names: each is looked up once.
  const selects = new Map<string, boolean>();
  tests.forEach((test, index) => {
    if (!isObject(test)) return;
    const raw = test as RawTest;
    const explicit = raw.interface !== undefined;
    const name = explicit ? raw.interface : DEFAULT_INTERFACE;
    if (typeof name !== 'string') return;
    let found = selects.get(name);
    if (found === undefined) selects.set(name, (found = selectInterfaces(name, available).length > 0));
    if (found) return;
    const who = typeof raw.id === 'string' ? `test '${raw.id}'` : `test ${index + 1}`;
    if (name.endsWith('*')) {
      issues.push(doc.issue(`/tests/${index}/interface`, `a selection matching at least one of the device's interfaces: ${available.join(', ')}`, `${who} selects interfaces '${name}' but no interface of device '${device.name}' matches: it has ${available.join(', ')}`));
      return;
    }
    const how = explicit ? `uses interface '${name}'` : `uses interface '${name}' (the default)`;
    const fix = explicit ? didYouMean(name, available) : ` — set "interface" to one of them`;
    issues.push(
      doc.issue(explicit ? `/tests/${index}/interface` : `/tests/${index}`, `one of the device's interfaces: ${available.join(', ')}`, `${who} ${how} but device '${device.name}' has: ${available.join(', ')}${fix}`),
    );
  });
  return issues;
}

function buildSuite(doc: JsonDocument, deviceFile: string): Suite {
  const data = doc.value as Record<string, unknown>;
  const defaults = isObject(data.defaults) ? data.defaults : {};
  const suite: Suite = {
    name: data.name as string,
    file: doc.file,
    sha256: doc.sha256,
    deviceFile,
    seed: (data.seed as number | undefined) ?? DEFAULT_SEED,
    defaults: { timeoutMs: (defaults.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS },
    tests: (data.tests as Record<string, unknown>[]).map(buildTest),
  };
  if (typeof data.description === 'string') suite.description = data.description;
  return suite;
}

function buildTest(raw: Record<string, unknown>): SuiteTest {
  const test: SuiteTest = {
    id: raw.id as string,
    kind: raw.kind as string,
    interface: (raw.interface as string | undefined) ?? DEFAULT_INTERFACE,
    params: (raw.params as Record<string, unknown> | undefined) ?? {},
    thresholds: (raw.thresholds as Record<string, Limit> | undefined) ?? {},
  };
  if (typeof raw.requirement === 'string') test.requirement = raw.requirement;
  if (typeof raw.description === 'string') test.description = raw.description;
  if (raw.skip !== undefined) test.skip = raw.skip as boolean | string;
  if (typeof raw.timeoutMs === 'number') test.timeoutMs = raw.timeoutMs;
  if (raw.prompt && typeof raw.prompt === 'object') test.prompt = raw.prompt as SuiteTest['prompt'];
  return test;
}

// ---------------------------------------------------------------------------------------------
// Device profiles

const LAYER_WORDS: Record<LayerName, { one: string; many: string }> = {
  transport: { one: 'transport type', many: 'transport types' },
  framing: { one: 'framing type', many: 'framing types' },
  protocol: { one: 'protocol', many: 'protocols' },
};

const deviceRules: ErrorRule[] = [
  {
    keyword: 'enum',
    path: /^\/interfaces\/[^/]+\/(transport|framing|protocol)\/type$/,
    describe: (error, match) => {
      if (typeof error.data !== 'string') return undefined;
      const layer = match[1] as LayerName;
      const known = Object.keys(layerSchemas[layer]);
      const words = LAYER_WORDS[layer];
      return {
        expected: `one of the ${words.many}: ${known.join(', ')}`,
        message: `unknown ${words.one} '${error.data}'${didYouMean(error.data, known)} (known ${words.many}: ${known.join(', ')})`,
      };
    },
  },
  {
    keyword: 'pattern',
    path: /^\/interfaces$/,
    describe: (error: ErrorObject) => {
      const name = propertyNameOf(error);
      if (name === undefined) return undefined;
      return {
        expected: 'ecr, host or peripheral, optionally with a suffix such as "ecr-usb"',
        message: `interface name '${name}' is not valid: use ecr (cash-register side), host (acquirer side) or peripheral, optionally with a suffix such as "ecr-usb"${didYouMean(name, ['ecr', 'host', 'peripheral'])}`,
        path: `/interfaces/${escapePointerSegment(name)}`,
        at: 'key',
      };
    },
  },
  {
    keyword: 'minProperties',
    path: /^\/interfaces$/,
    describe: () => ({ expected: 'at least one interface', message: 'the device has no interfaces: add at least one, e.g. "ecr"' }),
  },
];

/** Checks a parsed device profile. */
export function checkDeviceDocument(doc: JsonDocument): CheckResult<DeviceProfile> {
  const fileKind = fileKindIssue(doc, 'device');
  if (fileKind?.fatal) return { issues: [fileKind.issue] };

  const schemaValid = deviceIsValid(doc.value);
  const issues = [...(fileKind ? [fileKind.issue] : []), ...doc.duplicateKeyIssues, ...(schemaValid ? [] : describeSchemaErrors(schemaErrors(deviceValidator(), doc.value), doc, deviceRules))];

  const data = isObject(doc.value) ? doc.value : {};
  const interfaces = isObject(data.interfaces) ? data.interfaces : {};
  issues.push(...emulatorPortIssues(doc, interfaces, data.emulator !== undefined));
  issues.push(...processingTimeIssues(doc, data.emulator));
  issues.push(...packagerIssues(doc, interfaces));

  if (issues.length > 0 || !schemaValid) return { issues: sortIssues(issues) };
  return { value: buildDevice(doc), issues: [] };
}

/** Port 0 means "the emulator picks a free port": only meaningful when poshil starts the device. */
function emulatorPortIssues(doc: JsonDocument, interfaces: Record<string, unknown>, emulated: boolean): ConfigIssue[] {
  if (emulated) return [];
  const issues: ConfigIssue[] = [];
  for (const [role, iface] of Object.entries(interfaces)) {
    const transport = isObject(iface) ? iface.transport : undefined;
    if (isObject(transport) && (transport.type === 'tcp' || transport.type === 'tls') && transport.port === 0) {
      issues.push(
        doc.issue(['interfaces', role, 'transport', 'port'], 'the TCP port the device listens on (1-65535)', "port 0 lets the emulator pick a free port, but this profile has no \"emulator\" block: give the device's TCP port"),
      );
    }
    if (isObject(transport) && transport.type === 'rs485' && transport.path === undefined) {
      issues.push(
        doc.issue(['interfaces', role, 'transport'], 'the RS485 adapter port path', 'an rs485 transport without a "path" is only possible with an "emulator" block (poshil then creates one pseudo-terminal pair per bus): give the adapter, e.g. "/dev/ttyUSB0"'),
      );
    }
    if (isObject(transport) && transport.type === 'serial' && transport.path === undefined) {
      issues.push(
        doc.issue(['interfaces', role, 'transport'], 'a serial port path', 'a serial transport without a "path" is only possible with an "emulator" block (poshil then creates a pseudo-terminal pair): give the port, e.g. "/dev/ttyUSB0"'),
      );
    }
  }
  return issues;
}

function processingTimeIssues(doc: JsonDocument, emulator: unknown): ConfigIssue[] {
  const processing = isObject(emulator) ? emulator.processingMs : undefined;
  if (!isObject(processing)) return [];
  const issues: ConfigIssue[] = [];
  const { min, max, mean, distribution } = processing;
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    issues.push(doc.issue('/emulator/processingMs/min', 'min ≤ max', `min ${min} ms is greater than max ${max} ms`));
  }
  if (distribution === 'lognormal' && mean === 0) {
    issues.push(doc.issue('/emulator/processingMs/mean', 'a mean above 0', 'a lognormal distribution needs a mean above 0 ms'));
  }
  return issues;
}

/** Every ISO 8583 protocol block names a packager that loads (a built-in name or a file). */
function packagerIssues(doc: JsonDocument, interfaces: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [role, iface] of Object.entries(interfaces)) {
    const protocol = isObject(iface) ? iface.protocol : undefined;
    if (!isObject(protocol) || protocol.type !== 'iso8583' || typeof protocol.packager !== 'string') continue;
    const pointer = toPointer(['interfaces', role, 'protocol', 'packager']);
    issues.push(...checkPackagerReference(doc, pointer, protocol.packager, dirname(doc.file)));
  }
  return issues;
}

function buildDevice(doc: JsonDocument): DeviceProfile {
  const data = doc.value as Record<string, unknown>;
  const interfaces: Record<string, InterfaceConfig> = {};
  for (const [role, raw] of Object.entries(data.interfaces as Record<string, Record<string, Record<string, unknown>>>)) {
    interfaces[role] = {
      transport: withDefaults('transport', raw.transport),
      framing: withDefaults('framing', raw.framing),
      protocol: withDefaults('protocol', raw.protocol),
      ...(isObject(raw.security) ? { security: raw.security } : {}),
    } as InterfaceConfig;
  }
  const device: DeviceProfile = { name: data.name as string, file: doc.file, sha256: doc.sha256, interfaces };
  for (const key of ['description', 'vendor', 'model'] as const) {
    if (typeof data[key] === 'string') device[key] = data[key] as string;
  }
  if (isObject(data.emulator)) device.emulator = data.emulator as DeviceProfile['emulator'];
  return device;
}

/** A layer block with the schema's `default` filled in for every option left out. */
function withDefaults(layer: LayerName, block: Record<string, unknown>): Record<string, unknown> {
  const schema = layerSchemas[layer][block.type as string] as { properties?: Record<string, { default?: unknown }> };
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.default !== undefined) out[name] = property.default;
  }
  return { ...out, ...block };
}

// ---------------------------------------------------------------------------------------------

const KIND_WORDS: Record<ConfigFileKind, string> = { suite: 'a suite', device: 'a device profile', packager: 'an ISO 8583 packager', report: 'a run report' };

/**
 * A device profile handed over as a suite (or the reverse) gets one clear sentence instead of
 * fifty schema errors (fatal). A file of the right shape whose "$schema" names the wrong schema
 * gets an issue at "$schema" (not fatal: the rest is still checked).
 */
function fileKindIssue(doc: JsonDocument, wanted: 'suite' | 'device'): { issue: ConfigIssue; fatal: boolean } | undefined {
  const byName = kindBySchemaName(doc.value);
  const byShape = kindByShape(doc.value);
  if (byShape === wanted && byName !== undefined && byName !== wanted) {
    const issue = doc.issue('/$schema', `a path ending in ${wanted}.schema.json`, `"$schema" names the ${byName} schema, but this file is ${KIND_WORDS[wanted]}: point it at schemas/${wanted}.schema.json`);
    return { issue, fatal: false };
  }
  const kind = byName ?? byShape;
  if (kind === undefined || kind === wanted) return undefined;
  const hint = wanted === 'suite' ? 'pass a suite file (one with "tests")' : 'name a device profile (one with "interfaces")';
  return { issue: doc.issue('', KIND_WORDS[wanted], `this file is ${KIND_WORDS[kind]}, not ${KIND_WORDS[wanted]}: ${hint}`), fatal: true };
}

/**
 * Every error the full validator finds in a value the quick check refused (suiteIsValid,
 * deviceIsValid give the same verdict, faster, for the valid files nearly all are).
 */
function schemaErrors(validate: ValidateFunction, value: unknown): ErrorObject[] {
  validate(value);
  return validate.errors ?? [];
}

function unwrap<T>(result: CheckResult<T>): T {
  if (result.issues.length > 0) throw new ConfigError(result.issues);
  if (result.value === undefined) throw new Error('internal error: a check returned neither a value nor an issue');
  return result.value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

