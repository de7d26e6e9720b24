'use strict';
// Whether dist/ (bin/build.js) is newer than every source it was built from: bin/poshil.js
// runs the bundle only then, so a checkout being edited never runs stale code.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bundle = path.join(root, 'dist', 'poshil.cjs');

function newestSource() {
  let newest = fs.statSync(path.join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(root, 'harness'));
  walk(path.join(root, 'devices', 'emulators'));
  return newest;
}

function bundleIsCurrent() {
  if (process.env.POSHIL_FROM_SOURCE === '1') return false;
  try {
    const built = Math.min(fs.statSync(bundle).mtimeMs, fs.statSync(path.join(root, 'dist', 'emulator.cjs')).mtimeMs);
    return built >= newestSource();
  } catch {
    return false;
  }
}

module.exports = { bundle, bundleIsCurrent };

/**
 * Loads a bundle as CommonJS with V8's code cache (`<bundle>.v8cache`, written by
 * writeCodeCache at build time): compiling 1 MB of JavaScript costs ~30 ms at every start,
 * reading compiled code back a few. A cache from another Node version or with other flags is
 * rejected by V8 and the bundle simply compiles as usual.
 */
function loadBundle(file) {
  const cached = require.cache[file];
  if (cached) return cached.exports;
  const vm = require('node:vm');
  const Module = require('node:module');
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.v8cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readSource(file)), { filename: file, cachedData });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = m;
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}

/**
 * A bundle's text. bin/build.js writes them in ASCII, and an ASCII file read as Latin-1 is the
 * same string made without UTF-8 decoding (~10 ms less for the CLI bundle); anything else is
 * decoded as UTF-8.
 */
function readSource(file) {
  const bytes = fs.readFileSync(file);
  return require('node:buffer').isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
}

/**
 * Compiles and runs a bundle, lets `exercise` run typical work (it may return a promise) so the
 * functions it needs are compiled too, then writes the code cache beside the bundle. An
 * exercise that fails only makes the cache cover less.
 */
async function writeCodeCache(file, exercise) {
  const vm = require('node:vm');
  const Module = require('node:module');
  const script = new vm.Script(Module.wrap(readSource(file)), { filename: file });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  require.cache[file] = m;
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
  try {
    if (exercise) await exercise(m.exports);
  } catch (err) {
    console.error(`poshil build: exercising ${path.basename(file)} for its code cache failed (${err && err.message}); the cache covers less`);
  }
  fs.writeFileSync(`${file}.v8cache`, script.createCachedData());
}

module.exports.loadBundle = loadBundle;
module.exports.writeCodeCache = writeCodeCache;
