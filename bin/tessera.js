#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled sources (built by `npm ci` / `npm run build`).
import '../dist/src/main.js';
