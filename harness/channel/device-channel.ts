import path from 'node:path';
import type { FrameLink } from '../framing/frame-link';
import { AckNakLink } from '../link/ack-nak-link';
import { openFrameLink } from '../link/open-frame-link';
import { createSession, type SessionShared } from '../protocols/registry';
import type { ProtocolMessage, ProtocolSession, SwipeRead, TransactionOutcome, TransactionRequest, TransactOptions } from '../protocols/protocol';
import { PoshilError } from '../errors';
import type { FramingConfig, InterfaceConfig, ProtocolConfig, TransportConfig } from '../suite/types';
import { createTransport } from '../transports/registry';
import type { LineRate, Transport } from '../transports/transport';
import type { Channel, ChannelCounters, TlsTarget } from './channel';
import { WireRecorder, type WireEntry } from './wire-recorder';

/**
 * The one Channel implementation: transport → framer → protocol session, with the wire
 * recorder tapping bytes between transport and framer. Built from a device-profile interface.
 */
export interface DeviceChannelOptions {
  role: string;
  iface: InterfaceConfig;
  /** Directory of the device profile, for relative packager paths. */
  baseDir: string;
  /** Run-time transport settings, e.g. the port an embedded emulator chose. */
  transportOverrides?: Partial<TransportConfig>;
  recorder?: WireRecorder;
  defaultTimeoutMs?: number;
  /** A prepared transport (tests, virtual links); otherwise built from the profile. */
  transport?: Transport;
  /** Protocol state shared with other channels to the same interface (STAN sequence). */
  shared?: SessionShared;
  /** A layer between the transport and the framing (the fault layer). */
  wrapTransport?: (transport: Transport) => Transport;
}

export class DeviceChannel implements Channel {
  readonly role: string;
  readonly protocol: string;
  readonly recorder: WireRecorder;
  readonly counters: ChannelCounters = { bytesOut: 0, bytesIn: 0, framesOut: 0, framesIn: 0, reconnects: 0 };
  private openedBefore = false;
  private readonly transport: Transport;
  private session: ProtocolSession | undefined;
  private link: (FrameLink & { dispose(): void }) | undefined;
  private offClose: (() => void) | undefined;
  private readonly defaultTimeoutMs: number;
  /** Set when the link dropped; the next transact reopens. */
  private dropped: Error | undefined;

  constructor(private readonly options: DeviceChannelOptions) {
    this.role = options.role;
    this.protocol = options.iface.protocol.type;
    this.recorder = options.recorder ?? new WireRecorder();
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 5000;
    const transport = options.transport ?? createTransport(options.iface.transport, { baseDir: options.baseDir, ...options.transportOverrides });
    this.transport = options.wrapTransport ? options.wrapTransport(transport) : transport;
    // Link events below the bytes (a USB STALL cleared) belong in the trace beside the bytes.
    transport.onNote?.((note) => this.recorder.event(note));
  }

  get endpoint(): string {
    return `${this.transport.type} ${this.transport.endpoint}`;
  }

  get lineRate(): LineRate | undefined {
    return this.transport.lineRate;
  }

  get tlsTarget(): TlsTarget | undefined {
    const t = { ...this.options.iface.transport, ...this.options.transportOverrides };
    if (t.type !== 'tls') return undefined;
    const ca = typeof t.ca === 'string' ? path.resolve(this.options.baseDir ?? process.cwd(), t.ca) : undefined;
    return { host: (t.host as string | undefined) ?? '127.0.0.1', port: t.port as number, servername: (t.servername as string | undefined) ?? 'localhost', ...(ca ? { caFile: ca } : {}) };
  }

  get stack(): { transport: TransportConfig; framing: FramingConfig; protocol: ProtocolConfig; baseDir: string } {
    const { transport, framing, protocol } = this.options.iface;
    return { transport, framing, protocol, baseDir: this.options.baseDir };
  }

  get isOpen(): boolean {
    return this.transport.isOpen && this.session !== undefined;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.transport.open();
    if (this.openedBefore) this.counters.reconnects++;
    this.openedBefore = true;
    this.dropped = undefined;
    this.recorder.event(`open ${this.endpoint}`);
    this.link = openFrameLink(this.transport, this.options.iface.framing, {
      out: (bytes) => {
        this.counters.bytesOut += bytes.length;
        this.counters.framesOut++;
        this.recorder.record('out', bytes, true);
      },
      in: (bytes) => {
        this.counters.bytesIn += bytes.length;
        this.recorder.record('in', bytes, this.transport.freshChunks === true);
      },
      settled: (midFrame) => this.recorder.settled(midFrame),
    });
    this.link.onFrame(() => this.counters.framesIn++);
    this.link.onFramingError((err) => this.recorder.event(`framing error: ${err.message}`));
    this.session = createSession(this.options.iface, this.link, this.recorder, this.options.baseDir, this.options.shared);
    // After the session's own listener: it fails what is in flight with the cause (a USB babble,
    // a reset) before the teardown below closes it with a plain "session closed".
    // Unsubscribed at teardown: a listener left behind would tear down the next connection's session.
    this.offClose = this.link.onClose((cause) => {
      this.dropped = cause ?? new Error('link closed');
      this.recorder.event(`disconnected: ${this.dropped.message}`);
      this.teardown();
    });
  }

  transact(request: TransactionRequest, options: Partial<TransactOptions> = {}): Promise<TransactionOutcome> {
    // Not async while the link is up: no extra microtask turns on every transaction's path.
    if (!this.isOpen) return this.open().then(() => this.transactOpen(request, options));
    return this.transactOpen(request, options);
  }

  private transactOpen(request: TransactionRequest, options: Partial<TransactOptions>): Promise<TransactionOutcome> {
    const session = this.session;
    if (!session) return Promise.reject(this.dropped ?? new Error('channel is not open'));
    if (request.card) this.recorder.addPan(request.card.pan);
    return session.transact(request, { timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, signal: options.signal, timing: options.timing });
  }

  async exchangeMessage(message: ProtocolMessage, options: Partial<TransactOptions> = {}): Promise<{ request: ProtocolMessage; response: ProtocolMessage }> {
    if (!this.isOpen) await this.open();
    const session = this.session;
    if (!session?.exchangeMessage) {
      throw new PoshilError('NO_MESSAGE_API', `${this.endpoint}: protocol '${this.protocol}' has no message-level steps; use a "transaction" or "raw" step`, { exitCode: 1 });
    }
    const pan = message.fields['2'];
    if (pan) this.recorder.addPan(pan);
    return session.exchangeMessage(message, { timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, signal: options.signal });
  }

  async lastOutcome(options: Partial<TransactOptions> = {}): Promise<TransactionOutcome> {
    if (!this.isOpen) await this.open();
    const session = this.session;
    if (!session?.lastOutcome) throw new PoshilError('NO_LAST_OUTCOME', `${this.endpoint}: protocol '${this.protocol}' cannot ask the device for its last transaction`, { exitCode: 1 });
    return session.lastOutcome({ timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, signal: options.signal });
  }

  async readSwipe(options: Partial<TransactOptions> = {}, trigger?: () => Promise<void>): Promise<SwipeRead> {
    if (!this.isOpen) await this.open();
    const session = this.session;
    if (!session?.readSwipe) throw new PoshilError('NO_SWIPES', `${this.endpoint}: protocol '${this.protocol}' reads no cards; a "swipe" step needs a card reader interface (protocol msr)`, { exitCode: 1 });
    return session.readSwipe({ timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs, signal: options.signal }, trigger);
  }

  silenceLink(silent: boolean): void {
    if (this.link instanceof AckNakLink) this.link.silent = silent;
  }

  async sendRaw(bytes: Buffer): Promise<void> {
    if (!this.isOpen) await this.open();
    this.counters.bytesOut += bytes.length;
    this.recorder.record('out', bytes);
    await this.transport.write(bytes);
  }

  collectRaw(ms: number, enough?: (received: Buffer) => boolean): Promise<Buffer> {
    return new Promise((resolve) => {
      let received = Buffer.alloc(0);
      const stop = () => {
        clearTimeout(timer);
        off();
        resolve(received);
      };
      const off = this.transport.onData((chunk) => {
        received = Buffer.concat([received, chunk]);
        if (enough?.(received)) stop();
      });
      const timer = setTimeout(stop, ms);
    });
  }

  mark(): number {
    return this.recorder.mark();
  }

  traceSince(mark: number): WireEntry[] {
    return this.recorder.since(mark);
  }

  async close(): Promise<void> {
    this.teardown();
    await this.transport.close();
    this.recorder.event(`closed ${this.endpoint}`);
    this.recorder.flush();
  }

  private teardown(): void {
    this.offClose?.();
    this.offClose = undefined;
    void this.session?.close();
    this.session = undefined;
    this.link?.dispose();
    this.link = undefined;
  }
}
