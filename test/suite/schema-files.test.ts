import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { generatedSchemas, outdatedSchemaFiles, REGENERATE_COMMAND } from '../../harness/suite/write-schemas';

describe('schemas/', () => {
  it('holds exactly what the schema sources generate', () => {
    const outdated = outdatedSchemaFiles();
    if (outdated.length > 0) {
      throw new Error(`out of date: ${outdated.map((n) => `schemas/${n}`).join(', ')} — run ${REGENERATE_COMMAND}`);
    }
  });

  it('generates the suite, device, report and packager schemas', () => {
    expect(Object.keys(generatedSchemas()).sort()).toEqual(['device.schema.json', 'packager.schema.json', 'report.schema.json', 'suite.schema.json']);
  });
});

describe('the generated schema files, as an editor uses them', () => {
  const read = (file: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', file), 'utf8')) as Record<string, unknown>;
  const ajv = () => new Ajv2020({ allErrors: true, allowUnionTypes: true });

  it('accept the good fixtures and refuse a bad one', () => {
    const suite = ajv().compile(read('schemas/suite.schema.json'));
    const device = ajv().compile(read('schemas/device.schema.json'));
    expect(suite(read('test/fixtures/suites/good/latency-smoke.json'))).toBe(true);
    expect(device(read('test/fixtures/devices/good/emulated-terminal.json'))).toBe(true);
    expect(suite(read('test/fixtures/suites/bad/unknown-params-field.json'))).toBe(false);
    expect(device(read('test/fixtures/devices/bad/bad-port.json'))).toBe(false);
  });
});
