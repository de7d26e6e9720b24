import Ajv2020 from 'ajv/dist/2020';
import { FaultController } from '../../harness/faults/controller';
import { FaultSpecError, faultScheduleSchema, faultSpecSchema, faultTypeSchemas, formatSeconds, type FaultSpec } from '../../harness/faults/fault-spec';
import { geometricGap, mulberry32 } from '../../harness/faults/random';
import type { JsonSchema } from '../../harness/json-schema';
import { AJV_OPTIONS } from '../../harness/suite/validators';

const validSchedule: FaultSpec[] = [
  { type: 'latency', ms: 50, jitterMs: 10, direction: 'in', probability: 0.5, at: '1s', duration: '5s' },
  { type: 'bandwidth', bytesPerSecond: 960, direction: 'out' },
  { type: 'slice', maxBytes: 3, gapMs: 2 },
  { type: 'drop', probability: 0.01 },
  { type: 'byteDrop', rate: 1e-3, direction: 'in' },
  { type: 'bitFlip', rate: 1e-4, direction: 'out', at: '2.5s', duration: '500ms' },
  { type: 'stall', duration: '2s', direction: 'in' },
  { type: 'disconnect', at: '5s', duration: '3s' },
  { type: 'reset', at: '10s' },
];

describe('fault schedule schema', () => {
  const ajv = new Ajv2020(AJV_OPTIONS);
  const validate = ajv.compile(faultScheduleSchema);

  it('compiles under the strict options the suite validators use and accepts every fault type', () => {
    expect(validate(validSchedule)).toBe(true);
    expect(validate([])).toBe(true);
  });

  it.each([
    ['an unknown type', { type: 'gremlins' }],
    ['a property of another type', { type: 'latency', ms: 5, rate: 0.1 }],
    ['a missing required number', { type: 'bitFlip' }],
    ['a rate above 1', { type: 'byteDrop', rate: 2 }],
    ['a probability above 1', { type: 'drop', probability: 1.5 }],
    ['a duration not in suite form', { type: 'stall', duration: '5 sec' }],
    ['a direction on a disconnect (it cuts both ways)', { type: 'disconnect', direction: 'in', duration: '1s' }],
    ['a duration on a reset (it is an instant)', { type: 'reset', duration: '1s' }],
    ['a fractional slice size', { type: 'slice', maxBytes: 2.5 }],
    ['an unknown direction', { type: 'stall', direction: 'sideways' }],
  ])('rejects %s', (_what, fault) => {
    expect(validate([fault])).toBe(false);
  });

  it('describes every property of every fault type', () => {
    const missing: string[] = [];
    for (const [type, schema] of Object.entries(faultTypeSchemas)) {
      if (!schema.description) missing.push(type);
      expect(schema.additionalProperties).toBe(false);
      for (const [name, prop] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
        if (typeof prop.description !== 'string' || prop.description.length === 0) missing.push(`${type}.${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(faultSpecSchema.description).toEqual(expect.any(String));
    expect(faultScheduleSchema.description).toEqual(expect.any(String));
  });
});

describe('FaultController', () => {
  it('refuses a fault it cannot run, naming it', () => {
    expect(() => new FaultController([{ type: 'latency', ms: -1 }])).toThrow(FaultSpecError);
    expect(() => new FaultController([{ type: 'stall', at: 'soon' } as FaultSpec])).toThrow(/fault 0 \(stall\): "soon" is not a duration/);
    expect(() => new FaultController([{ type: 'bitFlip' } as unknown as FaultSpec])).toThrow(/"rate" is missing/);
  });

  it('knows from the schedule alone which faults are active at a moment', () => {
    const c = new FaultController(validSchedule, { seed: 1 });
    expect(c.active(0)).toEqual([]); // not started
    c.start();
    const at = (ms: number) => c.active(ms).map((f) => f.spec.type);
    expect(at(0)).toEqual(['bandwidth', 'slice', 'drop', 'byteDrop', 'stall']);
    expect(at(2_600)).toEqual(['latency', 'bandwidth', 'slice', 'drop', 'byteDrop', 'bitFlip']);
    expect(at(5_000)).toEqual(['latency', 'bandwidth', 'slice', 'drop', 'byteDrop', 'disconnect']);
    expect(at(6_000)).toEqual(['bandwidth', 'slice', 'drop', 'byteDrop', 'disconnect']);
    expect(at(10_000)).toEqual(['bandwidth', 'slice', 'drop', 'byteDrop', 'reset']);
    expect(c.active(0)[0]).toMatchObject({ index: 1, direction: 'out', startMs: 0, endMs: undefined });
    c.stop();
    expect(c.active()).toEqual([]);
    expect(c.injected().map((r) => [r.type, r.startMs, r.endMs !== null])).toEqual([
      ['bandwidth', 0, true],
      ['slice', 0, true],
      ['drop', 0, true],
      ['byteDrop', 0, true],
      ['stall', 0, true],
    ]);
  });

  it('reports starts and ends as trace notes, and its timer does not hold the process', () => {
    const notes: string[] = [];
    const c = new FaultController([{ type: 'bitFlip', rate: 1e-4, direction: 'out' }, { type: 'disconnect', at: '5s', duration: '3s' }], { onEvent: (n) => notes.push(n) });
    c.start();
    c.start(); // idempotent
    expect(notes).toEqual(['fault start: bitFlip rate 0.0001 out at 0.0 s']);
    const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    c.stop();
    c.stop();
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^fault end: bitFlip out \(\d+(\.\d)? ms\)$/);
    // getActiveResourcesInfo lists only ref'd timers: the controller's is unref'd.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timers);
    expect(c.seed).toEqual(expect.any(Number));
  });

  it('formats schedule moments for messages', () => {
    expect(formatSeconds(5000)).toBe('5.0 s');
    expect(formatSeconds(150)).toBe('0.15 s');
    expect(formatSeconds(0)).toBe('0.0 s');
  });
});

describe('seeded randomness', () => {
  it('repeats the same sequence for the same seed and another for another seed', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const c = mulberry32(124);
    const sa = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(sa);
    expect(Array.from({ length: 5 }, c)).not.toEqual(sa);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws gaps between hits with the right mean', () => {
    const r = mulberry32(9);
    const p = 0.01;
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += geometricGap(r, p);
    expect(sum / n).toBeGreaterThan(((1 - p) / p) * 0.95);
    expect(sum / n).toBeLessThan(((1 - p) / p) * 1.05);
    expect(geometricGap(r, 1)).toBe(0);
    expect(geometricGap(r, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
