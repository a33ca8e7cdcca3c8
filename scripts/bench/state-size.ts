/**
 * State size bench (issue 30, "state that fits in Git at any size"): a synthetic state of N campaigns
 * (Puffle, Altur and Extrovert entries shaped like real applied specs, ~1.6 KB each pretty-printed, the
 * size measured on the code before the split), written by the real writeState, then read back by
 * readState. Prints the files, the largest, the total, and the write and read times.
 *
 *   npx tsx scripts/bench/state-size.ts [--counts 10000,30000,100000] [--accounts 1] [--dir DIR]
 *
 * With --accounts 1 every campaign is in one account per provider (the worst case for a per-account split:
 * one account's part is spread over 2^k parts by address hash).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { syntheticState } from "../../test/support/synthetic-state.js";
import { catalog } from "../../src/providers/registry.js";
import { readState } from "../../src/state/journal.js";
import { partsDirOf, serializeState, writeState } from "../../src/state/state-file.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const counts = arg("counts", "10000,30000,100000").split(",").map(Number);
const accounts = Number(arg("accounts", "1"));
const root = arg("dir", "") || mkdtempSync(join(tmpdir(), "campaignctl-state-size-"));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

for (const n of counts) {
  const dir = mkdtempSync(join(root, `n${n}-`));
  const file = join(dir, "campaignctl.state.json");
  const doc = syntheticState(n, accounts);
  const single = Buffer.byteLength(serializeState(doc));
  const t0 = performance.now();
  await writeState(file, doc);
  const writeMs = performance.now() - t0;
  const files = [file, ...readdirSync(partsDirOf(file)).map((f) => join(partsDirOf(file), f))].map((f) => ({ f, size: statSync(f).size }));
  const largest = files.reduce((a, b) => (b.size > a.size ? b : a));
  const total = files.reduce((s, x) => s + x.size, 0);
  const t1 = performance.now();
  const back = await readState(file, catalog);
  const readMs = performance.now() - t1;
  if (Object.keys(back.campaigns).length !== n) throw new Error(`read back ${Object.keys(back.campaigns).length} campaigns, wrote ${n}`);
  process.stdout.write(
    `${String(n).padStart(7)} campaigns (account names: ${accounts}; each provider gets its share): one file would be ${mb(single)} (${(single / n / 1024).toFixed(2)} KB/campaign); ` +
      `split: ${files.length} files, largest ${mb(largest.size)} (${largest.f.slice(dir.length + 1)}), total ${mb(total)}; write ${writeMs.toFixed(0)} ms, read ${readMs.toFixed(0)} ms\n`,
  );
  rmSync(dir, { recursive: true, force: true });
}
if (arg("dir", "") === "") rmSync(root, { recursive: true, force: true });
