import Ajv2020 from 'ajv/dist/2020';
const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, allowUnionTypes: true });
const schema = {
  type: 'object',
  properties: {
    tests: { type: 'array', items: {
      type: 'object',
      properties: { kind: { enum: ['latency'] }, params: { type: 'object' }, thresholds: { type: 'object' }, skip: { type: ['boolean', 'string'] } },
      required: ['kind'],
      additionalProperties: false,
      allOf: [{ if: { type: 'object', properties: { kind: { const: 'latency' } }, required: ['kind'] }, then: { properties: {
        params: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, additionalProperties: false },
        thresholds: { type: 'object', propertyNames: { enum: ['p99_ms', 'count'] }, additionalProperties: { type: 'object', properties: { min: { type: 'number' } }, additionalProperties: false, minProperties: 1 } },
      } } }],
    } },
  },
};
const v = ajv.compile(schema);
v({ tests: [{ kind: 'latency', params: { n: 'x', m: 1 }, thresholds: { p99: { min: 1 }, count: {} }, skip: 3 }, { kind: 'lat', params: { n: 'x' } }] });
for (const e of v.errors ?? []) console.log(JSON.stringify({ ...e, schema: undefined, parentSchema: undefined, data: e.data }));
