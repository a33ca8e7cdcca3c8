#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Stopped by SIGINT/SIGTERM: the state is written; do not wait for requests still in flight.
if (code === 130 || code === 143) process.exit(code);
