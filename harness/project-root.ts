import fs from 'node:fs';
import path from 'node:path';

/**
 * The poshil checkout: where built-in data files (packagers, emulator entry) live. Found by
 * walking up from this module, because the module is either a TypeScript source under
 * harness/ or part of the bundle in dist/ (bin/build.js), at different depths.
 */
export const PROJECT_ROOT = findRoot(__dirname);

/** True inside the esbuild bundle (bin/build.js defines it); false when tsx runs the sources. */
export const BUNDLED = process.env.POSHIL_BUNDLED === '1';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'harness'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
}
