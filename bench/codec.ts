import path from 'node:path';
import { Bench } from 'tinybench';
import { Iso8583Codec } from '../harness/protocols/iso8583/codec';
import { loadPackager } from '../harness/protocols/iso8583/packager';
import type { Iso8583Message } from '../harness/protocols/iso8583/types';
import { ROOT } from './device';
import { result, round, type BenchContext, type BenchResult, type Benchmark } from './results';
import { median, pairedMedian, divide } from './stats';

// iso_8583 ships no types; this is the part of its API the benchmark uses (see its README).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Iso8583Lib = require('iso_8583') as new (message?: Record<string, string>, customFormats?: Record<string, unknown>) => {
  getRawMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config?: { lenHeader?: boolean; bitmapEncoding?: 'utf8' | 'hex' }): Record<string, string> | { error: string };
};

/**
 * ISO 8583 pack + unpack of a typical 0200 (fields 2 3 4 7 11 12 13 14 22 25 41 42 49), in
 * memory, no I/O.
 *   poshil:   Iso8583Codec with the iso87ascii packager (ASCII MTI, hex-ASCII bitmap, ASCII
 *             fields, LLVAR PAN): pack the message, unpack the bytes.
 *   baseline: the `iso_8583` npm package doing the same: `new iso8583(msg).getRawMessage()`
 *             then `getIsoJSON(bytes)`. Configured as close to iso87ascii as it goes: field 1
 *             as an "an" bitmap (hex ASCII) and default field formats, which for these fields
 *             are the ISO 8583:1987 ones (n fixed, LLVAR n..19 PAN, ans 8 / ans 15). It always
 *             writes a 128-bit bitmap (32 hex characters, secondary bit set), so its message is
 *             16 bytes longer; both validate the field values while packing.
 * Both round trips are checked to give back the message before anything is timed.
 */
const SIZES = {
  full: { rounds: 3, timeMs: 1500, warmupMs: 300 },
  tiny: { rounds: 1, timeMs: 50, warmupMs: 10 },
} as const;

export const TARGET_RATIO = 2;

export const message: Iso8583Message = {
  mti: '0200',
  fields: {
    2: '4761739001010119',
    3: '000000',
    4: '000000001234',
    7: '0611120000',
    11: '000001',
    12: '120000',
    13: '0611',
    14: '3012',
    22: '012',
    25: '00',
    41: 'POSHIL01',
    42: 'POSHIL000000001',
    49: '978',
  },
};

const libMessage: Record<string, string> = { 0: message.mti, ...message.fields };
const libFormats = { 1: { ContentType: 'an', Label: 'Bitmap', LenType: 'fixed', MaxLen: 32 } };
const libConfig = { lenHeader: false, bitmapEncoding: 'utf8' } as const;

function sameMessage(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

export const codec: Benchmark = {
  name: 'codec',
  title: 'ISO 8583 pack + unpack of a 0200 (iso87ascii) vs the iso_8583 package',
  async run(ctx: BenchContext): Promise<BenchResult[]> {
    const size = SIZES[ctx.scale];
    const poshil = new Iso8583Codec(loadPackager('iso87ascii', path.join(ROOT, 'devices')));

    const poshilBytes = poshil.pack(message);
    if (!sameMessage(poshil.unpack(poshilBytes).fields as Record<string, string>, message.fields as Record<string, string>)) {
      throw new Error('poshil codec round trip changed the message');
    }
    const libBytes = new Iso8583Lib(libMessage, libFormats).getRawMessage();
    if (!Buffer.isBuffer(libBytes)) throw new Error(`iso_8583 could not pack the message: ${JSON.stringify(libBytes)}`);
    const libBack = new Iso8583Lib(undefined, libFormats).getIsoJSON(libBytes, libConfig);
    if ('error' in libBack || !sameMessage(libBack, libMessage)) throw new Error(`iso_8583 round trip changed the message: ${JSON.stringify(libBack)}`);

    let sink = 0;
    const tasks: Record<string, () => void> = {
      poshil: () => {
        const back = poshil.unpack(poshil.pack(message));
        sink += back.mti.length;
      },
      iso_8583: () => {
        const bytes = new Iso8583Lib(libMessage, libFormats).getRawMessage() as Buffer;
        const back = new Iso8583Lib(undefined, libFormats).getIsoJSON(bytes, libConfig);
        sink += Object.keys(back).length;
      },
    };
    const hz: Record<string, number[]> = { poshil: [], iso_8583: [] };
    const names = Object.keys(tasks);
    for (let r = 0; r < size.rounds; r++) {
      const bench = new Bench({ time: size.timeMs, iterations: 10, warmupTime: size.warmupMs, warmupIterations: 100, throws: true });
      for (const name of r % 2 === 0 ? names : [...names].reverse()) bench.add(name, tasks[name]);
      await bench.warmup();
      await bench.run();
      for (const task of bench.tasks) hz[task.name].push(task.result?.hz ?? 0);
      ctx.log(`codec round ${r + 1}/${size.rounds}: ${bench.tasks.map((t) => `${t.name} ${t.result?.hz.toFixed(0)} ops/s`).join(', ')}`);
    }
    if (sink === 0) throw new Error('nothing was decoded');
    const poshilHz = median(hz.poshil) ?? 0;
    const libHz = median(hz.iso_8583) ?? 0;
    // Paired per round (see closed-loop.ts): robust to a machine busy in one round only.
    const ratio = pairedMedian(hz.poshil, hz.iso_8583, divide) ?? 0;
    const notes = [
      `one op = pack + unpack; median of ${size.rounds} tinybench round(s) of ${size.timeMs} ms per task; ratio = median of the rounds' poshil ÷ iso_8583`,
      `message bytes: poshil ${poshilBytes.length} (64-bit bitmap as 16 hex chars), iso_8583 ${libBytes.length} (always a 128-bit bitmap as 32 hex chars)`,
      `iso_8583 is used through its API: a new object per message to pack and one per buffer to unpack`,
    ];
    if (ratio < TARGET_RATIO) notes.push(`MISSED: ${round(ratio, 2)}× vs ${TARGET_RATIO}× (${round((1 - ratio / TARGET_RATIO) * 100, 1)}% short)`);
    return [
      result({
        name: 'codec 0200 pack+unpack',
        benchmark: 'codec',
        poshil: { value: round(poshilHz, 0), unit: 'ops/s' },
        baseline: { value: round(libHz, 0), unit: 'ops/s' },
        ratio: round(ratio, 3),
        target: `ratio ≥ ${TARGET_RATIO}`,
        met: ratio >= TARGET_RATIO,
        notes,
        details: { poshil_us_per_op: round(1e6 / poshilHz, 3), iso_8583_us_per_op: round(1e6 / libHz, 3), poshil_bytes: poshilBytes.length, iso_8583_bytes: libBytes.length },
      }),
    ];
  },
};
