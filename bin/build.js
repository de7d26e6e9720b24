#!/usr/bin/env node
'use strict';
/**
 * Bundles the CLI and the emulated terminal into dist/ with esbuild, so `poshil` starts on
 * plain node instead of compiling TypeScript at every start (cold start is a measured target,
 * see bench/). npm runs it on `npm ci` (the "prepare" script); bin/poshil.js uses the bundle
 * only while it is newer than every source, and falls back to the sources through tsx.
 *
 *   node bin/build.js
 */
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
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

Promise.all([
  esbuild.build({ ...common, entryPoints: [path.join(root, 'harness/cli/main.ts')], outfile: path.join(root, 'dist/poshil.cjs') }),
  esbuild.build({ ...common, entryPoints: [path.join(root, 'devices/emulators/terminal/main.ts')], outfile: path.join(root, 'dist/emulator.cjs') }),
]).then(
  () => undefined,
  (err) => {
    console.error(`poshil build failed: ${err.message}`);
    process.exitCode = 1;
  },
);
