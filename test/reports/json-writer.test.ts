import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonWriter, renderJsonReport } from '../../harness/reports/json-writer';
import type { RunReport } from '../../harness/reports/model';
import { makeReport } from './fixture';

describe('JSON writer (report.json)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'poshil-json-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes report.json that reads back as the same report', async () => {
    const report = makeReport();
    await new JsonWriter().onRunEnd(report, dir);
    const back = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
    expect(back).toEqual(report);
  });

  it('leaves no temporary file behind and creates a missing report directory', async () => {
    const nested = join(dir, 'runs', 'one');
    await new JsonWriter().onRunEnd(makeReport(), nested);
    expect(await readdir(nested)).toEqual(['report.json']);
  });

  it('pretty-prints with two spaces and ends with a newline', () => {
    const text = renderJsonReport(makeReport());
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it('prints keys in the model order whatever order the objects were built in', () => {
    const report = makeReport();
    const reversed: RunReport = { tests: report.tests, summary: report.summary, run: report.run, schemaVersion: 1 };
    expect(renderJsonReport(reversed)).toBe(renderJsonReport(report));
    const topKeys = Object.keys(JSON.parse(renderJsonReport(reversed)) as object);
    expect(topKeys).toEqual(['schemaVersion', 'run', 'summary', 'tests']);
    const testKeys = Object.keys((JSON.parse(renderJsonReport(report)) as RunReport).tests[0]);
    expect(testKeys.slice(0, 6)).toEqual(['id', 'kind', 'requirement', 'description', 'interface', 'state']);
  });

  it('sorts keys inside open-ended objects (details, identity), so equal reports are equal bytes', () => {
    const a = makeReport();
    a.tests[0].details = { zeta: 1, alpha: { y: 2, x: 1 }, '10': 'ten', '9': 'nine' };
    const b = makeReport();
    b.tests[0].details = { '9': 'nine', alpha: { x: 1, y: 2 }, zeta: 1, '10': 'ten' };
    expect(renderJsonReport(a)).toBe(renderJsonReport(b));
    expect(renderJsonReport(a)).toMatch(/"10": "ten",\n\s+"9": "nine",\n\s+"alpha"/);
  });

  it('writes $schema first, as given in the options, and omits it by default', () => {
    expect(renderJsonReport(makeReport())).not.toContain('$schema');
    const text = renderJsonReport(makeReport(), { schema: '../schemas/report.schema.json' });
    expect(text.startsWith('{\n  "$schema": "../schemas/report.schema.json",\n  "schemaVersion": 1,')).toBe(true);
  });

  it('writes bigint values (nanosecond timestamps) as strings instead of failing', () => {
    const report = makeReport();
    report.tests[0].details = { firstByteNs: 12345678901234567890n };
    expect((JSON.parse(renderJsonReport(report)) as RunReport).tests[0].details).toEqual({ firstByteNs: '12345678901234567890' });
  });

  it('refuses a circular details object with the JSON path of the cycle', () => {
    const report = makeReport();
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    report.tests[1].details = loop;
    expect(() => renderJsonReport(report)).toThrow(expect.objectContaining({ code: 'REPORT_NOT_SERIALISABLE', message: expect.stringContaining('/tests/1/details/self') }));
  });

  it('refuses a file name with a directory when it is created, not at the end of the run', () => {
    expect(() => new JsonWriter({ fileName: '../report.json' })).toThrow(expect.objectContaining({ code: 'REPORT_FILE_NAME' }));
  });
});
