/**
 * Scale benchmark (issue 30): `campaignctl plan`, `drift` and `apply` as a user runs them (the built CLI, a fresh process per
 * run) on workspaces of 10,000 / 30,000 / 100,000 campaigns (45 % Altur, 45 % Puffle, 10 % Extrovert;
 * the refresh scenario's mix of changes, blocked edits and adoptions; every Extrovert campaign refers
 * to the same style, context and topic ids). Limits are raised on both sides (pacing is not what is
 * measured here), so the figures are:
 *   - post-response time: the child's last HTTP response line (--verbose on stderr, timestamped as it
 *     arrives) → the child's exit; planning, rendering and writing the whole plan;
 *   - its growth exponent between counts: log(t₂ / t₁) / log(n₂ / n₁) (1 = linear);
 *   - peak RSS of the child (process.resourceUsage().maxRSS in an exit hook).
 * plan (text and json) and drift run on one seeded workspace (they only read); apply (--auto-approve
 * --force, text) on a freshly seeded one, since it changes the sandbox.
 * Each account keeps the concurrency its documented limit gives (as the rss bench: requests in flight,
 * not pacing, are what memory depends on); BENCH_SCALE_CONCURRENCY=raised gives them what the raised
 * limit gives instead (1,000 requests in flight per account), as this bench did before.
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { SIMULATED as PROVIDERS } from "../../src/sandbox/types.js";
import { documentedConcurrency, mix, prepareScenario, RESPONSE_LINE, type PreparedScenario } from "./refresh.js";

export interface ScaleFigure {
  count: number;
  /** What was run, e.g. "plan --format text" (the growth exponent compares runs of the same one). */
  format: string;
  exitCode: number;
  responses: number;
  /** Child start → exit. */
  wallMs: number;
  /** Last response line → exit. */
  afterResponsesMs: number;
  peakRssMb: number;
}

export interface ScaleBenchOptions {
  counts: readonly number[];
  rps: number;
  /** Output formats of `plan` measured per count (default text and json). */
  formats?: readonly string[];
  /** Also measure `drift --format text` and `apply --auto-approve --force --format text` (default true). */
  driftAndApply?: boolean;
  progress: (line: string) => void;
}

const PROBE = `import { writeFileSync } from "node:fs";
process.on("exit", () => writeFileSync(process.env.CAMPAIGNCTL_BENCH_RSS_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })));
`;

/** log(t₂ / t₁) / log(n₂ / n₁): 1 when time grows in proportion to the count. */
export function growthExponent(n1: number, t1: number, n2: number, t2: number): number {
  return Math.log(t2 / t1) / Math.log(n2 / n1);
}

function planChild(s: PreparedScenario, probe: string, format: string, count: number): Promise<ScaleFigure> {
  return commandChild(s, probe, ["plan", "--verbose", "--format", format], count);
}

function commandChild(s: PreparedScenario, probe: string, args: readonly string[], count: number): Promise<ScaleFigure> {
  const label = args.filter((a) => a !== "--verbose").join(" ");
  const rssFile = join(s.dir, ".rss.json");
  const env = { ...process.env, ...Object.fromEntries(PROVIDERS.map((p) => [`${p.toUpperCase()}_API_KEY`, "sandbox"])), CAMPAIGNCTL_BENCH_RSS_FILE: rssFile, NO_COLOR: "1" };
  const bin = join(process.cwd(), "bin", "campaignctl.js");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", pathToFileURL(probe).href, bin, ...args], { cwd: s.dir, env, stdio: ["ignore", "pipe", "pipe"] });
    // The output is read and dropped (only its tail is kept, for a failure's message).
    let outTail = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (outTail = (outTail + chunk).slice(-1500)));
    let buffer = "";
    let tail = "";
    const errors: string[] = [];
    let responses = 0;
    let lastResponse = started;
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      const now = performance.now();
      buffer += chunk;
      tail = (tail + chunk).slice(-2000);
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        if (RESPONSE_LINE.test(line)) {
          responses++;
          lastResponse = now;
        } else if (/\berror\b/.test(line) && errors.length < 10) errors.push(line);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf("\n");
      }
    });
    child.on("error", reject);
    child.on("close", async (code) => {
      const ended = performance.now();
      try {
        const { maxRssKb } = JSON.parse(await readFile(rssFile, "utf8")) as { maxRssKb: number };
        await rm(rssFile, { force: true });
        if (code === 1 || code === null) return reject(new Error(`campaignctl ${args.join(" ")} exited with ${code}: ${errors.join("\n")}\n${tail.slice(-600)}\nstdout: …${outTail}`));
        resolve({ count, format: label, exitCode: code, responses, wallMs: ended - started, afterResponsesMs: ended - lastResponse, peakRssMb: maxRssKb / 1024 });
      } catch (err) {
        reject(new Error(`campaignctl ${args.join(" ")} (exit ${code}) reported no RSS: ${(err as Error).message}; ${tail.slice(-600)}`));
      }
    });
  });
}

/** Whether the scale bench lets each account have as many requests in flight as its raised limit gives. */
export function raisedConcurrency(): boolean {
  return process.env.BENCH_SCALE_CONCURRENCY === "raised";
}

export async function runScaleBench(opts: ScaleBenchOptions): Promise<ScaleFigure[]> {
  const figures: ScaleFigure[] = [];
  const concurrency = raisedConcurrency() ? undefined : documentedConcurrency();
  for (const count of opts.counts) {
    const s = await prepareScenario(mix(count), opts.rps, opts.progress, concurrency);
    try {
      const probe = join(s.dir, ".rss-probe.mjs");
      await writeFile(probe, PROBE);
      for (const format of opts.formats ?? ["text", "json"]) {
        opts.progress(`scale: campaignctl plan --format ${format} (${count.toLocaleString("en-US")} campaigns, fresh process)`);
        figures.push(await planChild(s, probe, format, count));
      }
      if (opts.driftAndApply !== false) {
        opts.progress(`scale: campaignctl drift --format text (${count.toLocaleString("en-US")} campaigns, fresh process)`);
        figures.push(await commandChild(s, probe, ["drift", "--verbose", "--format", "text"], count));
      }
    } finally {
      await s.sandbox.stop();
      await rm(s.dir, { recursive: true, force: true });
    }
    if (opts.driftAndApply === false) continue;
    const a = await prepareScenario(mix(count), opts.rps, opts.progress, concurrency);
    try {
      const probe = join(a.dir, ".rss-probe.mjs");
      await writeFile(probe, PROBE);
      opts.progress(`scale: campaignctl apply --auto-approve --force --format text (${count.toLocaleString("en-US")} campaigns, fresh scenario and process)`);
      figures.push(await commandChild(a, probe, ["apply", "--verbose", "--auto-approve", "--force", "--format", "text"], count));
    } finally {
      await a.sandbox.stop();
      await rm(a.dir, { recursive: true, force: true });
    }
  }
  return figures;
}
