import fs from 'node:fs';
import type { SerialPort } from 'serialport';
import type { SerialPortStream } from '@serialport/stream';
import { PAIR_PREFIX, PairedBinding } from './paired-binding';
import { DeviceUnreachableError, LinkClosedError } from '../errors';
import { TransportListeners } from './listeners';
import type { DataListener, DisconnectListener, LineRate, Transport } from './transport';

/**
 * RS232 through the serialport library: every line option, and open failures a technician
 * can act on (no such port — here is what exists; busy — another program holds it; permission
 * denied — join the group that owns it).
 */
export interface SerialOptions {
  path: string;
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  rtscts?: boolean;
  xon?: boolean;
  xoff?: boolean;
}

/** Bits on the wire per character: start bit + data bits + parity bit + stop bits. */
export function bitsPerCharacter(o: Pick<SerialOptions, 'dataBits' | 'stopBits' | 'parity'>): number {
  return 1 + (o.dataBits ?? 8) + ((o.parity ?? 'none') === 'none' ? 0 : 1) + (o.stopBits ?? 1);
}

export class SerialTransport implements Transport {
  readonly type = 'serial';
  readonly endpoint: string;
  readonly lineRate: LineRate;
  private port: SerialPortStream | undefined;
  private closing = false;
  private readonly listeners = new TransportListeners();

  constructor(private readonly options: SerialOptions) {
    const baud = options.baudRate ?? 9600;
    this.lineRate = { bitsPerSecond: baud, bitsPerCharacter: bitsPerCharacter(options) };
    const frame = `${options.dataBits ?? 8}${(options.parity ?? 'none')[0]!.toUpperCase()}${options.stopBits ?? 1}`;
    this.endpoint = `${options.path} ${baud} ${frame}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.closing = false;
    this.listeners.rearm();
    const o = this.options;
    const settings = {
      path: o.path,
      baudRate: o.baudRate ?? 9600,
      dataBits: o.dataBits ?? 8,
      stopBits: o.stopBits ?? 1,
      parity: o.parity ?? 'none',
      rtscts: o.rtscts ?? false,
      xon: o.xon ?? false,
      xoff: o.xoff ?? false,
      autoOpen: false,
    };
    const port = openSerialStream(settings);
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) {
          reject(new DeviceUnreachableError(`could not open serial port ${o.path}: ${describeOpenError(o.path, err)}`, { cause: err }));
          return;
        }
        this.attach(port);
        resolve();
      });
    });
  }

  private attach(port: SerialPortStream): void {
    this.port = port;
    let lastError: Error | undefined;
    port.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
    port.on('error', (err) => {
      lastError = err;
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      this.port = undefined;
      if (!this.closing) {
        const why = err?.disconnected ? 'the serial adapter was unplugged' : (lastError?.message ?? err?.message ?? 'the port was closed');
        this.listeners.emitDisconnect(new LinkClosedError(`${this.options.path}: ${why}`));
      }
    });
  }

  write(data: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new LinkClosedError(`cannot send to ${this.options.path}: the port is closed`));
    return new Promise((resolve, reject) => {
      port.write(data, (err) => {
        if (err) reject(new LinkClosedError(`sending to ${this.options.path} failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Resolves once the operating system has sent every byte written so far (tcdrain). */
  drain(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => port.drain((err) => (err ? reject(new LinkClosedError(`draining ${this.options.path} failed: ${err.message}`, { cause: err })) : resolve())));
  }

  /**
   * Drives the RTS modem line (RS485 adapters that switch their driver with RTS). Rejects on
   * ports without modem lines — a pseudo-terminal has none.
   */
  setRts(active: boolean): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new LinkClosedError(`cannot set RTS on ${this.options.path}: the port is closed`));
    return new Promise((resolve, reject) => port.set({ rts: active }, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }
}

/**
 * The serialport stream for a path: the OS binding for real ports and pseudo-terminals, the
 * in-process paired binding for `poshil-pair:` paths (emulated lines without socat).
 */
export function openSerialStream(settings: ConstructorParameters<typeof SerialPort>[0]): SerialPortStream {
  // Loaded on first use: the native binding costs ~40 ms at start-up, which a run over TCP
  // should not pay.
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (settings.path.startsWith(PAIR_PREFIX)) {
    const { SerialPortStream: Stream } = require('@serialport/stream') as { SerialPortStream: typeof SerialPortStream };
    return new Stream({ ...settings, binding: PairedBinding });
  }
  const { SerialPort: Port } = require('serialport') as { SerialPort: typeof SerialPort };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new Port(settings);
}

function describeOpenError(path: string, err: Error): string {
  const m = err.message;
  if (/No such file or directory|ENOENT/i.test(m)) {
    const known = listSerialPaths();
    return `no such port${known.length ? ` (serial ports on this machine: ${known.join(', ')})` : ' (this machine shows no serial ports: is the adapter plugged in?)'}`;
  }
  if (/Permission denied|EACCES/i.test(m)) {
    const group = ownerGroup(path);
    return `permission denied (add your user to the '${group}' group — e.g. sudo usermod -aG ${group} $USER — and log in again)`;
  }
  if (/busy|lock|EBUSY/i.test(m)) return 'the port is busy: another program holds it (close the terminal program or the other poshil run)';
  return m;
}

/**
 * Serial device nodes, read from /dev: serialport's own list() needs udevadm, which minimal
 * machines and containers lack.
 */
export function listSerialPaths(): string[] {
  try {
    return fs
      .readdirSync('/dev')
      .filter((n) => /^tty(S|USB|ACM|AMA|XRUSB)\d+$/.test(n))
      .map((n) => `/dev/${n}`)
      .sort();
  } catch {
    return [];
  }
}

function ownerGroup(path: string): string {
  try {
    const gid = fs.statSync(path).gid;
    const line = fs
      .readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] ?? 'dialout';
  } catch {
    return 'dialout';
  }
}
