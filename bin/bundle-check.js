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
