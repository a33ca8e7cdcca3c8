/**
 * Many-accounts benchmark (issue 30): N Altur accounts × M campaigns each, one campaignctl workspace
 * holding them all. `plan` (the refresh), then `apply` of one list-only field (`retries`) edited on every
 * campaign.
 *
 * Fair by construction: the N sandboxes live in a process of their own (accounts-sandboxes.ts), and the
 * CLI under test runs as a user runs it — `node bin/campaignctl.js …` on the built dist/, one process,
 * no --verbose — timed by /usr/bin/time for its CPU (user + system) and peak RSS.
 *
 * The bound. Each account has its own key and so its own documented limit (12 requests/s,
 * src/providers/altur/README.md §2). The least an account's work can take is its minimum requests ÷ that pace:
 *   plan:  P = ⌈M / 100⌉ list pages (one walk of GET /campaigns, pageSize 100);
 *   apply: P (the refresh) + M PATCHes + P (one list walk verifying the whole batch: `retries` is only
 *          in the list item, src/providers/altur/README.md §3) = M + 2P.
 * Every account has M campaigns, so the largest account bound is (M + 2P) / 12 s for apply and P / 12 s
 * for plan. The target compares the requests window (first request arriving at any sandbox → the last one)
 * with it, as the team's refresh and apply benches compare each provider's first request → last response
 * with its pacing bound: that is the part the providers' limits govern. The CLI's whole wall time (spawn →
 * exit: node start-up, reading 12,000 files and the state, planning, writing the state) is printed beside
 * it, as are the requests each account received against its minimum, when the last account started writing
 * and the longest pause between two writes of one account.
 */
import { spawn, fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import type { JsonObject } from "../../src/core/json.js";
import type { StateEntry } from "../../src/core/types.js";
import { providerById } from "../../src/providers/registry.js";
import type { AccountLog, HostAnswer, HostRequest } from "./accounts-sandboxes.js";
import { alturSpec } from "./fixtures.js";

/** Altur's campaigns list page size the client asks for (pageSize=100, the documented maximum of the other listings). */
const LIST_PAGE = 100;

export interface AccountsPhase {
  phase: "plan" | "apply" | "floor";
  exitCode: number;
  /** Spawn → exit of the CLI process. */
  wallMs: number;
  /** First request at any sandbox → last request at any sandbox. */
  windowMs: number;
  /** First request at any sandbox → the first write of the account that wrote last (its refresh, planning and start). */
  lastStartMs: number;
  /** The longest gap between two writes of one account, over all accounts (ms). */
  longestWriteGapMs: number;
  accounts: number;
  requests: number;
  /** The documented minimum requests of one account for this command, and that ÷ the limit. */
  minimumPerAccount: number;
  boundMs: number;
  /** Requests per account (fewest, most). */
  perAccount: [number, number];
  detailGets: number;
  listGets: number;
  writes: number;
  throttled: number;
  /** The CLI process: user + system CPU, and its peak RSS, from /usr/bin/time. */
  cpuMs: number;
  peakRssMb: number;
  summary: string;
  /** Floor and plan run several times (BENCH_ACCOUNTS_PLAN_RUNS): every run's window (ms), in run order; the phase is the median run. */
  windowsMs?: number[];
}

export interface AccountsBenchOptions {
  accounts: number;
  perAccount: number;
  /** The CLI to run (default bin/campaignctl.js of the repository the bench runs from). */
  bin?: string;
  progress: (line: string) => void;
}

const API_KEY = "sandbox";

function accountName(a: number): string {
  return `acct-${String(a).padStart(2, "0")}`;
}

/** One request/answer over the sandbox host's IPC channel. */
function ask(host: ChildProcess, msg: HostRequest): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`accounts: the sandbox host exited (${String(code)})`));
    host.once("exit", onExit);
    host.once("message", (answer: HostAnswer) => {
      host.off("exit", onExit);
      if (answer.op === "error") reject(new Error(`accounts: sandbox host: ${answer.message}`));
      else resolve(answer);
    });
    host.send(msg);
  });
}

/** GET a JSON page over a keep-alive connection. */
function getJson(agent: Agent, url: URL, apiKey: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent, headers: { authorization: `api-key ${apiKey}`, accept: "application/json" } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(parts).toString("utf8")));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** One account's campaign list, page by page (pageSize 100, next_cursor), each start `intervalMs` after the last. */
async function bareWalk(baseUrl: string, apiKey: string, intervalMs: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let cursor: string | undefined;
    let lastStart = Number.NEGATIVE_INFINITY;
    for (;;) {
      const wait = lastStart + intervalMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastStart = performance.now();
      const url = new URL(`${baseUrl}/campaigns`);
      url.searchParams.set("pageSize", "100");
      if (cursor) url.searchParams.set("cursor", cursor);
      const page = (await getJson(agent, url, apiKey)) as { pagination?: { has_next?: boolean; next_cursor?: string } };
      if (!page.pagination?.has_next || !page.pagination.next_cursor) return;
      cursor = page.pagination.next_cursor;
    }
  } finally {
    agent.destroy();
  }
}

/** The run whose window is the median (the lower middle of an even count), with every run's window. */
function medianRun(runs: readonly AccountsPhase[]): AccountsPhase {
  const sorted = [...runs].sort((a, b) => a.windowMs - b.windowMs);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as AccountsPhase;
  return { ...middle, windowsMs: runs.map((r) => r.windowMs) };
}

/** Run the built CLI in its own process under /usr/bin/time; stdout's tail kept for the summary line. */
function runCli(dir: string, argv: readonly string[], bin = join(process.cwd(), "bin", "campaignctl.js")): Promise<{ exitCode: number; wallMs: number; cpuMs: number; peakRssMb: number; stdout: string; stderr: string }> {
  if (!existsSync(bin)) throw new Error(`accounts: ${bin} not found (run the bench from the repository root)`);
  const timeFile = join(dir, ".time");
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // BENCH_CLI_NODE_FLAGS: node flags for the CLI under test, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const flags = (process.env.BENCH_CLI_NODE_FLAGS ?? "").split(/\s+/).filter((f) => f !== "");
    const child = spawn("/usr/bin/time", ["-o", timeFile, "-f", "%U %S %M", process.execPath, ...flags, bin, ...argv], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir, ALTUR_API_KEY: API_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4000)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - started;
      readFile(timeFile, "utf8").then((t) => {
        const [user, sys, rssKb] = t.trim().split("\n").at(-1)!.split(" ").map(Number);
        resolve({ exitCode: code ?? 1, wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000, peakRssMb: (rssKb ?? 0) / 1024, stdout, stderr });
      }, reject);
    });
  });
}

export async function runAccountsBench(opts: AccountsBenchOptions): Promise<AccountsPhase[]> {
  const limit = providerById("altur").connection.defaultRequestsPerSecond;
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-accounts-"));
  // BENCH_HOST_NODE_FLAGS: node flags for the sandbox host, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const hostFlags = (process.env.BENCH_HOST_NODE_FLAGS ?? "").split(/\s+/).filter((f) => f !== "");
  const host = fork(new URL("./accounts-sandboxes.js", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: hostFlags });
  try {
    opts.progress(`accounts: ${opts.accounts} Altur accounts × ${opts.perAccount} campaigns, each its own sandbox at ${limit}/s (sandboxes in process ${host.pid})`);
    const seeded = await ask(host, { op: "seed", accounts: opts.accounts, perAccount: opts.perAccount });
    if (seeded.op !== "seeded") throw new Error("accounts: the sandbox host did not seed");
    const campaigns: Record<string, StateEntry> = {};
    const appliedAt = new Date().toISOString();
    await mkdir(join(dir, "campaigns"), { recursive: true });
    const specs: { name: string; account: string; spec: JsonObject }[] = [];
    for (let a = 0; a < opts.accounts; a++) {
      const account = accountName(a);
      for (let i = 0; i < opts.perAccount; i++) {
        const spec = alturSpec(i);
        const name = `${account}-c${String(i).padStart(4, "0")}`;
        campaigns[`altur/${account}/${name}`] = { provider: "altur", account, kind: "AlturCampaign", id: seeded.ids[a]![i]!, appliedAt, applied: spec, observed: { status: spec.status as string } };
        specs.push({ account, name, spec });
      }
    }
    await writeFile(
      join(dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: seeded.urls.map((url, a) => ({ provider: "altur", name: accountName(a), apiKeyEnv: "ALTUR_API_KEY", baseUrl: url })) }),
    );
    await writeFile(join(dir, "campaignctl.state.json"), `${JSON.stringify({ version: 1, campaigns }, null, 2)}\n`);
    // The edited files: one list-only field changed on every campaign.
    for (let k = 0; k < specs.length; k += 200) {
      await Promise.all(
        specs.slice(k, k + 200).map(({ account, name, spec }) =>
          writeFile(
            join(dir, "campaigns", `${name}.yaml`),
            stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name, account }, spec: { ...spec, retries: (((spec.retries as number) ?? 0) + 1) % 6 } }),
          ),
        ),
      );
    }

    const pages = Math.max(1, Math.ceil(opts.perAccount / LIST_PAGE));
    const minimum = { plan: pages, apply: opts.perAccount + 2 * pages };
    const phases: AccountsPhase[] = [];
    const measure = async (phase: "plan" | "apply", argv: string[]): Promise<AccountsPhase> => {
      await ask(host, { op: "reset" });
      opts.progress(`accounts: campaignctl ${argv.join(" ")}`);
      const r = await runCli(dir, argv, opts.bin);
      const logs = await ask(host, { op: "logs" });
      if (logs.op !== "logs") throw new Error("accounts: no request logs");
      const accts: AccountLog[] = logs.accounts;
      if (process.env.BENCH_ACCOUNTS_TIMELINE) await writeFile(`${process.env.BENCH_ACCOUNTS_TIMELINE}.${phase}.json`, JSON.stringify(accts.map((a) => a.timeline)));
      const sum = (f: (a: AccountLog) => number) => accts.reduce((s, a) => s + f(a), 0);
      const used = accts.filter((a) => a.requests > 0);
      const summary = /(Apply (?:finished|interrupted): [^\n]*|Plan: [^\n]*|No changes[^\n]*)/.exec(r.stdout)?.[0] ?? `(no summary line; stderr: ${r.stderr.trim().split("\n").at(-1) ?? ""})`;
      const figures: AccountsPhase = {
        phase,
        exitCode: r.exitCode,
        wallMs: r.wallMs,
        windowMs: used.length > 0 ? Math.max(...used.map((a) => a.lastAt)) - Math.min(...used.map((a) => a.firstAt)) : 0,
        lastStartMs: used.some((a) => a.firstWriteAt > 0) ? Math.max(...used.map((a) => a.firstWriteAt)) - Math.min(...used.map((a) => a.firstAt)) : 0,
        longestWriteGapMs: Math.max(0, ...used.map((a) => a.longestWriteGapMs)),
        accounts: opts.accounts,
        requests: sum((a) => a.requests),
        minimumPerAccount: minimum[phase],
        boundMs: (minimum[phase] / limit) * 1000,
        perAccount: [Math.min(...accts.map((a) => a.requests)), Math.max(...accts.map((a) => a.requests))],
        detailGets: sum((a) => a.detailGets),
        listGets: sum((a) => a.listGets),
        writes: sum((a) => a.writes),
        throttled: sum((a) => a.throttled),
        cpuMs: r.cpuMs,
        peakRssMb: r.peakRssMb,
        summary,
      };
      opts.progress(`  exit ${r.exitCode} in ${(r.wallMs / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s): ${summary}`);
      return figures;
    };
    // The floor of this harness: the refresh's requests from a bare node:http walker (no campaignctl), paced
    // as campaignctl paces (1/limit apart per account), every account at once. The 60 sandboxes share one
    // process, whose serving of the pages shows here too; campaignctl's plan is compared with it.
    const floor = async (): Promise<AccountsPhase> => {
      await ask(host, { op: "reset" });
      opts.progress("accounts: floor (a bare node:http walk of every account's list, paced at the limit)");
      const started = performance.now();
      await Promise.all(seeded.urls.map((url) => bareWalk(url, API_KEY, 1000 / limit)));
      const logs = await ask(host, { op: "logs" });
      if (logs.op !== "logs") throw new Error("accounts: no request logs");
      const used = logs.accounts.filter((a) => a.requests > 0);
      if (process.env.BENCH_ACCOUNTS_TIMELINE) await writeFile(`${process.env.BENCH_ACCOUNTS_TIMELINE}.floor.json`, JSON.stringify(logs.accounts.map((a) => a.timeline)));
      return {
        phase: "floor",
        exitCode: 0,
        wallMs: performance.now() - started,
        windowMs: Math.max(...used.map((a) => a.lastAt)) - Math.min(...used.map((a) => a.firstAt)),
        lastStartMs: 0,
        longestWriteGapMs: 0,
        accounts: opts.accounts,
        requests: used.reduce((n, a) => n + a.requests, 0),
        minimumPerAccount: pages,
        boundMs: (pages / limit) * 1000,
        perAccount: [Math.min(...logs.accounts.map((a) => a.requests)), Math.max(...logs.accounts.map((a) => a.requests))],
        detailGets: 0,
        listGets: used.reduce((n, a) => n + a.listGets, 0),
        writes: 0,
        throttled: used.reduce((n, a) => n + a.throttled, 0),
        cpuMs: 0,
        peakRssMb: 0,
        summary: "(bare node:http walk)",
      };
    };
    // The refresh's window is two requests long (0.17 s): one hiccup of a shared 2-core machine moves it by a
    // fifth. Floor and plan run in turn several times and the median run of each is the figure.
    const runs = Math.max(1, Math.round(Number(process.env.BENCH_ACCOUNTS_PLAN_RUNS ?? 3)) || 1);
    const floors: AccountsPhase[] = [];
    const plans: AccountsPhase[] = [];
    for (let i = 0; i < runs; i++) {
      floors.push(await floor());
      plans.push(await measure("plan", ["plan"]));
    }
    phases.push(medianRun(floors), medianRun(plans));
    phases.push(await measure("apply", ["apply", "--auto-approve", "--force"]));
    return phases;
  } finally {
    if (host.connected) host.send({ op: "stop" } satisfies HostRequest);
    await new Promise((resolve) => (host.exitCode !== null ? resolve(undefined) : host.once("exit", resolve)));
    await rm(dir, { recursive: true, force: true });
  }
}
