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
