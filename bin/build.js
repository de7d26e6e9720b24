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
  // The schema validators as generated code, one self-contained module each (ajv's few runtime
  // helpers bundled in), loaded on first use from dist/validators/ (harness/suite/validators.ts):
  // not part of the bundles, so a command pays only for the validators it uses.
  require('tsx/cjs/api').register();
  const { standaloneValidatorSource, validatorNames } = require('../harness/suite/precompiled-validators.ts');
  const validatorDir = path.join(root, 'dist', 'validators');
  fs.rmSync(validatorDir, { recursive: true, force: true });
  const validators = validatorNames().map((name) => ({ name, contents: standaloneValidatorSource(name) }));

  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(root, 'harness/cli/main.ts')], outfile: path.join(root, 'dist/poshil.cjs') }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'devices/emulators/terminal/main.ts')], outfile: path.join(root, 'dist/emulator.cjs') }),
    ...validators.map(({ name, contents }) =>
      esbuild.build({
        ...common,
        stdin: { contents, resolveDir: root, sourcefile: `validators/${name}.cjs`, loader: 'js' },
        outfile: path.join(validatorDir, `${name}.cjs`),
        minifyWhitespace: true,
        sourcemap: false,
      }),
    ),
  ]);

  // esbuild escapes non-ASCII characters in code (charset "ascii") but keeps a few comments
  // as written; one "—" in a comment makes V8 read the whole 1 MB file as two-byte UTF-16,
  // which costs ~20 ms at every start. Only comments can hold them, so they become "?".
  for (const name of ['poshil.cjs', 'emulator.cjs']) {
    const file = path.join(root, 'dist', name);
    fs.writeFileSync(file, memoizeToEsm(fs.readFileSync(file, 'utf8').replace(/[\u0080-\uffff]/g, '?')));
  }

  // V8 code caches, made by a fresh node (the cache must come from the node that runs it): the
  // CLI after validating a shipped suite, the emulator after starting the emulated terminal's
  // profile, so that what comes before a run's first transaction starts compiled. (A CLI cache
  // that also covers a whole run is 60 % larger, and reading it costs more than it saves.)
  const { execFileSync } = require('node:child_process');
  const make = (bundle, exercise) =>
    execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(path.join(__dirname, 'bundle-check.js'))}).writeCodeCache(${JSON.stringify(path.join(root, 'dist', bundle))}, ${exercise}).then(() => process.exit(0))`],
      { stdio: 'inherit', env: { ...process.env, POSHIL_EMULATOR: '' }, timeout: 60_000 },
    );
  const smoke = JSON.stringify(path.join(root, 'suites', 'smoke.json'));
  make('poshil.cjs', `(m) => m.checkSuiteFile(${smoke})`);
  make(
    'emulator.cjs',
    `(m) => new Promise((resolve, reject) => {
      const cli = require(${JSON.stringify(path.join(__dirname, 'bundle-check.js'))}).loadBundle(${JSON.stringify(path.join(root, 'dist', 'poshil.cjs'))});
      const checked = cli.checkSuiteFile(${smoke});
      if (!checked.value) return reject(new Error('suites/smoke.json is not valid'));
      // The child's protocol (devices/emulators/terminal/main.ts), without a parent: its answer comes here.
      process.send = (message) => (message.type === 'ready' ? resolve() : reject(new Error(message.message || message.type)));
      process.emit('message', { type: 'start', profile: checked.value.device, overrides: { seed: 1 } });
      setTimeout(() => reject(new Error('no answer within 10 s')), 10_000).unref();
    })`,
  );
  // The validators' caches, each after a call on a shipped file of its kind (or on {}).
  const samples = { suite: 'suites/smoke.json', 'suite-quick': 'suites/smoke.json', device: 'devices/emulated-terminal.json', 'device-quick': 'devices/emulated-terminal.json' };
  const script = `require('tsx/cjs/api').register();
const fs = require('node:fs');
const { writeGeneratedCodeCache } = require(${JSON.stringify(path.join(root, 'harness/suite/validators.ts'))});
const samples = ${JSON.stringify(samples)};
for (const { name } of ${JSON.stringify(validators.map(({ name }) => ({ name })))}) {
  const file = samples[name] && ${JSON.stringify(root)} + '/' + samples[name];
  const sample = file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  writeGeneratedCodeCache(${JSON.stringify(validatorDir)} + '/' + name + '.cjs', sample);
}`;
  execFileSync(process.execPath, ['-e', script], { stdio: 'inherit', cwd: root, env: { ...process.env, POSHIL_EMULATOR: '' } });
}

/**
 * esbuild turns every `import fs from 'node:fs'` into its own `__toESM(require("node:fs"))`: a
 * new object with a getter per export of the module, made again in each importing module — 60
 * copies of Node's fs, path, net… in the CLI bundle, ~20 ms at every start. One copy per module
 * does the same (each is a read-only view of that module), so its helper is wrapped to make
 * each once. Left as it is if esbuild ever writes the helper differently.
 */
function memoizeToEsm(code) {
  const helper = 'var __toESM = (mod, isNodeMode, target) => (';
  const next = '\nvar __toCommonJS = ';
  const at = code.indexOf(helper);
  const end = code.indexOf(next, at);
  if (at < 0 || end < 0 || code.indexOf(helper, at + 1) >= 0) return code;
  const memo = `
var __toESMOnce = [new WeakMap(), new WeakMap()], __toESMEach = __toESM;
__toESM = (mod, isNodeMode) => {
  if (mod === null || (typeof mod !== "object" && typeof mod !== "function")) return __toESMEach(mod, isNodeMode);
  const made = __toESMOnce[isNodeMode ? 1 : 0];
  let ns = made.get(mod);
  if (ns === undefined) made.set(mod, (ns = __toESMEach(mod, isNodeMode)));
  return ns;
};`;
  return code.slice(0, end) + memo + code.slice(end);
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
