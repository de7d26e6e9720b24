import Ajv2020 from 'ajv/dist/2020';
import type { TestKind } from '../../harness/kinds/kind';
import { kinds } from '../../harness/kinds/registry';
import { buildDeviceSchema } from '../../harness/suite/device-schema';
import { parseJsonDocument } from '../../harness/suite/json-document';
import { describeSchemaErrors } from '../../harness/suite/schema-errors';
import { buildSuiteSchema } from '../../harness/suite/suite-schema';
import { compileSchema } from '../../harness/suite/validators';
import { transportSchemas } from '../../harness/transports/config-schemas';
import { framingSchemas } from '../../harness/framing/config-schemas';
import { protocolSchemas } from '../../harness/protocols/config-schemas';

/** Two made-up kinds, to show the union reports only the branch of the test's own kind. */
const fakeKind = (name: string, paramsSchema: Record<string, unknown>, metrics: string[]): TestKind<unknown> => ({
  name,
  description: `${name} kind`,
  paramsSchema,
  metrics: metrics.map((m) => ({ name: m, unit: 'ms', description: m })),
  run: async () => ({ measurements: {} }),
});

const registry = {
  alpha: fakeKind('alpha', { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'], additionalProperties: false }, ['a_ms']),
  beta: fakeKind('beta', { type: 'object', properties: { label: { type: 'string' } }, additionalProperties: false }, ['b_ms', 'b_count']),
};

function issuesFor(text: string): string[] {
  const validate = compileSchema(buildSuiteSchema(registry));
  const doc = parseJsonDocument('suite.json', text);
  validate(doc.value);
  return describeSchemaErrors(validate.errors ?? [], doc).map((i) => `${i.path}: ${i.message}`);
}

const suiteWith = (test: string) => `{ "name": "S", "device": "d.json", "tests": [${test}] }`;

describe('the suite schema', () => {
  it('checks a test only against its own kind: one mistake, one message', () => {
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "beta", "params": { "label": 5 } }'))).toEqual(['/tests/0/params/label: expected a string, found 5']);
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "alpha", "params": { "label": "x" } }'))).toEqual([
      "/tests/0/params/count: missing required property 'count'",
      "/tests/0/params/label: unknown property 'label' (allowed here: count)",
    ]);
  });

  it('limits threshold names to the metrics of the test\'s kind', () => {
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "beta", "thresholds": { "b_ms": { "max": 1 }, "a_ms": { "max": 1 } } }'))).toHaveLength(1);
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "alpha", "params": { "count": 1 }, "thresholds": { "a_ms": { "max": 1 } } }'))).toEqual([]);
  });

  it('requires params only of kinds whose params have required properties', () => {
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "beta" }'))).toEqual([]);
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "alpha" }'))).toEqual(["/tests/0/params: missing required property 'params'"]);
  });

  it('reports only the unknown kind when the kind is unknown', () => {
    expect(issuesFor(suiteWith('{ "id": "t", "kind": "gamma", "params": { "whatever": 1 }, "thresholds": { "x": { "max": 1 } } }'))).toEqual([
      "/tests/0/kind: expected 'alpha' or 'beta', found \"gamma\"",
    ]);
  });

  it('has one branch per registered kind, with its params schema and metric names', () => {
    const schema = buildSuiteSchema() as { properties: { tests: { items: { allOf: { then: { properties: { params: unknown; thresholds: { propertyNames: { enum: string[] } } } } }[] } } } };
    const branches = schema.properties.tests.items.allOf;
    expect(branches).toHaveLength(Object.keys(kinds).length);
    Object.values(kinds).forEach((kind, i) => {
      expect(branches[i].then.properties.params).toBe(kind.paramsSchema);
      expect(branches[i].then.properties.thresholds.propertyNames.enum).toEqual(kind.metrics.map((m) => m.name));
    });
  });
});

describe('the device schema', () => {
  it('offers every transport, framing and protocol type the layers define', () => {
    const schema = buildDeviceSchema() as { properties: { interfaces: { additionalProperties: { properties: Record<string, { properties: { type: { enum: string[] } } }> } } } };
    const layers = schema.properties.interfaces.additionalProperties.properties;
    expect(layers.transport.properties.type.enum).toEqual(Object.keys(transportSchemas));
    expect(layers.framing.properties.type.enum).toEqual(Object.keys(framingSchemas));
    expect(layers.protocol.properties.type.enum).toEqual(Object.keys(protocolSchemas));
  });
});

describe('strict compilation', () => {
  it('compiles the suite and device schemas with ajv in strict mode', () => {
    const ajv = () => new Ajv2020({ strict: true, allowUnionTypes: true });
    expect(() => ajv().compile(buildSuiteSchema())).not.toThrow();
    expect(() => ajv().compile(buildDeviceSchema())).not.toThrow();
  });
});
