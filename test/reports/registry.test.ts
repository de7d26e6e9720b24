import { ConsoleReporter } from '../../harness/reports/console-reporter';
import { JsonWriter } from '../../harness/reports/json-writer';
import { createReporters, defaultReporterNames, isReporterName, reporters, type ReporterName } from '../../harness/reports/registry';

describe('reporter registry', () => {
  it('knows json, junit, markdown and console, and uses all four by default', () => {
    expect(Object.keys(reporters)).toEqual(['json', 'junit', 'markdown', 'html', 'console']);
    expect(defaultReporterNames).toEqual(['json', 'junit', 'markdown', 'html', 'console']);
    expect(createReporters().map((r) => r.name)).toEqual(['json', 'junit', 'markdown', 'html', 'console']);
  });

  it('creates the reporters named, in the order given, each once', () => {
    expect(createReporters(['console', 'json', 'console']).map((r) => r.name)).toEqual(['console', 'json']);
    expect(createReporters([])).toEqual([]);
  });

  it('passes each reporter its own options', () => {
    const stream = { chunks: [] as string[], write(c: string) { this.chunks.push(c); } };
    const [json, console] = createReporters(['json', 'console'], { json: { schema: 'report.schema.json' }, console: { stream, tty: false } });
    expect(json).toBeInstanceOf(JsonWriter);
    expect(console).toBeInstanceOf(ConsoleReporter);
    (console as ConsoleReporter).onTestResult({ ...minimalResult });
    expect(stream.chunks.join('')).toContain('PASS t1');
  });

  it('rejects an unknown reporter name, listing the known ones', () => {
    expect(() => createReporters(['json', 'pdf'])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_REPORTER', exitCode: 2, message: 'unknown reporter "pdf"; known reporters: json, junit, markdown, html, console' }),
    );
  });

  it('does not take names from Object.prototype for reporters', () => {
    expect(isReporterName('toString')).toBe(false);
    expect(() => createReporters(['__proto__'])).toThrow(/unknown reporter "__proto__"/);
  });

  it('derives the name type from the map', () => {
    const name: ReporterName = 'junit';
    expect(isReporterName(name)).toBe(true);
  });
});

const minimalResult = {
  id: 't1',
  kind: 'latency',
  interface: 'ecr',
  state: 'passed' as const,
  startedAt: '2025-03-01T10:00:00.000Z',
  endedAt: '2025-03-01T10:00:00.100Z',
  durationMs: 100,
  measurements: [],
  thresholds: [],
};
