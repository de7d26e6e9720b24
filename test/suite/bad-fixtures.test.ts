/**
 * Every bad fixture in test/fixtures/{suites,devices}/bad is refused with exactly the issues
 * its directory's expected.json lists: the count (so one mistake gives one message, not a
 * cascade) and substrings of the formatted issues, file:line:column: path: message included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '../../harness/errors';
import { loadDevice, loadSuite } from '../../harness/suite/load';

interface Expectation {
  issues: number;
  expect: string[];
}

const FIXTURES = join(__dirname, '..', 'fixtures');

const tables = [
  { what: 'suite', dir: join(FIXTURES, 'suites', 'bad'), load: loadSuite },
  { what: 'device profile', dir: join(FIXTURES, 'devices', 'bad'), load: loadDevice },
];

function readTable(dir: string): Record<string, Expectation> {
  const table = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expectation | string>;
  return Object.fromEntries(Object.entries(table).filter((e): e is [string, Expectation] => !e[0].startsWith('$')));
}

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.json') && name !== 'expected.json').sort();
}

function loadError(load: (file: string) => unknown, file: string): ConfigError {
  try {
    load(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${file} loaded without an error`);
}

describe.each(tables)('bad $what fixtures', ({ dir, load }) => {
  const table = readTable(dir);

  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(Object.keys(table).sort()).toEqual(fixtureFiles(dir));
  });

  it.each(fixtureFiles(dir))('%s is refused with the expected issues', (name) => {
    const expectation = table[name];
    expect(expectation).toBeDefined();
    const error = loadError(load, join(dir, name));
    const formatted = error.issues.map(formatIssue);
    for (const substring of expectation.expect) {
      expect(formatted.filter((line) => line.includes(substring))).toHaveLength(1);
    }
    expect(formatted).toHaveLength(expectation.issues);
    for (const issue of error.issues) {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.column).toBeGreaterThanOrEqual(1);
      expect(issue.expected.length).toBeGreaterThan(0);
      expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
    }
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(formatted.join('\n'));
  });
});

it('there are at least 22 bad fixtures', () => {
  const count = tables.reduce((n, { dir }) => n + fixtureFiles(dir).length, 0);
  expect(count).toBeGreaterThanOrEqual(22);
});
