/**
 * The transport contract: one connected byte link to one interface of one device.
 *
 * Rules every implementation keeps (tests in test/transports hold them to it):
 * - `open()` resolves once bytes can flow, or rejects with DeviceUnreachableError naming the
 *   endpoint ("could not connect to 127.0.0.1:5000: connection refused").
 * - `write()` resolves once the bytes are queued for sending (or delivered, for virtual); it
 *   rejects with LinkClosedError once the link is down.
 * - 'data' listeners get chunks in arrival order; chunk boundaries mean nothing.
 * - 'disconnect' fires exactly once when the link goes down for any reason other than our own
 *   `close()`, with the cause. After it, writes reject.
 * - `close()` is idempotent and never rejects.
 */
export interface LineRate {
  /** Bits per second on the wire (baud for serial). */
  bitsPerSecond: number;
  /** Bits on the wire per byte: start + data + parity + stop bits (10 for 8N1). */
  bitsPerCharacter: number;
}

export type DataListener = (chunk: Buffer) => void;
export type DisconnectListener = (cause: Error | undefined) => void;
export type NoteListener = (note: string) => void;

export interface Transport {
  /** Implementation name as used in device profiles: "tcp", "virtual", "serial", … */
  readonly type: string;
  /** Human-readable endpoint for messages and reports ("tcp 127.0.0.1:5000"). */
  readonly endpoint: string;
  /** Known when the link has a fixed line rate (serial); undefined for TCP. */
  readonly lineRate?: LineRate;
  readonly isOpen: boolean;
  /**
   * Every chunk handed to data listeners is a buffer of its own that the transport never
   * touches again, so a listener may keep it without copying (the wire trace does).
   */
  readonly freshChunks?: boolean;
  open(): Promise<void>;
  write(data: Buffer): Promise<void>;
  /**
   * Optional: write() for a transport that hands the bytes over at once — returns when it has
   * them and throws (LinkClosedError) instead of rejecting, so a hot path makes no promise.
   */
  writeNow?(data: Buffer): void;
  close(): Promise<void>;
  /** Returns a function that removes the listener. */
  onData(listener: DataListener): () => void;
  onDisconnect(listener: DisconnectListener): () => void;
  /**
   * Optional: events below the byte stream worth a line in the wire trace, that neither lose
   * the link nor fail a write (a USB STALL cleared on the IN endpoint).
   */
  onNote?(listener: NoteListener): () => void;
}

/** Seconds a payload needs on the wire at a line rate: the floor no device can beat. */
export function wireTimeSeconds(bytes: number, rate: LineRate): number {
  return (bytes * rate.bitsPerCharacter) / rate.bitsPerSecond;
}
