import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { EmulatedTerminal, type EmulatorOverrides } from '../../devices/emulators/terminal/emulated-terminal';
import {
  computeMac,
  decryptTrack2,
  hostKey,
  injectKeys,
  ksnCounter,
  macField,
  macInput,
  parseTrack2,
  pinBlockField,
  pinBlockFormatFor,
  type DukptScheme,
  type PresentedCard,
} from '../../harness/host/acquirer-contract';
import { decodePinBlock, parseHex, toHex } from '../../harness/crypto';
import { createFramer } from '../../harness/framing/registry';
import type { Frame } from '../../harness/framing/framer';
import { Iso8583Codec } from '../../harness/protocols/iso8583/codec';
import { loadPackager } from '../../harness/protocols/iso8583/packager';
import type { Iso8583Message } from '../../harness/protocols/iso8583/types';
import type { DeviceProfile, EmulatorConfig, FramingConfig } from '../../harness/suite/types';

/**
 * The emulated terminal's host leg against an in-test acquirer: what arrives at the host is
 * checked with the host-side functions of the contract (keys from the BDK), and each security
 * defect switch is shown to produce exactly the fault it names.
 */
const ROOT = path.resolve(__dirname, '../..');
const PAN = '4761739001010119';
const CARD: PresentedCard = { pan: PAN, expiry: '3012', pin: '1234' };
const FRAMING: FramingConfig = { type: 'length-prefix', lengthBytes: 2, lengthEncoding: 'binary', maxLength: 8192 };
const codec = new Iso8583Codec(loadPackager('iso87ascii', ROOT));

const TDES = { scheme: 'tdes' as DukptScheme, bdk: parseHex('0123456789ABCDEFFEDCBA9876543210', 'bdk'), ksn: parseHex('FFFF9876543210E00000', 'ksn') };
const AES = { scheme: 'aes' as DukptScheme, bdk: parseHex('FEDCBA9876543210F1F1F1F1F1F1F1F1', 'bdk'), ksn: parseHex('123456789012345600000000', 'ksn') };

let dir: string;
const certs: Record<'localhost' | 'other', { cert: string; key: string }> = {} as never;
const closers: (() => Promise<void>)[] = [];

function makeCert(name: string): { cert: string; key: string } {
  const keyFile = path.join(dir, `${name}.key.pem`);
  const certFile = path.join(dir, `${name}.cert.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}${name === 'localhost' ? ',IP:127.0.0.1' : ''}`, '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-acquirer-test-'));
  certs.localhost = makeCert('localhost');
  certs.other = makeCert('other.example');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Received {
  request: Iso8583Message;
  payload: Buffer;
}

/** The acquirer: decodes each 0200 and approves it. `raw` is every byte that arrived (after TLS). */
class FakeHost {
  readonly received: Received[] = [];
  raw = Buffer.alloc(0);
  port = 0;
  private server!: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly tlsOptions?: tls.TlsOptions) {}

  async start(): Promise<this> {
    const serve = (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      const framer = createFramer(FRAMING);
      socket.on('data', (chunk: Buffer) => {
        this.raw = Buffer.concat([this.raw, chunk]);
        for (const frame of framer.push(chunk)) {
          const request = codec.unpack(frame.payload);
          this.received.push({ request, payload: Buffer.from(frame.payload) });
          const fields: Record<number, string> = {};
          for (const n of [3, 4, 7, 11, 12, 13, 41, 42, 49]) if (request.fields[n] !== undefined) fields[n] = request.fields[n];
          fields[37] = `HOST${String(this.received.length).padStart(8, '0')}`;
          fields[38] = '123456';
          fields[39] = '00';
          socket.write(framer.encode({ payload: codec.pack({ mti: '0210', fields }) }));
        }
      });
    };
    this.server = this.tlsOptions ? tls.createServer(this.tlsOptions, serve) : net.createServer(serve);
    this.server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    closers.push(() => this.stop());
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function profile(): DeviceProfile {
  return {
    name: 'acquirer-link-spec',
    file: path.join(ROOT, 'devices/emulated-terminal.json'),
    sha256: '',
    interfaces: {
      ecr: {
        transport: { type: 'tcp', host: '127.0.0.1', port: 0 },
        framing: FRAMING,
        protocol: { type: 'iso8583', packager: 'iso87ascii', terminalId: 'POSHIL01' },
      },
    },
    emulator: { processingMs: { distribution: 'fixed', mean: 0 } },
  };
}

/** An ECR on the terminal's TCP interface: sends 0200s, returns the 0210 for each STAN. */
class Ecr {
  private stan = 0;
  private readonly framer = createFramer(FRAMING);
  private readonly waiting = new Map<string, (m: Iso8583Message) => void>();
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk) as Frame[]) {
        const m = codec.unpack(frame.payload);
        this.waiting.get(m.fields[11] ?? '')?.(m);
      }
    });
  }

  static async connect(port: number): Promise<Ecr> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const ecr = new Ecr(socket);
    closers.push(async () => void socket.destroy());
    return ecr;
  }

  async sale(amountMinor = 1000, extra: Record<number, string> = {}, stan?: string): Promise<Iso8583Message> {
    const s = stan ?? String(++this.stan).padStart(6, '0');
    const fields: Record<number, string> = { 3: '000000', 4: String(amountMinor).padStart(12, '0'), 7: '0101120000', 11: s, 12: '120000', 13: '0101', 41: 'POSHIL01', 42: 'POSHIL000000001', 49: '978', ...extra };
    const answer = new Promise<Iso8583Message>((resolve) => this.waiting.set(s, resolve));
    this.socket.write(this.framer.encode({ payload: codec.pack({ mti: '0200', fields }) }));
    return answer;
  }
}

async function terminal(scheme: typeof TDES, host: { port: number; tls?: { ca: string; servername: string } }, defects: EmulatorConfig['defects'] = {}, card: PresentedCard | null = CARD) {
  const overrides: EmulatorOverrides = {
    defects,
    acquirer: { endpoint: { role: 'host', host: '127.0.0.1', port: host.port, ...(host.tls ? { tls: host.tls } : {}) }, keys: injectKeys(scheme.scheme, scheme.bdk, scheme.ksn), packager: 'iso87ascii', framing: FRAMING, terminalId: 'TERM0001', merchantId: 'MERCHANT0000001' },
  };
  const t = new EmulatedTerminal(profile(), overrides);
  const [endpoint] = await t.start();
  closers.push(() => t.stop());
  if (card) t.presentCard(card);
  const ecr = await Ecr.connect((endpoint as { port: number }).port);
  return { t, ecr };
}

/** The host's view of one request, with the BDK: KSN counter, PIN (or the error decoding it), track 2 PAN, MAC verdict. */
function inspect(scheme: typeof TDES, r: Received) {
  const f = r.request.fields;
  const ksn = parseHex(f[62] as string, 'ksn');
  const track = parseTrack2(decryptTrack2(scheme.scheme, hostKey(scheme.scheme, scheme.bdk, ksn, 'data'), f[63] as string));
  let pin: string;
  try {
    pin = decodePinBlock({ format: pinBlockFormatFor(scheme.scheme), block: parseHex(f[pinBlockField(scheme.scheme)] as string, 'pin block'), pan: track?.pan, key: hostKey(scheme.scheme, scheme.bdk, ksn, 'pin') });
  } catch (err) {
    pin = `error: ${(err as Error).message}`;
  }
  // The MAC is the last field (64, or 128 when field 110 needs the secondary bitmap) and covers everything before it.
  const expected = toHex(computeMac(scheme.scheme, hostKey(scheme.scheme, scheme.bdk, ksn, 'mac'), macInput(r.payload, 16)));
  return { counter: ksnCounter(scheme.scheme, ksn), ksn: f[62], pan: track?.pan, expiry: track?.expiry, pin, macOk: expected === f[macField(f)] };
}

describe('emulated terminal: acquirer link', () => {
  it.each([
    ['TDES DUKPT, PIN block format 0, retail MAC', TDES],
    ['AES DUKPT, PIN block format 4, AES-CMAC', AES],
  ])('%s: PIN, card data and MAC verify on the host, KSN advances, no clear PAN on the wire', async (_name, scheme) => {
    const host = await new FakeHost().start();
    const { t, ecr } = await terminal(scheme, host);
    const answers = [await ecr.sale(1000), await ecr.sale(2000), await ecr.sale(3000)];
    expect(answers.map((a) => a.fields[39])).toEqual(['00', '00', '00']);
    expect(answers[0]?.fields[38]).toBe('123456');
    expect(answers[0]?.fields[37]).toBe('HOST00000001');
    expect(host.received).toHaveLength(3);
    const seen = host.received.map((r) => inspect(scheme, r));
    expect(seen.map((s) => s.counter)).toEqual([1, 2, 3]);
    for (const s of seen) expect(s).toMatchObject({ pan: PAN, expiry: '3012', pin: '1234', macOk: true });
    for (const { request } of host.received) {
      expect(request.fields[2]).toBeUndefined();
      expect(request.fields[35]).toBeUndefined();
      expect(request.fields).toMatchObject({ 11: expect.stringMatching(/^00000[123]$/), 22: '021', 25: '00', 41: 'TERM0001', 42: 'MERCHANT0000001' });
    }
    expect(host.received.map((r) => r.request.fields[11])).toEqual(['000001', '000002', '000003']);
    expect(host.raw.includes(Buffer.from(PAN, 'latin1'))).toBe(false);
    // Booked with the host's answer, masked PAN only.
    const journal = t.model.journal.all();
    expect(journal.map((e) => e.responseCode)).toEqual(['00', '00', '00']);
    expect(journal[0]).toMatchObject({ maskedPan: expect.not.stringContaining(PAN), rrn: 'HOST00000001', approvalCode: '123456' });
    // A repeated STAN is a duplicate, answered from the journal without going online.
    const again = await ecr.sale(1000, {}, '000001');
    expect(again.fields[39]).toBe('00');
    expect(host.received).toHaveLength(3);
  });

  it("takes the ECR's own PAN and expiry when it sends field 2, with the cardholder's PIN", async () => {
    const host = await new FakeHost().start();
    const { ecr } = await terminal(TDES, host);
    expect((await ecr.sale(1000, { 2: '5413330089010012', 14: '2712' })).fields[39]).toBe('00');
    expect(inspect(TDES, host.received[0]!)).toMatchObject({ pan: '5413330089010012', expiry: '2712', pin: '1234', macOk: true });
  });

  it('answers 14 without going online when no card is presented', async () => {
    const host = await new FakeHost().start();
    const { t, ecr } = await terminal(TDES, host, {}, null);
    expect((await ecr.sale()).fields[39]).toBe('14');
    expect(host.received).toHaveLength(0);
    expect(t.model.journal.size).toBe(0);
  });

  it('answers 91 when the host is down, and books nothing', async () => {
    const down = await new FakeHost().start();
    await down.stop();
    const { t, ecr } = await terminal(TDES, down);
    expect((await ecr.sale()).fields[39]).toBe('91');
    expect(t.model.journal.size).toBe(0);
  });

  it('leakPan: the clear PAN and track 2 go to the host', async () => {
    const host = await new FakeHost().start();
    const { t, ecr } = await terminal(TDES, host, { leakPan: 1 });
    expect(t.activeDefects()).toEqual({ leakPan: 1 });
    await ecr.sale();
    expect(host.received[0]?.request.fields[2]).toBe(PAN);
    expect(host.received[0]?.request.fields[35]).toBe(`${PAN}=3012101`);
    expect(host.raw.includes(Buffer.from(PAN, 'latin1'))).toBe(true);
  });

  it('reuseKsn: every transaction carries the same KSN', async () => {
    const host = await new FakeHost().start();
    const { ecr } = await terminal(TDES, host, { reuseKsn: 1 });
    await ecr.sale();
    await ecr.sale();
    const [a, b] = host.received.map((r) => inspect(TDES, r));
    expect(a?.counter).toBe(1);
    expect(b?.ksn).toBe(a?.ksn);
    expect(b?.macOk).toBe(true);
  });

  it.each([
    ['TDES', TDES],
    ['AES', AES],
  ])('wrongPinKey (%s): the PIN block does not decode to the PIN under the PIN key', async (_name, scheme) => {
    const host = await new FakeHost().start();
    const { ecr } = await terminal(scheme, host, { wrongPinKey: 1 });
    await ecr.sale();
    const seen = inspect(scheme, host.received[0]!);
    expect(seen.pin).not.toBe('1234');
    expect(seen.macOk).toBe(true);
  });

  it('badMac: the MAC does not verify', async () => {
    const host = await new FakeHost().start();
    const { ecr } = await terminal(TDES, host, { badMac: 1 });
    await ecr.sale();
    expect(inspect(TDES, host.received[0]!)).toMatchObject({ macOk: false, pin: '1234' });
  });

  it('TLS: goes online to a host it trusts; noCertCheck accepts a certificate for the wrong name, the healthy terminal answers 91', async () => {
    const good = await new FakeHost({ cert: certs.localhost.cert, key: certs.localhost.key }).start();
    const ok = await terminal(TDES, { port: good.port, tls: { ca: certs.localhost.cert, servername: 'localhost' } });
    expect((await ok.ecr.sale()).fields[39]).toBe('00');
    expect(inspect(TDES, good.received[0]!)).toMatchObject({ pin: '1234', macOk: true });

    const wrongName = await new FakeHost({ cert: certs.other.cert, key: certs.other.key }).start();
    const endpoint = { port: wrongName.port, tls: { ca: certs.other.cert, servername: 'localhost' } };
    const healthy = await terminal(TDES, endpoint);
    expect((await healthy.ecr.sale()).fields[39]).toBe('91');
    expect(wrongName.received).toHaveLength(0);
    const defective = await terminal(TDES, endpoint, { noCertCheck: 1 });
    expect((await defective.ecr.sale()).fields[39]).toBe('00');
    expect(wrongName.received).toHaveLength(1);
  });

  it('weakTls: a TLS 1.0-only host accepts the defective terminal and refuses the healthy one', async () => {
    const legacy = await new FakeHost({ cert: certs.localhost.cert, key: certs.localhost.key, minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }).start();
    const endpoint = { port: legacy.port, tls: { ca: certs.localhost.cert, servername: 'localhost' } };
    const healthy = await terminal(TDES, endpoint);
    expect((await healthy.ecr.sale()).fields[39]).toBe('91');
    expect(legacy.received).toHaveLength(0);
    const defective = await terminal(TDES, endpoint, { weakTls: 1 });
    expect(defective.t.activeDefects()).toEqual({ weakTls: 1 });
    expect((await defective.ecr.sale()).fields[39]).toBe('00');
    expect(legacy.received).toHaveLength(1);
  });

  it('refuses a malformed card without repeating it', () => {
    const t = new EmulatedTerminal(profile());
    expect(() => t.presentCard({ pan: '47617390', pin: '1234' })).toThrow(/12 to 19 digits/);
    expect(() => t.presentCard({ pan: PAN, pin: '12' })).toThrow(/PIN of 4 to 12 digits/);
    try {
      t.presentCard({ pan: PAN, pin: '99' });
    } catch (err) {
      expect((err as Error).message).not.toContain(PAN);
    }
  });
});
