import Ajv2020 from 'ajv/dist/2020';
import { renderJsonReport } from '../../harness/reports/json-writer';
import { reportSchema } from '../../harness/suite/report-schema';
import { hostileReport, makeReport } from './fixture';

describe('report.json against the report JSON Schema', () => {
  const validate = new Ajv2020({ allErrors: true }).compile(reportSchema);

  function check(text: string): void {
    const ok = validate(JSON.parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  }

  it('validates for a run with a test in every state', () => {
    check(renderJsonReport(makeReport()));
  });

  it('validates with a $schema reference', () => {
    check(renderJsonReport(makeReport(), { schema: '../../schemas/report.schema.json' }));
  });

  it('validates when every text field is hostile and details hold bigint values', () => {
    const report = hostileReport();
    report.tests[0].details = { firstByteNs: 1n, histogram: { '50': 1.2, '99': 3.1 } };
    check(renderJsonReport(report));
  });

  it('is caught by the schema when the report breaks the model (the check is not vacuous)', () => {
    const text = renderJsonReport(makeReport()).replace('"state": "passed"', '"state": "green"');
    expect(validate(JSON.parse(text))).toBe(false);
  });
});
