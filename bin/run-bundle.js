#!/usr/bin/env node
'use strict';
// Runs a bundle from dist/ with its V8 code cache (see bundle-check.js): the emulated
// terminal's child process starts through here.
const path = require('node:path');
const { loadBundle } = require('./bundle-check');

loadBundle(path.resolve(process.argv[2]));
