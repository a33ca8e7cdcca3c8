#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { setFlagsFromString } from "node:v8";

// Collect garbage sooner: V8 lets the old generation grow to about 4 × what was live at the last major
// GC, so at 10,000 campaigns plan/drift/apply peaked at 300–450 MB of mostly dead response bodies and
// parsed pages. A growing factor of 1.25 keeps them at 228–275 MB at little CPU cost (README,
// Benchmarks). Only a GC heuristic; a value the user gives in NODE_OPTIONS or on the command line wins.
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((a) => a.includes("heap-growing-percent"))) {
  setFlagsFromString("--heap-growing-percent=25");
}

// A reader that goes away (`campaignctl plan | head`) is not an error of ours: the rest of the output has no
// reader, so it is dropped, and the command goes on (an apply must still finish and write its state).
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
  });
}

const argv = process.argv.slice(2);
if (argv.length === 0 || (argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h"))) {
  // The overview help from a static table (dist/cli/static-help.js, kept equal to commander's by a test):
  // no command module is loaded for it.
  const { overviewHelp, helpWidth } = await import("../dist/cli/static-help.js");
  process.stdout.write(overviewHelp(helpWidth(process.stdout)));
} else if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { PACKAGE } = await import("../dist/cli/package-info.js");
  process.stdout.write(`${PACKAGE.version}\n`);
} else {
  const { main } = await import("../dist/cli/main.js");
  const code = await main(argv);
  process.exitCode = code;
  // Stopped by SIGINT/SIGTERM: the state is written; do not wait for requests still in flight.
  if (code === 130 || code === 143) process.exit(code);
}
