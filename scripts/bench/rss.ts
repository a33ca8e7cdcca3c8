/**
 * Peak-memory benchmark: the built CLI (`bin/campaignctl.js`) run as a user runs it, one fresh process
 * per command and output format, against the in-process sandbox holding 10,000 campaigns (4,500 Altur,
 * 4,500 Puffle, 1,000 Extrovert; the refresh scenario's mix of changes, blocked edits and adoptions).
 * Each child reports its own peak RSS (`process.resourceUsage().maxRSS`, read in an `exit` hook loaded
 * with `--import`), so no external `time -v` is needed. Limits are raised on both sides, with each
 * account's concurrency kept at what its documented limit gives (requests in flight, not pacing, are
 * what memory depends on); every apply gets a freshly seeded scenario, since an apply changes it.
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SIMULATED as PROVIDERS } from "../../src/sandbox/types.js";
import { documentedConcurrency, mix, prepareScenario, type PreparedScenario } from "./refresh.js";

export interface RssFigure {
  command: string;
  exitCode: number;
  peakRssMb: number;
  wallMs: number;
}

export interface RssBenchOptions {
  count: number;
  rps: number;
  /** Which commands to measure (default all: plan, drift, apply). */
  commands?: readonly string[];
  progress: (line: string) => void;
}

const PROBE = `import { writeFileSync } from "node:fs";
process.on("exit", () => writeFileSync(process.env.CAMPAIGNCTL_BENCH_RSS_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })));
`;

function runChild(s: PreparedScenario, probe: string, args: readonly string[]): Promise<RssFigure> {
  const rssFile = join(s.dir, ".rss.json");
  const env = { ...process.env, ...Object.fromEntries(PROVIDERS.map((p) => [`${p.toUpperCase()}_API_KEY`, "sandbox"])), CAMPAIGNCTL_BENCH_RSS_FILE: rssFile, NO_COLOR: "1" };
  const bin = join(process.cwd(), "bin", "campaignctl.js");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // stdout to /dev/null: the output is rendered and written in full, not kept.
    // BENCH_CHILD_FLAGS adds node flags to each measured child, e.g. "--heap-prof --heap-prof-dir=/tmp/heap".
    const flags = (process.env.BENCH_CHILD_FLAGS ?? "").split(/\s+/).filter((f) => f !== "");
    const child = spawn(process.execPath, [...flags, "--import", pathToFileURL(probe).href, bin, ...args], { cwd: s.dir, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-2000)));
    child.on("error", reject);
    child.on("close", async (code) => {
      const wallMs = performance.now() - started;
      try {
        const { maxRssKb } = JSON.parse(await readFile(rssFile, "utf8")) as { maxRssKb: number };
        await rm(rssFile, { force: true });
        // plan/drift/apply exit 0, 2 or 3 on success (changes, drift, blocked); 1 is a failure.
        if (code === 1 || code === null) return reject(new Error(`campaignctl ${args.join(" ")} exited with ${code}: ${stderr.slice(-600)}`));
        resolve({ command: `campaignctl ${args.join(" ")}`, exitCode: code, peakRssMb: maxRssKb / 1024, wallMs });
      } catch (err) {
        reject(new Error(`campaignctl ${args.join(" ")} (exit ${code}) reported no RSS: ${(err as Error).message}; ${stderr.slice(-600)}`));
      }
    });
  });
}

export async function runRssBench(opts: RssBenchOptions): Promise<RssFigure[]> {
  const counts = mix(opts.count);
  const readOnly: string[][] = [
    ["plan", "--format", "text"],
    ["plan", "--format", "json"],
    ["plan", "--format", "markdown"],
    ["plan", "--format", "json", "--out", "plan.json"],
    ["plan", "--format", "text", "--out", "plan.json"],
    ["drift", "--format", "text"],
    ["drift", "--format", "json"],
    ["drift", "--format", "markdown"],
    ["drift", "--format", "json", "--out", "drift.json"],
  ];
  const applies: string[][] = [
    ["apply", "--auto-approve", "--force", "--format", "text"],
    ["apply", "--auto-approve", "--force", "--format", "json"],
  ];
  const concurrency = documentedConcurrency();
  const wanted = (args: readonly string[]): boolean => opts.commands === undefined || opts.commands.includes(args[0]!);
  const figures: RssFigure[] = [];
  const withScenario = async (fn: (s: PreparedScenario, probe: string) => Promise<void>): Promise<void> => {
    const s = await prepareScenario(counts, opts.rps, opts.progress, concurrency);
    try {
      const probe = join(s.dir, ".rss-probe.mjs");
      await writeFile(probe, PROBE);
      await fn(s, probe);
    } finally {
      await s.sandbox.stop();
      await rm(s.dir, { recursive: true, force: true });
    }
  };
  if (readOnly.some(wanted)) await withScenario(async (s, probe) => {
    for (const args of readOnly.filter(wanted)) {
      opts.progress(`rss: campaignctl ${args.join(" ")} (${opts.count.toLocaleString("en-US")} campaigns, fresh process)`);
      figures.push(await runChild(s, probe, args));
    }
  });
  for (const args of applies.filter(wanted)) {
    await withScenario(async (s, probe) => {
      opts.progress(`rss: campaignctl ${args.join(" ")} (${opts.count.toLocaleString("en-US")} campaigns, fresh scenario and process)`);
      figures.push(await runChild(s, probe, args));
    });
  }
  return figures;
}
