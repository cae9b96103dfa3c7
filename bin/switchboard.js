#!/usr/bin/env node
// The `switchboard` command: runs the compiled CLI (build with `npm run build`).
import '../dist/src/app/main.js';
