/**
 * `npx tsx scripts/bench/shards.ts [--count N] [--campaigns N] [--runs N]` (after `npm run build`): the time
 * to list the shards of a synthetic repository (docs/design.md §18) with the built CLI in fresh processes, as a
 * workflow's matrix job runs it. N shards (default 200) in a real git repository, each with its config and
 * `--campaigns` Puffle campaigns (default 2); every tenth shard's campaigns use one shared audience file. A
 * commit touches 3 shards; `shards` and `shards --changed HEAD~1` are timed (median of --runs), and the
 * listed counts are checked (exactly 3; then the shared file: every tenth shard). Figures on stdout.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { millis, table } from "./table.js";

const { values } = parseArgs({ options: { count: { type: "string" }, campaigns: { type: "string" }, runs: { type: "string" } } });
const count = Number(values.count ?? 200);
const perShard = Number(values.campaigns ?? 2);
const runs = Number(values.runs ?? 5);
const bin = join(process.cwd(), "bin", "campaignctl.js");
const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@example.invalid", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@example.invalid" };

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
const write = (root: string, file: string, text: string) => {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
};

const template = readFileSync(join(process.cwd(), "campaigns/puffle/email-renewal-nudge.yaml"), "utf8");
const csv = readFileSync(join(process.cwd(), "campaigns/audiences/renewal-nudge.csv"), "utf8");
const config = "apiVersion: campaignctl/v1\nallowOutsideWorkspace: true\naccounts:\n  - provider: puffle\n    name: default\n    apiKeyEnv: PUFFLE_API_KEY\n";
const shardDir = (i: number) => `clients/c${String(i).padStart(4, "0")}`;

function timed(args: readonly string[], cwd: string): { ms: number; doc: { count: number; total: number; batches: unknown[] } } {
  const start = performance.now();
  const res = spawnSync(process.execPath, [bin, ...args, "--format", "json"], { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`shards ${args.join(" ")} exited with ${res.status}: ${res.stderr.slice(0, 300)}`);
  const doc = JSON.parse(res.stdout) as { count: number; total: number; batches: unknown[]; diagnostics: { message: string }[] };
  if (doc.diagnostics.length > 0) process.stderr.write(`bench: ${doc.diagnostics.length} diagnostic(s), first: ${doc.diagnostics[0]!.message}\n`);
  return { ms, doc };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const root = mkdtempSync(join(tmpdir(), "campaignctl-bench-shards-"));
try {
  process.stderr.write(`bench: writing ${count} shards × ${perShard} campaigns in ${root}\n`);
  git(root, "init", "--quiet", "-b", "main");
  write(root, "shared/audiences/renewal.csv", csv);
  for (let i = 0; i < count; i++) {
    const dir = shardDir(i);
    write(root, `${dir}/campaignctl.yaml`, config);
    for (let c = 0; c < perShard; c++) {
      const named = template.replace("name: email-renewal-nudge", `name: c${i}-n${c}`).replace("Renewal nudge - Q3 expiring plans", `Renewal nudge ${c}`);
      const text = i % 10 === 0 ? named.replace("[../audiences/renewal-nudge.csv]", "[../../../shared/audiences/renewal.csv]") : named.replace(/\naudience:.*(\n[ #].*)*\n?$/, "\n");
      write(root, `${dir}/campaigns/n${c}.yaml`, text);
    }
  }
  git(root, "add", "-A");
  git(root, "commit", "--quiet", "-m", "shards");
  const touched = [1, Math.floor(count / 2) + 1, count - 1];
  for (const i of touched) {
    const file = join(root, shardDir(i), "campaigns/n0.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("daily_limit: 40", "daily_limit: 41"));
  }
  git(root, "add", "-A");
  git(root, "commit", "--quiet", "-m", "three shards");

  const rows: string[][] = [];
  const measure = (what: string, args: string[], expected: number) => {
    const times: number[] = [];
    let listed = 0;
    for (let r = 0; r < runs; r++) {
      const { ms, doc } = timed(args, root);
      times.push(ms);
      listed = doc.count;
      if (doc.total !== count) throw new Error(`expected ${count} shards in all, got ${doc.total}`);
    }
    if (listed !== expected) throw new Error(`${what}: expected ${expected} shards listed, got ${listed}`);
    rows.push([what, String(listed), millis(median(times)), millis(Math.min(...times)), millis(Math.max(...times))]);
  };
  measure("shards", ["shards"], count);
  measure("shards --changed HEAD~1 (3 shards touched)", ["shards", "--changed", "HEAD~1"], 3);
  writeFileSync(join(root, "shared/audiences/renewal.csv"), `${csv.trimEnd()}\nlate.row@example.com,Late,2027-01-01\n`);
  measure("shards --changed HEAD (shared audience edited)", ["shards", "--changed", "HEAD"], Math.ceil(count / 10));
  process.stdout.write(`\nshards: ${count} shards × ${perShard} campaigns, built CLI in fresh processes, ${runs} runs each\n`);
  process.stdout.write(table(["command", "listed", "median", "min", "max"], rows));
} finally {
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
}
