import fs from 'node:fs';
import { CryptoError, decodePinBlock, parseHex, toHex } from '../crypto';
import { PoshilError } from '../errors';
import {
  ACQUIRER_FIELDS,
  computeMac,
  decryptTrack2,
  hostKey,
  ksnCounter,
  macField,
  macInput,
  parseTrack2,
  pinBlockField,
  pinBlockFormatFor,
  schemeOfKsn,
} from '../host/acquirer-contract';
import type { HostExchange, HostSimulator } from '../host/host-simulator';
import { maskPan } from '../masking/pan';
import { scanForPans } from '../masking/pan-scan';
import type { TransactionOutcome } from '../protocols/protocol';
import { clientHelloViolations } from '../tls/client-hello';
import { probeTlsServer, tlsPolicyViolations } from '../tls/tls-probe';
import type { KindContext, KindOutcome, TestKind } from './kind';
import {
  CHECK_REQUIREMENTS,
  ENCRYPTION_CHECKS,
  encryptionMetrics,
  encryptionParamsSchema,
  type EncryptionCheck,
  type EncryptionParams,
  type HostCertificateCase,
} from './encryption-schema';
import { toTransactionRequest } from './transaction-spec';

/**
 * Encryption on the wire. The test presents a card at the terminal, rings up sales on its ECR
 * interface, and inspects what the terminal sends to poshil's host simulator:
 *   pin-block     the PIN block decrypts under the DUKPT PIN key derived from the BDK and the
 *                 KSN sent with it, is of the scheme's ISO 9564 format and holds the card PIN;
 *                 KSN counters only ever increase and are never used twice in a run;
 *   mac           field 64 verifies under the DUKPT MAC key (retail MAC / AES-CMAC);
 *   no-clear-pan  no Luhn-valid card number in the clear (ASCII, packed BCD, track 2) in any
 *                 byte of any interface, either direction — the bytes are scanned before masking;
 *   tls           the host link is TLS, the terminal offers nothing below TLS 1.2 and no weak
 *                 suite, and it refuses an expired, a self-signed and a wrong-name certificate;
 *                 a device interface that itself listens on TLS accepts nothing weaker either.
 * Each finding names the check, its requirement and where; no key, PIN or full PAN is ever
 * written into a finding.
 */
export interface CheckResult {
  check: EncryptionCheck;
  requirement: string;
  passed: boolean;
  findings: string[];
  evidence: string[];
}

const DEFAULT_TRANSACTIONS = 3;
/** How long to wait for the terminal's host request once its ECR answer is in. */
const HOST_SETTLE_MS = 500;
/** Bytes kept from the previous chunk so a PAN split across two reads is still seen. */
const SCAN_OVERLAP = 48;

/** KSNs already seen per host simulator: "never reused within the run" spans tests. */
const ksnsSeen = new WeakMap<HostSimulator, { seen: Set<string>; lastCounter: number }>();

export const encryptionKind: TestKind<EncryptionParams> = {
  name: 'encryption',
  description: 'PIN blocks under DUKPT, MACs, card data never in the clear, and TLS, inspected on the wire with poshil as the acquirer host.',
  paramsSchema: encryptionParamsSchema,
  metrics: encryptionMetrics,
  defaultThresholds: { violations: { max: 0 } },

  async run(ctx): Promise<KindOutcome> {
    const p = ctx.params;
    const checks = p.checks ?? [...ENCRYPTION_CHECKS];
    const host = pickHost(ctx, p.host);
    if ((checks.includes('pin-block') || checks.includes('mac')) && !host.keys) {
      throw new PoshilError(
        'HOST_KEYS',
        `host interface '${host.role}' has no "security" block: the pin-block and mac checks need the DUKPT scheme, the BDK source and the initial KSN`,
        { exitCode: 2 },
      );
    }
    const presentCard = ctx.presentCard;
    if (!presentCard) {
      throw new PoshilError('CARD_PRESENTATION', 'this device is not emulated: the test card must be presented at the terminal by an operator, which needs operator prompts (not supported yet)', { exitCode: 1 });
    }
    const card = p.card;
    const channel = await ctx.channel();
    const request = toTransactionRequest({ ...p.transaction, card: undefined });

    const scan = checks.includes('no-clear-pan') ? startPanScan(ctx, new Set([card.pan])) : undefined;
    const first = host.exchanges.length;
    const outcomes: (TransactionOutcome | Error)[] = [];
    const total = p.transactions ?? DEFAULT_TRANSACTIONS;
    try {
      for (let i = 0; i < total && !ctx.signal.aborted; i++) {
        await presentCard(card);
        outcomes.push(await channel.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }).catch((err: Error) => err));
        ctx.progress({ done: i + 1, total, message: 'sales' });
      }
      await host.waitForExchanges(first + outcomes.length, HOST_SETTLE_MS);
      const exchanges = host.exchanges.slice(first).filter((e) => e.request.mti === '0200');

      const results: CheckResult[] = [];
      for (const check of checks) {
        if (check === 'pin-block') results.push(pinBlockCheck(host, exchanges, card, outcomes.length));
        if (check === 'mac') results.push(macCheck(host, exchanges));
        if (check === 'tls') results.push(await tlsCheck(host, ctx, request, card, presentCard, first, p.certificates ?? ['expired', 'self-signed', 'wrong-name']));
      }
      // The scan runs last: the TLS probes' traffic is scanned too.
      if (scan) results.push(scan.finish());
      results.sort((a, b) => checks.indexOf(a.check) - checks.indexOf(b.check));

      const count = (c: EncryptionCheck) => results.find((r) => r.check === c)?.findings.length ?? null;
      const declined = outcomes.filter((o) => !(o instanceof Error) && !o.approved).length;
      const failed = outcomes.filter((o) => o instanceof Error) as Error[];
      const notes = results.filter((r) => !r.passed).map((r) => `${r.check} (${r.requirement}): ${r.findings.slice(0, 3).join('; ')}${r.findings.length > 3 ? `; … ${r.findings.length - 3} more` : ''}`);
      if (declined > 0) notes.push(`${declined} of ${outcomes.length} sales were not approved at the ECR`);
      if (failed.length > 0) notes.push(`${failed.length} sales failed at the ECR: ${failed[0]?.message}`);
      return {
        measurements: {
          transactions: outcomes.length,
          host_requests: exchanges.length,
          violations: results.reduce((n, r) => n + r.findings.length, 0),
          pin_block_failures: count('pin-block'),
          mac_failures: count('mac'),
          clear_pans: count('no-clear-pan'),
          tls_violations: count('tls'),
        },
        notes,
        details: { checks: results, card: maskPan(card.pan), scheme: host.keys?.scheme ?? null },
      };
    } finally {
      scan?.stop();
    }
  },
};

function pickHost(ctx: KindContext<EncryptionParams>, role: string | undefined): HostSimulator {
  const hosts = ctx.hosts;
  const named = role ? hosts.find((h) => h.role === role) : hosts.length === 1 ? hosts[0] : undefined;
  if (named) return named;
  if (hosts.length === 0) {
    throw new PoshilError('NO_HOST_INTERFACE', 'the encryption kind inspects what the terminal sends to its acquirer, but this device profile has no "host" interface for poshil to serve', { exitCode: 2 });
  }
  throw new PoshilError('NO_HOST_INTERFACE', `${role ? `no host interface '${role}'` : 'several host interfaces'}: name one with "host" (the profile has ${hosts.map((h) => h.role).join(', ')})`, { exitCode: 2 });
}

function pinBlockCheck(host: HostSimulator, exchanges: HostExchange[], card: { pan: string; pin: string }, sales: number): CheckResult {
  const keys = host.keys!;
  const findings: string[] = [];
  const evidence: string[] = [];
  const field = pinBlockField(keys.scheme);
  const format = pinBlockFormatFor(keys.scheme);
  const state = ksnsSeen.get(host) ?? { seen: new Set<string>(), lastCounter: -1 };
  ksnsSeen.set(host, state);
  if (exchanges.length < sales) findings.push(`${sales - exchanges.length} of ${sales} sales never reached the host: nothing to check for them`);
  for (const [i, e] of exchanges.entries()) {
    const n = `request ${i + 1} (STAN ${e.request.fields[11] ?? '?'})`;
    const ksnHex = e.request.fields[ACQUIRER_FIELDS.ksn];
    if (!ksnHex || schemeOfKsn(ksnHex) !== keys.scheme) {
      findings.push(`${n}: no ${keys.scheme.toUpperCase()} DUKPT KSN in field ${ACQUIRER_FIELDS.ksn}`);
      continue;
    }
    const ksn = parseHex(ksnHex, 'KSN');
    const counter = ksnCounter(keys.scheme, ksn);
    if (state.seen.has(ksnHex.toUpperCase())) findings.push(`${n}: KSN ${ksnHex} was already used in this run (a DUKPT key must never encrypt twice)`);
    else if (counter <= state.lastCounter) findings.push(`${n}: KSN counter ${counter} does not increase (last was ${state.lastCounter})`);
    state.seen.add(ksnHex.toUpperCase());
    state.lastCounter = Math.max(state.lastCounter, counter);
    const blockHex = e.request.fields[field];
    if (!blockHex) {
      findings.push(`${n}: no PIN block in field ${field}`);
      continue;
    }
    const pan = cardPan(host, e, ksn) ?? card.pan;
    try {
      const pin = decodePinBlock({ format, block: parseHex(blockHex, `field ${field}`), pan, key: hostKey(keys.scheme, keys.bdk, ksn, 'pin') });
      if (pin !== card.pin) findings.push(`${n}: the PIN block decrypts to a ${pin.length}-digit PIN that is not the test card's`);
      else evidence.push(`${n}: format ${format} PIN block under the PIN key of KSN ${ksnHex} (counter ${counter}) holds the card PIN`);
    } catch (err) {
      if (!(err instanceof CryptoError)) throw err;
      findings.push(`${n}: field ${field} is not a format ${format} PIN block under the PIN key derived for KSN ${ksnHex}: ${err.message}`);
    }
  }
  return result('pin-block', findings, evidence);
}

/** The PAN the terminal sent, from the encrypted track 2 (field 63) — or field 2 if it leaks it. */
function cardPan(host: HostSimulator, e: HostExchange, ksn: Buffer): string | undefined {
  const keys = host.keys!;
  const encrypted = e.request.fields[ACQUIRER_FIELDS.encryptedTrack2];
  if (encrypted) {
    try {
      const track = parseTrack2(decryptTrack2(keys.scheme, hostKey(keys.scheme, keys.bdk, ksn, 'data'), encrypted));
      if (track) return track.pan;
    } catch {
      // fall through: a PIN block check does not fail on the card data field
    }
  }
  return e.request.fields[ACQUIRER_FIELDS.pan];
}

function macCheck(host: HostSimulator, exchanges: HostExchange[]): CheckResult {
  const keys = host.keys!;
  const findings: string[] = [];
  const evidence: string[] = [];
  const algorithm = keys.scheme === 'aes' ? 'AES-CMAC' : 'ISO 9797-1 algorithm 3 (retail MAC)';
  if (exchanges.length === 0) findings.push('no authorisation request reached the host: no MAC to verify');
  for (const [i, e] of exchanges.entries()) {
    const n = `request ${i + 1} (STAN ${e.request.fields[11] ?? '?'})`;
    const field = macField(e.request.fields);
    const macHex = e.request.fields[field];
    const ksnHex = e.request.fields[ACQUIRER_FIELDS.ksn];
    if (!macHex) {
      findings.push(`${n}: no MAC in field ${field} (the last field of the message)`);
      continue;
    }
    if (!ksnHex || schemeOfKsn(ksnHex) !== keys.scheme) {
      findings.push(`${n}: no KSN in field ${ACQUIRER_FIELDS.ksn}, so no MAC key can be derived`);
      continue;
    }
    const ksn = parseHex(ksnHex, 'KSN');
    const expected = toHex(computeMac(keys.scheme, hostKey(keys.scheme, keys.bdk, ksn, 'mac'), macInput(e.payload, host.macWireBytes(field))));
    if (expected !== macHex.toUpperCase()) findings.push(`${n}: the MAC in field ${field} does not verify (${algorithm}, request MAC key of KSN ${ksnHex})`);
    else evidence.push(`${n}: MAC verifies (${algorithm}, request MAC key of KSN ${ksnHex})`);
  }
  return result('mac', findings, evidence);
}

async function tlsCheck(
  host: HostSimulator,
  ctx: KindContext<EncryptionParams>,
  request: ReturnType<typeof toTransactionRequest>,
  card: { pan: string; expiry?: string; pin: string },
  presentCard: (card: { pan: string; expiry?: string; pin: string }) => Promise<void>,
  firstExchange: number,
  certificates: HostCertificateCase[],
): Promise<CheckResult> {
  const findings: string[] = [];
  const evidence: string[] = [];
  const channel = await ctx.channel();
  // The device's own TLS interface (the ECR link here): what it accepts, asked one question per handshake.
  const target = channel.tlsTarget;
  if (target) {
    const probe = await probeTlsServer({ host: target.host, port: target.port, servername: target.servername, ca: target.caFile ? fs.readFileSync(target.caFile) : undefined });
    for (const v of tlsPolicyViolations(probe)) findings.push(`${channel.role} interface (device listening on TLS): ${v}`);
    const accepted = probe.versions.filter((v) => v.testable && v.accepted).map((v) => v.version);
    evidence.push(`${channel.role} interface accepts ${accepted.join(', ') || 'no TLS version'}${probe.negotiated ? `; default ${probe.negotiated.version} ${probe.negotiated.cipher}` : ''}${probe.certificate ? `; certificate ${probe.certificate.verified ? 'verifies' : `does not verify (${probe.certificate.verifyError ?? 'unknown'})`}` : ''}`);
  }
  if (!host.isTls) {
    findings.push(`host interface '${host.role}' is plain TCP: PIN blocks and card data cross it without transport encryption`);
    return result('tls', findings, evidence);
  }
  const firstConnection = host.connections.findIndex((c) => host.exchanges.slice(firstExchange).some((e) => e.connection === c.id));
  for (const kind of certificates) {
    if (ctx.signal.aborted) break;
    host.useCertificate(kind);
    const before = { exchanges: host.exchanges.length, connections: host.connections.length };
    await presentCard(card);
    const outcome = await channel.transact(request, { timeoutMs: ctx.timeoutMs, signal: ctx.signal }).catch((err: Error) => err);
    await host.waitForExchanges(before.exchanges + 1, outcome instanceof Error ? 0 : HOST_SETTLE_MS / 5);
    const through = host.exchanges.length - before.exchanges;
    const attempts = host.connections.slice(before.connections);
    const answer = outcome instanceof Error ? outcome.message : `response code ${outcome.responseCode}`;
    if (through > 0) findings.push(`the terminal accepted a${kind === 'expired' ? 'n' : ''} ${kind} host certificate and sent its authorisation request (ECR: ${answer})`);
    else if (attempts.length === 0) findings.push(`with a ${kind} host certificate the terminal never connected, so its refusal is not proven (ECR: ${answer})`);
    else evidence.push(`${kind} certificate refused: ${attempts.map((a) => a.handshakeError ?? 'connection closed before any request').join('; ')} (ECR: ${answer})`);
  }
  host.useCertificate('valid');
  const connections = host.connections.slice(Math.max(0, firstConnection));
  for (const c of connections) {
    if (!c.clientHello) continue;
    for (const v of clientHelloViolations(c.clientHello)) findings.push(`connection ${c.id}: the terminal ${v}`);
  }
  const hellos = connections.filter((c) => c.clientHello);
  if (hellos.length === 0) findings.push('no TLS ClientHello from the terminal was seen: what it offers is unknown');
  else evidence.push(`the terminal offered ${[...new Set(hellos.flatMap((c) => c.clientHello!.versions))].join(', ')} with ${hellos[0]!.clientHello!.cipherSuites.length} cipher suites`);
  const agreed = [...new Set(connections.filter((c) => c.negotiated).map((c) => `${c.negotiated!.protocol} ${c.negotiated!.cipher}`))];
  if (agreed.length > 0) evidence.push(`negotiated: ${agreed.join(', ')}`);
  return result('tls', findings, evidence);
}

/** Scans every chunk of every interface of the run, clear, until finish(). */
function startPanScan(ctx: KindContext<EncryptionParams>, known: Set<string>): { finish(): CheckResult; stop(): void } {
  const findings: string[] = [];
  const tails = new Map<string, { tail: Buffer; offset: number; chunk: number }>();
  let bytes = 0;
  const stop = ctx.tapWire((role, dir, data) => {
    const key = `${role} ${dir}`;
    const state = tails.get(key) ?? { tail: Buffer.alloc(0), offset: 0, chunk: 0 };
    state.chunk++;
    bytes += data.length;
    const window = state.tail.length > 0 ? Buffer.concat([state.tail, data]) : data;
    for (const f of scanForPans(window, { known })) {
      // Only what ends in the new bytes: the rest was reported with the previous chunk.
      if (f.offset + f.length <= state.tail.length) continue;
      const at = state.offset - state.tail.length + f.offset;
      findings.push(`${role} ${dir === 'in' ? 'device → poshil' : 'poshil → device'}, chunk ${state.chunk}, stream offset ${at}: ${f.encoding} PAN ${f.masked}${f.known ? ' (the test card)' : ''}`);
    }
    state.offset += data.length;
    state.tail = window.subarray(Math.max(0, window.length - SCAN_OVERLAP));
    tails.set(key, state);
  });
  return {
    stop,
    finish: () => {
      stop();
      const streams = [...tails.keys()];
      if (bytes === 0) findings.push('no bytes crossed any interface while the check ran: nothing was scanned');
      return result('no-clear-pan', findings, [`${bytes} bytes scanned on ${streams.length} stream(s): ${streams.join(', ') || 'none'}`]);
    },
  };
}

function result(check: EncryptionCheck, findings: string[], evidence: string[]): CheckResult {
  return { check, requirement: CHECK_REQUIREMENTS[check], passed: findings.length === 0, findings, evidence };
}
