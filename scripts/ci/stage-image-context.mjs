#!/usr/bin/env node
// Stages the build context of the images (Dockerfile: the sandbox; Dockerfile.cli: the CLI) in OUTDIR:
//   Dockerfile, Dockerfile.cli, package.json, package-lock.json, bin/, dist/, schemas/, campaigns/,
//   scripts/gitops/, .github/workflows/{plan,apply,drift}.yml, data/ (empty)
//   and node_modules/ holding the PRODUCTION dependencies only.
// Production dependencies are taken from the installed node_modules/ by the lockfile: every top-level
// package entry of package-lock.json not marked `dev` (nested node_modules come with their parent).
// No npm command and no network: `npm ci --omit=dev --offline` would need every tarball in the npm
// cache, which a CI machine does not promise.
//
// Usage: node scripts/ci/stage-image-context.mjs OUTDIR      (run after `npm ci`, which builds dist/)
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: node scripts/ci/stage-image-context.mjs OUTDIR\n");
  process.exit(1);
}
const outDir = resolve(out);
if (outDir === root || root.startsWith(`${outDir}/`)) {
  process.stderr.write(`error: OUTDIR must not be the repository or contain it: ${outDir}\n`);
  process.exit(1);
}

const fail = (message) => {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
};
if (!existsSync(join(root, "dist", "cli", "main.js"))) fail("dist/ is not built: run `npm ci` or `npm run build` first");
if (!existsSync(join(root, "node_modules"))) fail("node_modules/ is missing: run `npm ci` first");

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, "node_modules"), { recursive: true });
mkdirSync(join(outDir, "data"), { recursive: true });

for (const file of ["Dockerfile", "Dockerfile.cli", "package.json", "package-lock.json"]) {
  if (existsSync(join(root, file))) cpSync(join(root, file), join(outDir, file));
}
const skipMaps = (src) => !src.endsWith(".map");
for (const dir of ["bin", "dist", "schemas", "campaigns", "scripts/gitops"]) {
  cpSync(join(root, dir), join(outDir, dir), { recursive: true, filter: skipMaps });
}
// The workflows `campaignctl init` writes (not ci.yml, which is this repository's own).
mkdirSync(join(outDir, ".github", "workflows"), { recursive: true });
for (const file of ["plan.yml", "apply.yml", "drift.yml"]) {
  cpSync(join(root, ".github", "workflows", file), join(outDir, ".github", "workflows", file));
}

const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
let copied = 0;
for (const [key, entry] of Object.entries(lock.packages ?? {})) {
  if (!key.startsWith("node_modules/") || entry.dev === true) continue;
  // Top-level entries only: "node_modules/a" or "node_modules/@scope/a", not ".../node_modules/b".
  if (key.slice("node_modules/".length).includes("/node_modules/")) continue;
  const src = join(root, key);
  if (!existsSync(src)) {
    if (entry.optional === true) continue; // an optional dependency not installed on this platform
    fail(`${key} is in package-lock.json but not installed: run \`npm ci\``);
  }
  if (!statSync(src).isDirectory()) continue;
  cpSync(src, join(outDir, key), { recursive: true, dereference: false });
  copied += 1;
}
process.stderr.write(`staged the image context in ${outDir} (${copied} production packages)\n`);
