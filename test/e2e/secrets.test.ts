import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deriveIpek, encodeClearPinBlock, parseHex, toHex } from '../../harness/crypto';

/**
 * Secrets stay secret: run the encryption suite through the real CLI — once healthy, once with a
 * terminal that leaks the PAN to its host — and search every file the run wrote, and everything
 * it printed, for the BDK (hex, any case), the terminal's derived initial key, the test cards'
 * clear PIN blocks and their full PANs. Zero hits.
 */
const ROOT = path.resolve(__dirname, '../..');
const BDK = '0123456789ABCDEFFEDCBA9876543210'; // ANSI X9.24-1:2009 Annex A test BDK
const INITIAL_KSN = 'FFFF9876543210E00000';
const suite = JSON.parse(fs.readFileSync(path.join(ROOT, 'suites/encryption.json'), 'utf8')) as { tests: { params: { card: { pan: string; pin: string } } }[] };
const cards = [...new Map(suite.tests.map((t) => [t.params.card.pan, t.params.card])).values()];

function secrets(): { what: string; text: string }[] {
  const list = [
    { what: 'BDK', text: BDK },
    { what: 'IPEK', text: toHex(deriveIpek(parseHex(BDK, 'BDK'), parseHex(INITIAL_KSN, 'KSN'))) },
  ];
  for (const c of cards) {
    list.push({ what: `full PAN ${c.pan.slice(0, 6)}…`, text: c.pan });
    // Format 0 and 3 PIN blocks are PAN-bound and their clear form is fixed for format 0.
    list.push({ what: `clear format 0 PIN block for ${c.pan.slice(0, 6)}…`, text: toHex(encodeClearPinBlock(0, c.pin, c.pan)) });
  }
  return list;
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('no key, PIN block or full PAN in anything a run writes or prints', () => {
  it.each([[[] as string[]], [['--defect', 'leakPan=1']]])('encryption suite %j', (extra) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poshil-secrets-')), 'run');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/poshil.js'), 'run', 'suites/encryption.json', '--out', out, ...extra], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, NO_COLOR: '1', POSHIL_BDK: BDK },
    });
    expect(r.status).toBe(extra.length === 0 ? 0 : 1);
    const files = filesUnder(out);
    expect(files.map((f) => path.relative(out, f)).sort()).toEqual(expect.arrayContaining(['report.json', 'junit.xml', 'summary.md', 'journal.ndjson', 'wire/ecr.ndjson', 'wire/host.ndjson']));
    const outputs = [...files.map((f) => ({ name: path.relative(out, f), text: fs.readFileSync(f, 'utf8') })), { name: 'stdout', text: r.stdout }, { name: 'stderr', text: r.stderr }];
    const hits: string[] = [];
    for (const s of secrets()) {
      for (const o of outputs) if (o.text.toUpperCase().includes(s.text.toUpperCase())) hits.push(`${s.what} in ${o.name}`);
    }
    expect(hits).toEqual([]);
    // The host trace is really there and really masked, not empty.
    expect(fs.readFileSync(path.join(out, 'wire/host.ndjson'), 'utf8')).toMatch(/"dir":"in"/);
  }, 120_000);
});
