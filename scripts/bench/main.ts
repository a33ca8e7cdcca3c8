/**
 * `npm run bench` — the speed figures of DESIGN.md section 9 and issue 4:
 *   1. refresh: plan against the in-process sandbox with 1,000 Altur, 1,000 Puffle and 200 Extrovert
 *      campaigns, per provider: requests, 429s, detail GETs, wall time vs. requests ÷ requests-per-second;
 *   2. planner: 10,000 campaigns planned with no network, CPU time and memory; rendering;
 *   3. startup: the built CLI in fresh processes, `--help` and `validate` of 1,000 files, against their targets.
 * Tables on stdout, progress on stderr. Exit 0 unless something errors (a missed target is reported, not failed).
 */
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runPlannerBench, type Measure, type PlannerBenchResult } from "./planner.js";
import { runRefreshBench, type RefreshBenchResult } from "./refresh.js";
import { runStartupBench, type StartupBenchResult } from "./startup.js";
import { int, mb, millis, secs, table } from "./table.js";

const USAGE = `usage: npm run bench -- [--only refresh|planner|startup] [--rps N] [--scale F] [--planner-count N] [--planner-runs N] [--startup-runs N]

  --only refresh|planner|startup  run one benchmark (default: all, planner first)
  --rps N                 refresh at N requests/second on every provider, sandbox and client alike
                          (default: the documented limits, Extrovert 10/s, Puffle 10/s, Altur 12/s;
                          the default run takes about 100 s because Puffle needs ~1,000 detail reads)
  --scale F               refresh with F × (1,000 Altur, 1,000 Puffle, 200 Extrovert) campaigns (default 1)
  --planner-count N       campaigns for the planner benchmark (default 10,000)
  --planner-runs N        planner runs, each in a fresh process (a cold start is once per process);
                          the table shows the median run (default 5)
  --startup-runs N        fresh processes per startup figure; the median is compared with the target (default 7)
`;

/** plan on the bench scenario: at most this × the slowest provider's bound (requests ÷ limit). */
const PLAN_TARGET = 1.1;

const WALL_TARGET = 1.2;
const PLAN_CPU_TARGET_MS = 1000;
const MEMORY_TARGET_MB = 300;

const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
const out = (text: string): void => void process.stdout.write(text);

function positive(name: string, raw: string | undefined, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

class UsageError extends Error {}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const planningCpu = (r: PlannerBenchResult): number => r.planCold.cpuMs + r.sortSummary.cpuMs;
const spread = (xs: readonly number[], fmt: (n: number) => string): string =>
  `min ${fmt(Math.min(...xs))}, median ${fmt(median(xs))}, max ${fmt(Math.max(...xs))}`;

/** One planner run in a fresh process (this script with --planner-child); its result comes back as JSON on stdout. */
function plannerChild(count: number): Promise<PlannerBenchResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--planner-child", "--planner-count", String(count)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`planner run exited with ${code}`));
      try {
        resolve(JSON.parse(text) as PlannerBenchResult);
      } catch {
        reject(new Error(`planner run printed no result: ${text.slice(0, 200)}`));
      }
    });
  });
}

async function plannerRuns(count: number, runs: number): Promise<PlannerBenchResult[]> {
  const results: PlannerBenchResult[] = [];
  for (let k = 1; k <= runs; k++) {
    progress(`planner run ${k}/${runs}: ${int(count)} campaigns in a fresh process`);
    results.push(await plannerChild(count));
  }
  return results;
}

function printPlanner(runs: readonly PlannerBenchResult[]): void {
  // The run with the median cold planning CPU, shown whole so its figures belong together.
  const byCpu = [...runs].sort((a, b) => planningCpu(a) - planningCpu(b));
  const r = byCpu[Math.floor((byCpu.length - 1) / 2)]!;
  const mix = Object.entries(r.byProvider).map(([p, n]) => `${int(n)} ${p}`).join(", ");
  out(`\nPlanner — ${int(r.count)} campaigns (${mix}), no network; the median of ${runs.length} run${runs.length === 1 ? "" : "s"}, each in a fresh process\n\n`);
  const row = (label: string, m: Measure, output = ""): string[] => [label, millis(m.cpuMs), millis(m.wallMs), `${millis(m.gcMs)} (${m.gcCount})`, output];
  out(
    table(
      ["step", "CPU (process)", "wall", "GC pauses (count)", "output"],
      [
        row("build the inputs (setup, not planning)", r.build),
        row("planCampaign × all (cold, first run)", r.planCold),
        row("sort + summary", r.sortSummary),
        row("planCampaign × all (warm, best of 3)", r.planWarm),
        row("buildPlan (the real one, after warm-up)", r.buildPlanWarm),
        ...r.renders.map((x) => row(`render ${x.format}`, x, `${int(x.chars)} chars`)),
      ],
    ),
  );
  out(
    "\nCPU (process) counts every thread: V8 compiles and collects garbage on background threads, so it can exceed wall.\n" +
      "GC pauses are main-thread pauses, part of wall.\n",
  );
  const s = r.summary;
  out(`\nplan summary: ${s.create} create, ${s.update} update, ${s.transition} transition, ${s.replace} replace, ${s.noop} noop, ${s.orphan} orphan; ${s.blocked} with blocked changes\n`);
  const m = r.memory;
  out(
    `memory: baseline RSS ${mb(m.baselineRssMb)} (heap ${mb(m.baselineHeapMb)}); heap after planning ${mb(m.heapAfterPlanMb)}; ` +
      `peak RSS ${mb(m.peakRssPlanMb)} through planning, ${mb(m.peakRssMb)} including rendering; peak heap sampled ${mb(m.peakHeapMb)}\n`,
  );
  const cpu = runs.map(planningCpu);
  const wall = runs.map((x) => x.planCold.wallMs + x.sortSummary.wallMs);
  const rss = runs.map((x) => x.memory.peakRssMb);
  if (runs.length > 1) {
    out(`over ${runs.length} runs — cold planning (planCampaign × all + sort/summary): CPU ${spread(cpu, millis)}; wall ${spread(wall, millis)}; peak RSS ${spread(rss, mb)}\n`);
  }
  out(
    median(cpu) < PLAN_CPU_TARGET_MS
      ? `target met: cold planning CPU ${millis(median(cpu))} (median) < 1 s${Math.max(...cpu) >= PLAN_CPU_TARGET_MS ? `; the slowest run took ${millis(Math.max(...cpu))}` : ""}\n`
      : `TARGET MISSED: cold planning CPU ${millis(median(cpu))} (median) ≥ 1 s\n`,
  );
  out(
    Math.max(...rss) < MEMORY_TARGET_MB
      ? `target met: peak RSS ${mb(Math.max(...rss))} (worst run, whole process, rendering included) < ${MEMORY_TARGET_MB} MB\n`
      : `TARGET MISSED: peak RSS ${mb(Math.max(...rss))} (worst run, whole process, rendering included) ≥ ${MEMORY_TARGET_MB} MB\n`,
  );
}

function printStartup(r: StartupBenchResult): void {
  out(`\nStartup — the built CLI in fresh processes (wall per run; the machine's load counts too)\n\n`);
  out(
    table(
      ["command", "runs", "min", "median", "max", "target", "median/target"],
      r.figures.map((f) => [
        f.what,
        int(f.runs.length),
        millis(Math.min(...f.runs)),
        millis(median(f.runs)),
        millis(Math.max(...f.runs)),
        f.targetMs === undefined ? "-" : millis(f.targetMs),
        f.targetMs === undefined ? "-" : (median(f.runs) / f.targetMs).toFixed(2),
      ]),
    ),
  );
  for (const f of r.figures) {
    if (f.targetMs === undefined) continue;
    const m = median(f.runs);
    out(m <= f.targetMs ? `target met: ${f.what} ${millis(m)} (median) ≤ ${millis(f.targetMs)}\n` : `TARGET MISSED: ${f.what} ${millis(m)} (median) > ${millis(f.targetMs)}\n`);
  }
}

function printRefresh(r: RefreshBenchResult, rpsOverride: number | undefined): void {
  out(`\nRefresh — plan (read-only) against the in-process sandbox, ${rpsOverride === undefined ? "documented limits" : `limits raised to ${rpsOverride}/s with --rps`} on both sides\n\n`);
  const rows = r.figures.map((f) => {
    const ratio = f.requests === 0 ? "n/a" : (f.wallMs / f.boundMs).toFixed(3);
    return [
      f.provider,
      int(f.campaigns),
      `${f.requestsPerSecond}/s`,
      int(f.requests),
      int(f.retries),
      `${int(f.throttled)} / ${int(f.sandbox429)}`,
      int(f.listGets),
      `${int(f.detailGets)} (${int(f.detailGetsExpected)})`,
      int(f.otherGets),
      f.requests === 0 ? "-" : secs(f.wallMs),
      f.requests === 0 ? "-" : secs(f.boundMs),
      ratio,
    ];
  });
  out(table(["provider", "campaigns", "limit", "requests", "retries", "429 client/sandbox", "list GETs", "detail GETs (expected)", "other GETs", "wall", "bound", "wall/bound"], rows));
  out(
    `\nbound = requests ÷ limit. wall = first request start → last response, from the client's own events.\n` +
      `other GETs = Puffle's read-only GET …/validate before a planned launch. Extrovert has no read API: 0 requests.\n` +
      `plan total ${secs(r.planMs)}: ${secs(r.loadMs)} loading and validating the workspace and state, ` +
      `then the refresh, then ${millis(r.afterRefreshMs)} planning.\n`,
  );
  const s = r.summary;
  out(`plan summary: ${s.create} create, ${s.update} update, ${s.transition} transition, ${s.replace} replace, ${s.noop} noop, ${s.orphan} orphan; ${s.blocked} with blocked changes; ${r.errors.length} errors\n`);
  for (const e of r.errors.slice(0, 5)) out(`  plan error: ${e.address}: ${e.message}\n`);
  const slowest = r.figures.reduce((a, b) => (b.boundMs > a.boundMs ? b : a));
  if (slowest.boundMs > 0) {
    const ratio = r.planMs / slowest.boundMs;
    out(
      `${ratio <= PLAN_TARGET ? "target met" : "TARGET MISSED"}: plan total ${secs(r.planMs)} = ${ratio.toFixed(3)} × the slowest provider's bound ` +
        `(${slowest.provider} ${secs(slowest.boundMs)}), target ≤ ${PLAN_TARGET}\n`,
    );
  }
  for (const f of r.figures) {
    if (f.requests === 0) continue;
    const ratio = f.wallMs / f.boundMs;
    const problems = [
      ...(ratio > WALL_TARGET ? [`wall/bound ${ratio.toFixed(3)} > ${WALL_TARGET}`] : []),
      ...(f.throttled + f.sandbox429 > 0 ? [`${f.throttled} 429s seen by the client, ${f.sandbox429} in the sandbox log`] : []),
      ...(f.detailGets !== f.detailGetsExpected ? [`${f.detailGets} detail GETs where ${f.detailGetsExpected} were expected`] : []),
    ];
    out(problems.length === 0 ? `target met: ${f.provider} wall/bound ${ratio.toFixed(3)} ≤ ${WALL_TARGET}, no 429s\n` : `TARGET MISSED: ${f.provider}: ${problems.join("; ")}\n`);
  }
}

async function run(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: "string" },
        rps: { type: "string" },
        scale: { type: "string" },
        "planner-count": { type: "string" },
        "planner-runs": { type: "string" },
        "startup-runs": { type: "string" },
        "planner-child": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  let rps: number | undefined;
  let scale: number;
  let plannerCount: number;
  let plannerRunCount: number;
  let startupRunCount: number;
  try {
    if (values.only !== undefined && !["refresh", "planner", "startup"].includes(values.only)) throw new UsageError(`--only must be refresh, planner or startup, got ${JSON.stringify(values.only)}`);
    rps = positive("rps", values.rps, undefined);
    scale = positive("scale", values.scale, 1)!;
    plannerCount = Math.round(positive("planner-count", values["planner-count"], 10_000)!);
    plannerRunCount = Math.round(positive("planner-runs", values["planner-runs"], 5)!);
    startupRunCount = Math.round(positive("startup-runs", values["startup-runs"], 7)!);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n${USAGE}`);
      return 1;
    }
    throw err;
  }

  if (values["planner-child"]) {
    out(JSON.stringify(await runPlannerBench(plannerCount, () => {})));
    return 0;
  }
  out(`campaignctl benchmarks — Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), ${new Date().toISOString()}\n`);
  // The planner first: its memory figures then describe a fresh process, not one that also ran a sandbox.
  const runs = (which: string): boolean => values.only === undefined || values.only === which;
  if (runs("planner")) printPlanner(await plannerRuns(plannerCount, plannerRunCount));
  if (runs("startup")) printStartup(await runStartupBench(startupRunCount, progress));
  if (runs("refresh")) printRefresh(await runRefreshBench({ scale, ...(rps === undefined ? {} : { rps }), progress }), rps);
  return 0;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
