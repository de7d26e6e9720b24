import { FramingError } from '../../harness/errors';
import { FramingStreamError } from '../../harness/framing/framing-stream-error';
import type { Frame, Framer } from '../../harness/framing/framer';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Frames as "header|payload" hex strings: Jest compares strings far faster than Buffers. */
export function show(frames: readonly Frame[]): string[] {
  return frames.map((f) => `${f.header ? f.header.toString('hex') : '-'}|${f.payload.toString('hex')}`);
}

export function pushAll(framer: Framer, chunks: readonly Buffer[]): Frame[] {
  return chunks.flatMap((c) => framer.push(c));
}

export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/**
 * The framer must return the same frames whichever byte boundary the stream is cut at, and when
 * fed one byte at a time; and hold nothing afterwards.
 */
export function expectSameFramesHoweverSplit(makeFramer: () => Framer, bytes: Buffer, expected: readonly Frame[]): void {
  const want = show(expected);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const framer = makeFramer();
    const got = show(pushAll(framer, [bytes.subarray(0, cut), bytes.subarray(cut)]));
    if (got.join() !== want.join()) expect({ cut, got }).toEqual({ cut, got: want });
    expect(framer.pending).toBe(0);
  }
  const framer = makeFramer();
  const oneByOne: Frame[] = [];
  for (let i = 0; i < bytes.length; i++) oneByOne.push(...framer.push(bytes.subarray(i, i + 1)));
  expect(show(oneByOne)).toEqual(want);
  expect(framer.pending).toBe(0);
}

/** Pushes malformed bytes and checks the framer's contract for garbage: a FramingStreamError
 * (code FRAMING_ERROR) with the expected message, and nothing left pending. */
export function expectStreamError(framer: Framer, bytes: Buffer, message: RegExp): FramingStreamError {
  const err = catchError(() => framer.push(bytes));
  expect(err).toBeInstanceOf(FramingError);
  expect(err).toBeInstanceOf(FramingStreamError);
  expect(err).toMatchObject({ code: 'FRAMING_ERROR' });
  expect((err as Error).message).toMatch(message);
  expect(framer.pending).toBe(0);
  return err as FramingStreamError;
}
