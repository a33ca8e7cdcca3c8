/**
 * Apply benchmark: the real `campaignctl apply --auto-approve` (main(), in-process) against the
 * in-process sandbox at the documented limits: first 200 creates per provider, then 200 updates per
 * provider (one editable field each), optionally with 10,000 more campaigns already in state so that
 * the cost of persisting state shows. The state store (journal appends, the final compaction, the
 * initial read) is timed by wrapping StateStore's methods; nothing else is changed.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import type { JsonObject } from "../../src/core/json.js";
import type { StateEntry } from "../../src/core/types.js";
import { SIMULATED as PROVIDERS, type SimulatedProvider } from "../../src/sandbox/types.js";
import { kindModuleOf, providerById } from "../../src/providers/registry.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";
import { StateStore } from "../../src/state/journal.js";
import { alturSpec, extrovertSpec, fileName, puffleSpec } from "./fixtures.js";
import { control, EventSink, requestLog } from "./refresh.js";

/** The primary kind of each simulated provider (what these benchmarks create). */
const KINDS = { extrovert: "ExtrovertCampaign", puffle: "PuffleCampaign", altur: "AlturCampaign" } as const satisfies Record<SimulatedProvider, string>;

export interface ApplyBenchOptions {
  /** Campaigns created, then updated, per provider (default 200). */
  perProvider: number;
  /** Extra campaigns already in state (Extrovert, not declared: orphans that apply leaves alone). */
  stateSizes: readonly number[];
  rps?: number;
  progress: (line: string) => void;
}

export interface AccountFigures {
  provider: SimulatedProvider;
  requestsPerSecond: number;
  /** Requests the sandbox received from this account (its request log). */
  requests: number;
  /** 429s in the sandbox log. */
  throttled: number;
  /** Requests by method and path shape (ids replaced by {id}), most frequent first. */
  byKind: [string, number][];
  /** First request start → last response of this account, from the client's verbose events. */
  wallMs: number;
  boundMs: number;
}

export interface StateTimings {
  /** StateStore.open: read and parse the state file (and replay a journal). */
  openMs: number;
  /** Journal appends (one fsynced line each): count, total and slowest. */
  appends: number;
  appendTotalMs: number;
  appendMaxMs: number;
  /** The one atomic state write at the end (compact). */
  compactMs: number;
  stateBytes: number;
}

export interface ApplyPhaseResult {
  stateSize: number;
  phase: "create" | "update";
  exitCode: number;
  /** main() from call to return: loading and validating, the lock, state, refresh, apply, final write. */
  wallMs: number;
  accounts: AccountFigures[];
  state: StateTimings;
  summary: string;
  stderrTail: string[];
}

const ACCOUNT = "default";
const API_KEY = "sandbox";

/** The phase's spec of the i-th campaign. Puffle files leave status out: a launch needs prospects, which are not part of this bench. */
function specOf(provider: SimulatedProvider, i: number, phase: "create" | "update"): JsonObject {
  if (provider === "altur") {
    const s = alturSpec(i);
    return phase === "update" ? { ...s, retries: ((s.retries as number) + 1) % 6 } : s;
  }
  if (provider === "puffle") {
    const { status: _status, ...s } = puffleSpec(i);
    if (phase === "create") return s;
    return s.type === "email" ? { ...s, daily_limit: (s.daily_limit as number) + 1 } : { ...s, skip_other_campaigns: !(s.skip_other_campaigns as boolean) };
  }
  const s = extrovertSpec(i);
  return phase === "update" ? { ...s, postActivityFilter: { ...(s.postActivityFilter as JsonObject), minPostLikes: 99 } } : s;
}

async function writeCampaigns(dir: string, perProvider: number, phase: "create" | "update"): Promise<void> {
  const files: { path: string; text: string }[] = [];
  for (const p of PROVIDERS) {
    await mkdir(join(dir, "campaigns", p), { recursive: true });
    for (let i = 0; i < perProvider; i++) {
      const name = fileName(p, i);
      files.push({ path: join(dir, "campaigns", p, `${name}.yaml`), text: stringify({ apiVersion: "campaignctl/v1", kind: KINDS[p], metadata: { name }, spec: specOf(p, i, phase) }) });
    }
  }
  for (let i = 0; i < files.length; i += 200) await Promise.all(files.slice(i, i + 200).map((f) => writeFile(f.path, f.text)));
}

/** `count` recorded Extrovert campaigns no file declares (orphans, left alone without --prune): state size without reads. */
async function writeState(dir: string, count: number): Promise<void> {
  const campaigns: Record<string, StateEntry> = {};
  const appliedAt = new Date().toISOString();
  const caps = kindModuleOf(KINDS.extrovert).kind.capabilities;
  for (let i = 0; i < count; i++) {
    const name = `legacy-${String(i).padStart(5, "0")}`;
    const applied = { ...caps.defaults, ...extrovertSpec(i), name: `Legacy Extrovert ${String(i).padStart(5, "0")}` };
    const id = `e1000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    campaigns[`extrovert/${ACCOUNT}/${name}`] = { provider: "extrovert", account: ACCOUNT, kind: KINDS.extrovert, id, appliedAt, applied };
  }
  if (count > 0) await writeFile(join(dir, "campaignctl.state.json"), `${JSON.stringify({ version: 1, serial: 1, campaigns }, null, 2)}\n`);
}

/** Wraps StateStore's methods with timers (the module instance the CLI uses: both import the same dist file). */
function instrumentStateStore(): { take: () => Omit<StateTimings, "stateBytes">; restore: () => void } {
  const proto = StateStore.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originalAppend = proto.append;
  const originalCompact = proto.compact;
  // append is StateStore's private journal write: fail loudly rather than report 0 appends if it is renamed.
  if (typeof originalAppend !== "function" || typeof originalCompact !== "function") throw new Error("bench: StateStore has no append/compact method to time");
  const originalOpen = StateStore.open;
  let t = { openMs: 0, appends: 0, appendTotalMs: 0, appendMaxMs: 0, compactMs: 0 };
  proto.append = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return originalAppend.apply(this, args);
    } finally {
      const ms = performance.now() - start;
      t.appends += 1;
      t.appendTotalMs += ms;
      t.appendMaxMs = Math.max(t.appendMaxMs, ms);
    }
  };
  proto.compact = async function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return await originalCompact.apply(this, args);
    } finally {
      t.compactMs += performance.now() - start;
    }
  };
  (StateStore as unknown as { open: typeof StateStore.open }).open = async (...args: Parameters<typeof StateStore.open>) => {
    const start = performance.now();
    try {
      return await originalOpen.apply(StateStore, args);
    } finally {
      t.openMs += performance.now() - start;
    }
  };
  return {
    take: () => {
      const out = t;
      t = { openMs: 0, appends: 0, appendTotalMs: 0, appendMaxMs: 0, compactMs: 0 };
      return out;
    },
    restore: () => {
      proto.append = originalAppend;
      proto.compact = originalCompact;
      (StateStore as unknown as { open: typeof StateStore.open }).open = originalOpen;
    },
  };
}

function kinds(log: readonly { method: string; path: string }[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of log) {
    const key = `${e.method} ${e.path.replace(/\/[0-9a-f-]{8,}|\/\d+(?=\/|$)/g, "/{id}")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

async function runPhase(
  sandbox: RunningSandbox,
  dir: string,
  limits: Record<SimulatedProvider, number>,
  timers: ReturnType<typeof instrumentStateStore>,
  stateSize: number,
  phase: "create" | "update",
): Promise<ApplyPhaseResult> {
  for (const p of PROVIDERS) await control(sandbox, p, "DELETE", "/requests");
  const sink = new EventSink();
  let stdout = "";
  const started = performance.now();
  const exitCode = await main(["--verbose", "apply", "--auto-approve", "--force"], {
    cwd: dir,
    env: Object.fromEntries(PROVIDERS.map((p) => [`${p.toUpperCase()}_API_KEY`, API_KEY])),
    stdout: { isTTY: false, write: (s: string) => ((stdout = (stdout + s).slice(-4000)), true) },
    stderr: sink.output,
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
  });
  const wallMs = performance.now() - started;
  const accounts: AccountFigures[] = [];
  for (const p of PROVIDERS) {
    const log = await requestLog(sandbox, p);
    const events = sink.events.filter((e) => e.provider === p);
    accounts.push({
      provider: p,
      requestsPerSecond: limits[p],
      requests: log.length,
      throttled: log.filter((e) => e.status === 429).length,
      byKind: kinds(log),
      wallMs: events.length === 0 ? 0 : Math.max(...events.map((e) => e.endedAt)) - Math.min(...events.map((e) => e.startedAt)),
      boundMs: (log.length / limits[p]) * 1000,
    });
  }
  const state = { ...timers.take(), stateBytes: (await stat(join(dir, "campaignctl.state.json"))).size };
  const summary = /Apply (?:finished|interrupted): [^\n]*/.exec(stdout)?.[0] ?? "(no summary line)";
  return { stateSize, phase, exitCode, wallMs, accounts, state, summary, stderrTail: sink.otherLines.filter((l) => /error|fail/i.test(l)).slice(0, 5) };
}

export async function runApplyBench(opts: ApplyBenchOptions): Promise<ApplyPhaseResult[]> {
  const limits = Object.fromEntries(PROVIDERS.map((p) => [p, opts.rps ?? providerById(p).connection.defaultRequestsPerSecond])) as Record<SimulatedProvider, number>;
  const timers = instrumentStateStore();
  const results: ApplyPhaseResult[] = [];
  try {
    for (const stateSize of opts.stateSizes) {
      const sandbox = await startSandbox({ port: 0, apiKey: API_KEY, log: (l) => opts.progress(l) });
      const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-apply-"));
      try {
        for (const p of PROVIDERS) await control(sandbox, p, "PUT", "/faults", { requestsPerSecond: opts.rps ?? null });
        await writeFile(
          join(dir, "campaignctl.yaml"),
          stringify({
            apiVersion: "campaignctl/v1",
            accounts: PROVIDERS.map((p) => ({ provider: p, name: ACCOUNT, apiKeyEnv: `${p.toUpperCase()}_API_KEY`, baseUrl: sandbox.urls[p], ...(opts.rps === undefined ? {} : { requestsPerSecond: opts.rps }) })),
          }),
        );
        await writeState(dir, stateSize);
        for (const phase of ["create", "update"] as const) {
          await writeCampaigns(dir, opts.perProvider, phase);
          opts.progress(`apply: ${phase} ${opts.perProvider} per provider, ${stateSize.toLocaleString("en-US")} other campaigns in state`);
          const r = await runPhase(sandbox, dir, limits, timers, stateSize, phase);
          opts.progress(`  exit ${r.exitCode} in ${(r.wallMs / 1000).toFixed(1)} s: ${r.summary}`);
          for (const line of r.stderrTail) opts.progress(`  ${line}`);
          for (const a of r.accounts) opts.progress(`  ${a.provider}: ${a.byKind.map(([k, n]) => `${n} × ${k}`).join(", ")}`);
          results.push(r);
        }
      } finally {
        await sandbox.stop();
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    timers.restore();
  }
  return results;
}
