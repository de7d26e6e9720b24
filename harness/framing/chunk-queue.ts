/**
 * The receive buffer of the framers whose frames announce their own length (length-prefix,
 * zvt-tcp). Chunks are kept as they arrive and copied out only once a whole prefix or frame is
 * there, so a frame delivered one byte at a time (common on serial links) costs one copy, not
 * one per byte.
 *
 * A pushed chunk is borrowed, not copied: the framer's caller may reuse its buffer as soon as
 * `push()` returns, so every framer push must end with `retain(chunk)`.
 */
export class ChunkQueue {
  private chunks: Buffer[] = [];
  /** Index of the first unconsumed chunk in `chunks`, and read position inside it. */
  private index = 0;
  private head = 0;
  private bufferedBytes = 0;
  private consumed = 0;

  /** Bytes pushed and not yet taken or cleared. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /**
   * Stream position of the first unconsumed byte, counted from creation. clear() moves it past
   * the dropped bytes rather than back to 0, so offsets stay comparable across resets.
   */
  get position(): number {
    return this.consumed;
  }

  /** Borrows `chunk` until the matching retain(chunk). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
  }

  /** Counts `count` bytes as consumed that never entered the queue (a frame read straight from a chunk). */
  skip(count: number): void {
    if (this.bufferedBytes !== 0) throw new RangeError('ChunkQueue: skip() is only for an empty queue');
    this.consumed += count;
  }

  /** A copy of the next `count` unconsumed bytes (count <= buffered), without consuming them. */
  peek(count: number): Buffer {
    this.checkCount(count);
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    let index = this.index;
    let at = this.head;
    while (filled < count) {
      const c = this.chunks[index];
      const n = Math.min(c.length - at, count - filled);
      c.copy(out, filled, at, at + n);
      filled += n;
      index++;
      at = 0;
    }
    return out;
  }

  /** Consumes `count` bytes (count <= buffered) into a fresh buffer. */
  take(count: number): Buffer {
    this.checkCount(count);
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const c = this.chunks[this.index];
      const n = Math.min(c.length - this.head, count - filled);
      c.copy(out, filled, this.head, this.head + n);
      filled += n;
      this.head += n;
      if (this.head === c.length) {
        this.index++;
        this.head = 0;
      }
    }
    this.bufferedBytes -= count;
    this.consumed += count;
    return out;
  }

  /**
   * Ends the borrow of `chunk`, the last chunk pushed: keeps a private copy of whatever part of
   * it is still unconsumed. Also drops the consumed chunks, which is deferred to here so that
   * taking several frames from one push does not splice the array once per frame.
   */
  retain(chunk: Buffer): void {
    if (this.index > 0) {
      this.chunks.splice(0, this.index);
      this.index = 0;
    }
    const last = this.chunks.length - 1;
    if (last < 0 || this.chunks[last] !== chunk) return;
    if (last === 0) {
      // Copy only the unread tail: after a burst of frames it is usually a few bytes.
      this.chunks[0] = Buffer.from(chunk.subarray(this.head));
      this.head = 0;
    } else {
      this.chunks[last] = Buffer.from(chunk);
    }
  }

  /** Drops everything buffered. */
  clear(): void {
    this.consumed += this.bufferedBytes;
    this.chunks = [];
    this.index = 0;
    this.head = 0;
    this.bufferedBytes = 0;
  }

  private checkCount(count: number): void {
    // Past the buffered bytes the loops would read an undefined chunk and fail far from the cause.
    if (!Number.isInteger(count) || count < 0 || count > this.bufferedBytes) {
      throw new RangeError(`ChunkQueue: cannot read ${count} bytes, ${this.bufferedBytes} are buffered`);
    }
  }
}
