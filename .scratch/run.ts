import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '../harness/errors';
import { loadDevice, loadSuite } from '../harness/suite/load';
const which = process.argv[2];
for (const [dir, load] of [['test/fixtures/suites/bad', loadSuite], ['test/fixtures/devices/bad', loadDevice]] as const) {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'expected.json')) {
    if (which && !f.includes(which)) continue;
    try { load(join(dir, f)); console.log('!! no error', f); } catch (e) {
      if (e instanceof ConfigError) { console.log(`== ${f} (${e.issues.length})`); for (const i of e.issues) console.log('   ' + formatIssue(i)); }
      else console.log('!! other', f, e);
    }
  }
}
for (const f of ['test/fixtures/suites/good/latency-smoke.json', 'test/fixtures/suites/good/minimal.json']) console.log(JSON.stringify(loadSuite(f), null, 1).slice(0, 3000));
