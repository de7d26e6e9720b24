/**
 * ChunkQueue, the receive buffer of the length-announcing framers (length-prefix, zvt-tcp).
 * The framer tests cover it through whole streams; these pin the contract the framers rely
 * on: reads across chunk boundaries, the stream position, and that nothing still buffered
 * shares memory with a chunk the caller gets back after retain().
 */
import fc from 'fast-check';
import { ChunkQueue } from '../../harness/framing/chunk-queue';
import { hex } from './stream-helpers';

describe('ChunkQueue', () => {
  it('peeks and takes across chunk boundaries', () => {
    const q = new ChunkQueue();
    q.push(hex('01 02'));
    q.push(hex('03'));
    q.push(hex('04 05 06'));
    expect(q.buffered).toBe(6);
    expect(q.peek(4)).toEqual(hex('01 02 03 04'));
    expect(q.buffered).toBe(6);
    expect(q.take(3)).toEqual(hex('01 02 03'));
    expect(q.peek(2)).toEqual(hex('04 05'));
    expect(q.take(3)).toEqual(hex('04 05 06'));
    expect(q.buffered).toBe(0);
    expect(q.peek(0)).toEqual(Buffer.alloc(0));
  });

  it('counts the stream position across take and clear', () => {
    const q = new ChunkQueue();
    q.push(hex('01 02 03 04 05'));
    q.take(2);
    expect(q.position).toBe(2);
    q.clear();
    expect(q.buffered).toBe(0);
    expect(q.position).toBe(5);
    q.push(hex('06 07'));
    q.take(1);
    expect(q.position).toBe(6);
  });

  it('ignores empty chunks', () => {
    const q = new ChunkQueue();
    q.push(Buffer.alloc(0));
    q.push(hex('01'));
    q.push(Buffer.alloc(0));
    q.push(hex('02'));
    expect(q.take(2)).toEqual(hex('01 02'));
  });

  it('after retain, keeps no memory of a chunk the caller reuses', () => {
    const q = new ChunkQueue();
    const reused = Buffer.alloc(4);

    hex('01 02 03 04').copy(reused);
    q.push(reused);
    expect(q.take(3)).toEqual(hex('01 02 03'));
    q.retain(reused);
    reused.fill(0xee);
    expect(q.peek(1)).toEqual(hex('04'));

    hex('05 06 07 08').copy(reused);
    q.push(reused);
    q.retain(reused);
    reused.fill(0xee);
    expect(q.take(5)).toEqual(hex('04 05 06 07 08'));
  });

  it('refuses to read more than is buffered', () => {
    const q = new ChunkQueue();
    q.push(hex('01 02'));
    expect(() => q.peek(3)).toThrow(RangeError);
    expect(() => q.take(3)).toThrow(RangeError);
    expect(() => q.take(-1)).toThrow(RangeError);
    expect(q.take(2)).toEqual(hex('01 02'));
  });

  it('returns the pushed bytes in order however they are chunked, taken and retained', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 12 }),
        fc.array(fc.nat({ max: 10 }), { maxLength: 20 }),
        (chunks, reads) => {
          const q = new ChunkQueue();
          const scratch = Buffer.alloc(8);
          const pushed: number[] = [];
          const taken: number[] = [];
          let r = 0;
          for (const bytes of chunks) {
            // One scratch buffer for every chunk, as a transport reusing its read buffer would.
            const chunk = scratch.subarray(0, bytes.length);
            chunk.set(bytes);
            q.push(chunk);
            pushed.push(...bytes);
            const want = Math.min(reads.length > 0 ? reads[r++ % reads.length] : 0, q.buffered);
            expect([...q.peek(want)]).toEqual(pushed.slice(taken.length, taken.length + want));
            taken.push(...q.take(want));
            q.retain(chunk);
            scratch.fill(0xee);
            expect(q.position).toBe(taken.length);
            expect(q.buffered).toBe(pushed.length - taken.length);
          }
          taken.push(...q.take(q.buffered));
          expect(taken).toEqual(pushed);
        },
      ),
    );
  });
});
