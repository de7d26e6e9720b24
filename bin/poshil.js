#!/usr/bin/env node
'use strict';
// poshil ships as TypeScript sources run through tsx: no build step, so a fresh clone's
// `npx poshil` works right after `npm ci`.
const { register } = require('tsx/cjs/api');
register();
const { main } = require('../harness/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 2; },
);
