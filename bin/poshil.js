#!/usr/bin/env node
'use strict';
// poshil runs from the bundle in dist/ (built by bin/build.js on `npm ci`) while it is newer
// than every source file, and from the TypeScript sources through tsx otherwise — so a
// checkout being edited never runs stale code, and a fresh clone starts fast.
const path = require('node:path');
const { bundle, bundleIsCurrent, loadBundle } = require('./bundle-check');

const argv = process.argv.slice(2);
let main;
if (bundleIsCurrent()) {
  if (argv[0] === 'run') {
    // Start the emulated terminal's process now, while the CLI bundle loads; the run takes it
    // over (harness/runner/emulator-process.ts) or ends it when the device is real hardware.
    globalThis.__poshilEmulatorChild = require('node:child_process').fork(path.join(__dirname, 'run-bundle.js'), [path.join(__dirname, '..', 'dist', 'emulator.cjs')], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, POSHIL_EMULATOR: '1' },
    });
  }
  ({ main } = loadBundle(bundle));
} else {
  require('tsx/cjs/api').register();
  ({ main } = require('../harness/cli/main.ts'));
}
// A command that ended before the run took the early emulator (a usage error, a bad suite)
// must not be kept alive by it: end it (SIGKILL, as it ignores SIGTERM).
const endUnclaimedEmulator = () => {
  const child = globalThis.__poshilEmulatorChild;
  globalThis.__poshilEmulatorChild = undefined;
  if (child && child.exitCode === null) child.kill('SIGKILL');
};
main(argv).then(
  (code) => { endUnclaimedEmulator(); process.exitCode = code; },
  (err) => { endUnclaimedEmulator(); console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 2; },
);
