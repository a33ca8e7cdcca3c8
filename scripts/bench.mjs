#!/usr/bin/env node
// `npm run bench` (after `npm run build`): runs scripts/bench/main.ts against the built dist/.
//
// The bench's TypeScript files are transpiled (no type-check; `npx tsc -p scripts/bench/tsconfig.json`
// does that) into node_modules/.cache/campaignctl-bench with their `../../src/…` imports pointed at
// dist/, then run by plain node with --expose-gc. Measuring the compiled tool this way keeps the
// figures honest: under tsx, its loader thread alone adds ~45 MB of RSS, which would distort the
// planner's memory figure against its 300 MB target. Arguments are passed on (see --help).
// BENCH_NODE_FLAGS adds node flags to the measured process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const benchDir = join(root, "scripts", "bench");
const dist = join(root, "dist");
const outDir = join(root, "node_modules", ".cache", `campaignctl-bench-${process.pid}`);

if (!existsSync(join(dist, "cli", "pipeline.js"))) {
  process.stderr.write("bench: dist/ is missing: run `npm run bench` (it builds first) or `npm run build`\n");
  process.exit(1);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(benchDir).filter((f) => f.endsWith(".ts"))) {
  const { outputText, diagnostics = [] } = ts.transpileModule(readFileSync(join(benchDir, file), "utf8"), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  if (diagnostics.length > 0) {
    const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => benchDir, getNewLine: () => "\n" });
    process.stderr.write(`bench: cannot transpile scripts/bench/${file}:\n${text}`);
    process.exit(1);
  }
  const js = outputText.replace(/(["'])\.\.\/\.\.\/src\/([^"']+)\1/g, (_, q, rest) => `${q}${pathToFileURL(join(dist, rest)).href}${q}`);
  writeFileSync(join(outDir, file.replace(/\.ts$/, ".js")), js);
}

const extraFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter((f) => f !== "");
const result = spawnSync(process.execPath, ["--expose-gc", ...extraFlags, join(outDir, "main.js"), ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
rmSync(outDir, { recursive: true, force: true });
if (result.error) {
  process.stderr.write(`bench: cannot start node: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
