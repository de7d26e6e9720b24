#!/usr/bin/env node
'use strict';
// poshil runs from the bundle in dist/ (built by bin/build.js on `npm ci`) while it is newer
// than every source file, and from the TypeScript sources through tsx otherwise — so a
// checkout being edited never runs stale code, and a fresh clone starts fast.
const path = require('node:path');

const argv = process.argv.slice(2);
const emulatorBundle = path.join(__dirname, '..', 'dist', 'emulator.cjs');
if (argv[0] === 'run' && process.env.POSHIL_FROM_SOURCE !== '1' && require('node:fs').existsSync(emulatorBundle)) {
  // Start the emulated terminal's process first of all — its Node start-up is the longest step
  // before a run's first transaction — while this one checks and loads the CLI bundle; the run
  // takes it over (harness/runner/emulator-process.ts) or ends it when the device is real
  // hardware. A stale bundle ends it again just below.
  globalThis.__poshilEmulatorChild = require('node:child_process').fork(path.join(__dirname, 'run-bundle.js'), [emulatorBundle], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, POSHIL_EMULATOR: '1' },
  });
}
const { bundle, bundleIsCurrent, loadBundle } = require('./bundle-check');
let main;
if (bundleIsCurrent()) {
  ({ main } = loadBundle(bundle));
} else {
  endUnclaimedEmulator(); // it would run the stale bundle: the sources start their own
  require('tsx/cjs/api').register();
  ({ main } = require('../harness/cli/main.ts'));
}
// A command that ended before the run took the early emulator (a usage error, a bad suite)
// must not be kept alive by it: end it (SIGKILL, as it ignores SIGTERM).
function endUnclaimedEmulator() {
  const child = globalThis.__poshilEmulatorChild;
  globalThis.__poshilEmulatorChild = undefined;
  if (child && child.exitCode === null) child.kill('SIGKILL');
}
main(argv).then(
  (code) => { endUnclaimedEmulator(); process.exitCode = code; },
  (err) => { endUnclaimedEmulator(); console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 2; },
);
