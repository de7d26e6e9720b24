#!/usr/bin/env node
'use strict';
/**
 * Bundles the CLI and the emulated terminal into dist/ with esbuild, so `poshil` starts on
 * plain node instead of compiling TypeScript — and the JSON schemas — at every start (cold start is a measured target,
 * see bench/). npm runs it on `npm ci` (the "prepare" script); bin/poshil.js uses the bundle
 * only while it is newer than every source, and falls back to the sources through tsx.
 *
 *   node bin/build.js
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
const optional = process.argv.includes('--optional');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's "main" is a UMD build that requires files at run time; its ES module build bundles.
  mainFields: ['module', 'main'],
  // Native bindings and their loaders stay in node_modules.
  external: ['serialport', 'usb', '@serialport/*'],
  define: { 'process.env.POSHIL_BUNDLED': '"1"' },
  sourcemap: 'linked',
  logLevel: 'warning',
};

async function build() {
  // The schema validators as generated code first: the bundle includes them (harness/suite/validators.ts).
  require('tsx/cjs/api').register();
  const { writeStandaloneValidators } = require('../harness/suite/precompiled-validators.ts');
  writeStandaloneValidators(path.join(root, 'dist', 'validators'));

  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(root, 'harness/cli/main.ts')], outfile: path.join(root, 'dist/poshil.cjs') }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'devices/emulators/terminal/main.ts')], outfile: path.join(root, 'dist/emulator.cjs') }),
  ]);

  // esbuild escapes non-ASCII characters in code (charset "ascii") but keeps a few comments
  // as written; one "—" in a comment makes V8 read the whole 1 MB file as two-byte UTF-16,
  // which costs ~20 ms at every start. Only comments can hold them, so they become "?".
  for (const name of ['poshil.cjs', 'emulator.cjs']) {
    const file = path.join(root, 'dist', name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/[\u0080-\uffff]/g, '?'));
  }

  // V8 code caches, made by a fresh node (the cache must come from the node that runs it):
  // the CLI after validating a shipped suite, the emulator after loading.
  const { execFileSync } = require('node:child_process');
  const make = (bundle, exercise) =>
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(__dirname, 'bundle-check.js'))}).writeCodeCache(${JSON.stringify(path.join(root, 'dist', bundle))}, ${exercise})`], {
      stdio: 'inherit',
      env: { ...process.env, POSHIL_EMULATOR: '' },
    });
  make('poshil.cjs', `(m) => m.checkSuiteFile(${JSON.stringify(path.join(root, 'suites', 'smoke.json'))})`);
  make('emulator.cjs', 'undefined');
}

build().catch((err) => {
  // A half-built bundle must never run: without it bin/poshil.js runs the sources.
  for (const name of ['poshil.cjs', 'emulator.cjs']) fs.rmSync(path.join(root, 'dist', name), { force: true });
  console.error(`poshil build failed: ${err.message}`);
  // On `npm ci` (--optional) a failed build must not fail the install: poshil then runs from
  // the TypeScript sources through tsx, only slower to start.
  if (optional) console.error('poshil will run from the TypeScript sources (slower start-up); `npm run build` retries');
  else process.exitCode = 1;
});
