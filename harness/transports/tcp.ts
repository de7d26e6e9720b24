import net from 'node:net';
import tls from 'node:tls';
import { DeviceUnreachableError, LinkClosedError } from '../errors';
import { TransportListeners } from './listeners';
import type { DataListener, DisconnectListener, Transport } from './transport';

export interface TcpOptions {
  host?: string;
  port: number;
  connectTimeoutMs?: number;
  noDelay?: boolean;
  /** TLS on top: the name the certificate must carry, the CA (PEM; default the system's), the lowest version. */
  tls?: { servername: string; ca?: string; minVersion: 'TLSv1.2' | 'TLSv1.3' };
}

/** TCP client, plain or TLS: an Ethernet ECR link or a host connection. */
export class TcpTransport implements Transport {
  readonly type: 'tcp' | 'tls';

  /** Plain reads are copied out of the shared read buffer into a buffer of their own (received()). */
  get freshChunks(): boolean {
    return !this.options.tls;
  }
  readonly endpoint: string;
  readonly lineRate = undefined;
  private socket: net.Socket | undefined;
  private closing = false;
  private readonly listeners = new TransportListeners();
  private readonly host: string;

  constructor(private readonly options: TcpOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.type = options.tls ? 'tls' : 'tcp';
    this.endpoint = `${this.host}:${options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    const timeoutMs = this.options.connectTimeoutMs ?? 3000;
    this.closing = false;
    this.listeners.rearm();
    return new Promise((resolve, reject) => {
      const t = this.options.tls;
      // TLS: the certificate is checked against the CA and the name (rejectUnauthorized), always.
      const socket = t
        ? tls.connect({ host: this.host, port: this.options.port, servername: t.servername, ca: t.ca, minVersion: t.minVersion, rejectUnauthorized: true })
        : net.connect({ host: this.host, port: this.options.port, onread: { buffer: READ_BUFFER, callback: (n, buf) => this.received(buf, n) } });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DeviceUnreachableError(`could not connect to ${this.endpoint}: no answer within ${timeoutMs} ms (is the device on this network and listening?)`));
      }, timeoutMs);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new DeviceUnreachableError(`could not connect to ${this.endpoint}: ${describeSocketError(err)}`, { cause: err }));
      });
      socket.once(t ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(this.options.noDelay ?? true);
        this.attach(socket);
        resolve();
      });
    });
  }

  /**
   * Plain TCP reads go straight from libuv into one buffer and to this callback (net's onread),
   * not through the Readable stream's push, 'data' event and read-ahead scheduling — a
   * transaction's worth of work on every answer. The buffer is reused, so listeners get a copy.
   */
  private received(buf: Uint8Array, n: number): boolean {
    const chunk = Buffer.allocUnsafe(n);
    chunk.set(n === buf.length ? buf : buf.subarray(0, n));
    this.listeners.emitData(chunk);
    return true;
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    let lastError: Error | undefined;
    // TLS sockets deliver through 'data'; plain ones through onread (received below).
    if (this.options.tls) socket.on('data', (chunk: Buffer) => this.listeners.emitData(chunk));
    socket.on('error', (err) => {
      lastError = err;
    });
    socket.on('close', () => {
      this.socket = undefined;
      if (!this.closing) {
        this.listeners.emitDisconnect(lastError ?? new LinkClosedError(`${this.endpoint}: the device closed the connection`));
      }
    });
  }

  write(data: Buffer): Promise<void> {
    try {
      this.writeNow(data);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return Promise.resolve();
  }

  writeNow(data: Buffer): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) throw new LinkClosedError(`cannot send to ${this.endpoint}: the connection is closed`);
    // Done once Node has the bytes, not when the kernel reports the write done: waiting for
    // that callback costs a turn of the event loop per transaction. A failed write surfaces as
    // the socket's error and close, which fail everything in flight through 'disconnect'.
    socket.write(data);
  }

  close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      // A peer that never acknowledges our FIN must not hold the run.
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }

  onData(listener: DataListener): () => void {
    return this.listeners.onData(listener);
  }

  onDisconnect(listener: DisconnectListener): () => void {
    return this.listeners.onDisconnect(listener);
  }
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing is listening on that port — is the device or emulator running?)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable (check the cable, IP address and netmask)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'CERT_HAS_EXPIRED':
      return 'the device certificate has expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the device certificate is not for this name (${err.message})`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'the device certificate is self-signed and not trusted (give the CA with "ca")';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'the device certificate is not signed by a trusted CA (give the CA with "ca")';
    default:
      return err.message;
  }
}

/**
 * Where plain TCP reads land before they are copied out (see received()). One for every
 * connection: reads are handled one at a time on the event loop, and each copies its bytes
 * out before returning.
 */
const READ_BUFFER = Buffer.alloc(64 * 1024);
