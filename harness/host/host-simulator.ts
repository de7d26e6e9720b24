import net from 'node:net';
import tls from 'node:tls';
import type { WireRecorder } from '../channel/wire-recorder';
import { PoshilError } from '../errors';
import { createFramer } from '../framing/registry';
import { pushResilient } from '../framing/push-resilient';
import { Iso8583Codec } from '../protocols/iso8583/codec';
import { loadPackager } from '../protocols/iso8583/packager';
import { ECHOED_FIELDS, type Iso8583Message } from '../protocols/iso8583/types';
import type { InterfaceConfig } from '../suite/types';
import { clientHelloBytesMissing, parseClientHello, type ClientHello } from '../tls/client-hello';
import { createTestPki, type TestPki } from '../tls/cert-factory';
import type { HostKeys } from './host-keys';

/**
 * poshil as the acquirer: a device profile's `host` interface is where the terminal dials out,
 * and poshil listens there, records every byte both ways in the interface's wire trace, and
 * answers each authorisation. Checks (the encryption kind) read what arrived.
 *
 * With a `tls` transport the simulator presents a certificate from a throwaway PKI made at
 * start (openssl, never a committed key); the terminal is given that CA to trust. A test can
 * swap in an expired, self-signed or wrong-name certificate to see whether the terminal refuses
 * it. Before the TLS stack sees a connection, its ClientHello is read: what the terminal
 * *offers* is evidence too.
 */
export type HostCertificate = 'valid' | 'expired' | 'self-signed' | 'wrong-name';

export interface HostConnection {
  id: number;
  at: string;
  /** TLS only: what the terminal offered, what was agreed, or why the handshake failed. */
  clientHello?: ClientHello;
  certificate?: HostCertificate;
  negotiated?: { protocol: string; cipher: string };
  handshakeError?: string;
}

export interface HostExchange {
  connection: number;
  /** ms since the simulator started */
  atMs: number;
  request: Iso8583Message;
  /** The request as it arrived (payload, after framing), for MAC checks. */
  payload: Buffer;
  response?: Iso8583Message;
}

export interface HostSimulatorOptions {
  role: string;
  iface: InterfaceConfig;
  baseDir: string;
  recorder: WireRecorder;
  /** Response code for authorisations (default '00'). */
  responseCode?: string;
  /** The BDK and scheme, from the interface's security block (checks derive keys from them). */
  keys?: HostKeys;
}

/** Response fields a host echoes from the request (ISO 8583:1987 response conventions). */
const SERVER_NAME = 'localhost';

export class HostSimulator {
  readonly role: string;
  readonly connections: HostConnection[] = [];
  readonly exchanges: HostExchange[] = [];
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private pki: TestPki | undefined;
  private contexts = new Map<HostCertificate, tls.SecureContext>();
  private certificate: HostCertificate = 'valid';
  private readonly codec: Iso8583Codec;
  private readonly started = Date.now();
  private address: { host: string; port: number } | undefined;
  private approvals = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: HostSimulatorOptions) {
    this.role = options.role;
    const protocol = options.iface.protocol;
    if (protocol.type !== 'iso8583') {
      throw new PoshilError('HOST_PROTOCOL', `host interface '${options.role}': the host simulator speaks ISO 8583 only, not '${protocol.type}'`, { exitCode: 2 });
    }
    this.codec = new Iso8583Codec(loadPackager(protocol.packager as string, options.baseDir));
  }

  get keys(): HostKeys | undefined {
    return this.options.keys;
  }

  /** Bytes a MAC field (64 or 128) takes on the wire: 8, or 16 when the packager writes b fields as hex. */
  macWireBytes(field: number): number {
    const def = this.codec.packager.fields[String(field)];
    return def?.dataEncoding === 'binary' ? 8 : 16;
  }

  get recorder(): WireRecorder {
    return this.options.recorder;
  }

  get isTls(): boolean {
    return this.options.iface.transport.type === 'tls';
  }

  /** Where the terminal must dial, once started. */
  get endpoint(): { host: string; port: number } {
    if (!this.address) throw new PoshilError('HOST_NOT_STARTED', `host simulator '${this.role}' is not listening yet`);
    return this.address;
  }

  /** The CA the terminal must trust (TLS only). */
  get caPem(): string | undefined {
    return this.pki?.ca.certPem;
  }

  get serverName(): string {
    return (this.options.iface.transport.servername as string | undefined) ?? SERVER_NAME;
  }

  async start(): Promise<void> {
    const t = this.options.iface.transport;
    if (this.isTls) this.makeCertificates();
    const host = (t.host as string | undefined) ?? '127.0.0.1';
    const port = (t.port as number | undefined) ?? 0;
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new PoshilError('HOST_LISTEN', `host simulator '${this.role}' could not listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'port already in use' : err.message}`, { exitCode: 2 })),
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address() as net.AddressInfo;
    this.address = { host, port: a.port };
    this.options.recorder.event(`host simulator listening on ${host}:${a.port}${this.isTls ? ' (TLS)' : ''}`);
  }

  /** The certificate presented to the next connections (TLS only). */
  useCertificate(kind: HostCertificate): void {
    if (!this.isTls) throw new PoshilError('HOST_NOT_TLS', `host interface '${this.role}' is plain TCP: there is no certificate to change`);
    this.certificate = kind;
    this.options.recorder.event(`host certificate: ${kind}`);
  }

  /** Resolves once `count` requests have arrived in total (or after timeoutMs, whatever came). */
  async waitForExchanges(count: number, timeoutMs: number): Promise<void> {
    if (this.exchanges.length >= count) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (this.exchanges.length >= count) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.pki?.dispose();
    this.pki = undefined;
  }

  private makeCertificates(): void {
    const pki = createTestPki();
    this.pki = pki;
    const name = this.serverName;
    const alt = [`DNS:${name}`, 'IP:127.0.0.1'];
    const make = (kind: HostCertificate) => {
      const files =
        kind === 'self-signed'
          ? pki.selfSigned({ commonName: name, altNames: alt })
          : kind === 'wrong-name'
            ? pki.issue({ commonName: 'wrong-host.example', altNames: ['DNS:wrong-host.example'] })
            : pki.issue({ commonName: name, altNames: alt, validity: kind === 'expired' ? 'expired' : 'valid' });
      // Policy on our side too: the simulator never agrees to less than TLS 1.2, so a terminal
      // offering TLS 1.0 fails on the offer check, not by getting a weak session.
      return tls.createSecureContext({ cert: files.certPem, key: files.keyPem, minVersion: 'TLSv1.2' });
    };
    for (const kind of ['valid', 'expired', 'self-signed', 'wrong-name'] as const) this.contexts.set(kind, make(kind));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const connection: HostConnection = { id: this.connections.length + 1, at: new Date().toISOString() };
    this.connections.push(connection);
    this.options.recorder.event(`terminal connected (connection ${connection.id})`);
    if (!this.isTls) {
      this.serve(socket, connection);
      return;
    }
    // Read the ClientHello off the raw socket, then hand the bytes back to the TLS stack.
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const missing = clientHelloBytesMissing(head);
      if (missing > 0) return;
      socket.off('data', onData);
      socket.pause();
      if (missing === 0) connection.clientHello = parseClientHello(head);
      socket.unshift(head);
      this.startTls(socket, connection);
    };
    socket.on('data', onData);
  }

  private startTls(socket: net.Socket, connection: HostConnection): void {
    connection.certificate = this.certificate;
    const secureContext = this.contexts.get(this.certificate);
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
    secure.once('secure', () => {
      const cipher = secure.getCipher();
      connection.negotiated = { protocol: secure.getProtocol() ?? 'unknown', cipher: cipher?.standardName ?? cipher?.name ?? 'unknown' };
      this.options.recorder.event(`TLS ${connection.negotiated.protocol} ${connection.negotiated.cipher} (connection ${connection.id}, ${connection.certificate} certificate)`);
    });
    secure.on('error', (err: Error) => {
      if (!connection.negotiated) {
        connection.handshakeError = err.message;
        this.options.recorder.event(`TLS handshake failed (connection ${connection.id}, ${connection.certificate} certificate): ${err.message}`);
      }
      socket.destroy();
    });
    this.serve(secure, connection);
  }

  private serve(stream: net.Socket | tls.TLSSocket, connection: HostConnection): void {
    const framer = createFramer(this.options.iface.framing);
    stream.on('data', (chunk: Buffer) => {
      this.options.recorder.record('in', chunk);
      const frames = pushResilient(framer, chunk, (err) => this.options.recorder.event(`framing error from the terminal: ${err.message}`));
      for (const frame of frames) this.answer(stream, frame.payload, connection, framer);
    });
  }

  private answer(stream: net.Socket, payload: Buffer, connection: HostConnection, framer: ReturnType<typeof createFramer>): void {
    let request: Iso8583Message;
    try {
      request = this.codec.unpack(payload);
    } catch (err) {
      this.options.recorder.event(`undecodable message from the terminal: ${(err as Error).message}`);
      return;
    }
    const exchange: HostExchange = { connection: connection.id, atMs: Date.now() - this.started, request, payload: Buffer.from(payload) };
    const response = this.respond(request);
    exchange.response = response;
    this.exchanges.push(exchange);
    const bytes = framer.encode({ payload: this.codec.pack(response) });
    this.options.recorder.record('out', bytes);
    stream.write(bytes);
    for (const w of [...this.waiters]) w();
  }

  private respond(request: Iso8583Message): Iso8583Message {
    const f = request.fields;
    const fields: Record<number, string> = {};
    for (const n of ECHOED_FIELDS) if (f[n] !== undefined) fields[n] = f[n];
    const mti = String(Number(request.mti) + 10).padStart(4, '0');
    if (request.mti === '0200' || request.mti === '0100') {
      this.approvals++;
      const code = this.options.responseCode ?? '00';
      fields[37] = `HOST${String(this.approvals).padStart(8, '0')}`;
      if (code === '00') fields[38] = String(100000 + (this.approvals % 900000)).padStart(6, '0');
      fields[39] = code;
    } else if (request.mti === '0800') {
      if (f[70] !== undefined) fields[70] = f[70];
      fields[39] = '00';
    } else {
      fields[39] = '12';
    }
    return { mti, fields };
  }
}
