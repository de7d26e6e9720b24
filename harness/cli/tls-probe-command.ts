import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { PoshilError } from '../errors';
import { probeTlsServer, tlsPolicyViolations, type TlsProbeResult } from '../tls/tls-probe';
import type { CliIo } from './main';

/**
 * `poshil tls-probe HOST:PORT` — what a terminal listening on TLS accepts: each protocol
 * version alone, each family of weak suites alone, the default handshake and the certificate,
 * judged against the policy (TLS 1.2 or later, no NULL/anonymous/export/RC4/DES/3DES suites).
 * Exit 0 compliant, 1 policy violations, 2 unreachable or bad arguments.
 */
export const TLS_PROBE_USAGE = `poshil tls-probe <host:port> [--servername NAME] [--ca FILE] [--timeout MS] [--json]`;

export async function tlsProbeCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { servername: { type: 'string' }, ca: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } } });
  } catch (err) {
    throw new PoshilError('USAGE', `${(err as Error).message}\nusage: ${TLS_PROBE_USAGE}`, { exitCode: 2 });
  }
  const target = parsed.positionals[0];
  const m = target ? /^(.+):([0-9]{1,5})$/.exec(target) : null;
  if (!m || parsed.positionals.length !== 1) throw new PoshilError('USAGE', `tls-probe needs one HOST:PORT, e.g. 192.168.1.20:8443\nusage: ${TLS_PROBE_USAGE}`, { exitCode: 2 });
  const timeoutMs = parsed.values.timeout === undefined ? undefined : Number(parsed.values.timeout);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new PoshilError('USAGE', `--timeout expects milliseconds > 0, got '${parsed.values.timeout}'`, { exitCode: 2 });
  let ca: Buffer | undefined;
  if (parsed.values.ca !== undefined) {
    try {
      ca = fs.readFileSync(parsed.values.ca);
    } catch (err) {
      throw new PoshilError('USAGE', `cannot read the CA file ${parsed.values.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { exitCode: 2 });
    }
  }
  const result = await probeTlsServer({ host: m[1] as string, port: Number(m[2]), servername: parsed.values.servername, timeoutMs, ca });
  const violations = tlsPolicyViolations(result);
  io.stdout.write(parsed.values.json ? JSON.stringify({ ...result, violations }, null, 2) + '\n' : describe(result, violations));
  return violations.length === 0 ? 0 : 1;
}

function describe(r: TlsProbeResult, violations: string[]): string {
  const yes = (accepted: boolean, testable: boolean) => (!testable ? 'not testable here' : accepted ? 'accepted' : 'refused');
  const lines = [`TLS probe of ${r.endpoint}`];
  for (const v of r.versions) lines.push(`  ${v.version.padEnd(8)} ${yes(v.accepted, v.testable)}${v.cipher ? ` (${v.cipher})` : ''}`);
  for (const c of r.weakCiphers) lines.push(`  ${c.name.padEnd(8)} ${yes(c.accepted, c.testable)}`);
  if (r.negotiated) lines.push(`  default  ${r.negotiated.version} ${r.negotiated.cipher}`);
  if (r.certificate) {
    const c = r.certificate;
    lines.push(`  certificate ${c.subject} (issuer ${c.issuer}), valid ${c.validFrom} – ${c.validTo}, sha-256 ${c.fingerprint256}`);
    lines.push(`  certificate ${c.verified ? 'verifies' : `does not verify: ${c.verifyError ?? 'unknown reason'}`}`);
  }
  lines.push(violations.length === 0 ? 'policy: compliant (TLS 1.2+, no weak suites)' : `policy: ${violations.length} violation(s)`);
  for (const v of violations) lines.push(`  - ${v}`);
  return lines.join('\n') + '\n';
}
