/**
 * Refresh benchmark: the real `plan` pipeline (runPlan, read-only) against the in-process sandbox,
 * seeded through each simulator's handle() so seeding costs no rate-limited requests.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { stringify } from "yaml";
import { runPlan } from "../../src/cli/pipeline.js";
import type { CommandContext } from "../../src/cli/context.js";
import { closeSessions } from "../../src/engine/session.js";
import { managedPaths } from "../../src/engine/fill-unknown.js";
import type { KindCapabilities } from "../../src/core/capabilities.js";
import { getPath, pathWithin } from "../../src/core/diff.js";
import { jsonEqual, stableStringify, type JsonObject } from "../../src/core/json.js";
import { fromListItem as alturFromListItem } from "../../src/providers/altur/client.js";
import { fromCampaign as puffleFromCampaign } from "../../src/providers/puffle/client.js";
import type { LiveResource } from "../../src/providers/types.js";
import type { PlanSummary } from "../../src/core/plan.js";
import type { StateEntry } from "../../src/core/types.js";
import { SIMULATED as PROVIDERS, type SimulatedProvider } from "../../src/sandbox/types.js";
import { kindModuleOf, providerById } from "../../src/providers/registry.js";
import { defaultConcurrency } from "../../src/http/pacing.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";
import type { RequestLogEntry, SimResponse } from "../../src/sandbox/types.js";
import { alturSpec, extrovertSpec, fileName, puffleSpec } from "./fixtures.js";

/** The primary kind of each simulated provider (what these benchmarks create). */
const KINDS = { extrovert: "ExtrovertCampaign", puffle: "PuffleCampaign", altur: "AlturCampaign" } as const satisfies Record<SimulatedProvider, string>;

export interface RefreshBenchOptions {
  /** Campaign counts are 1,000 Altur, 1,000 Puffle, 200 Extrovert times this. */
  scale: number;
  /** Override the documented limits on both sides (sandbox faults + account requestsPerSecond). */
  rps?: number;
  progress: (line: string) => void;
}

export interface ProviderFigures {
  provider: SimulatedProvider;
  campaigns: number;
  requestsPerSecond: number;
  /** HTTP client stats: attempts sent, repeats, 429 answers. */
  requests: number;
  retries: number;
  throttled: number;
  /** From the sandbox request log. */
  received: number;
  sandbox429: number;
  listGets: number;
  detailGets: number;
  detailGetsExpected: number;
  otherGets: number;
  /** First request start → last response, from the client's own events; 0 when nothing was sent. */
  wallMs: number;
  boundMs: number;
}

export interface RefreshBenchResult {
  figures: ProviderFigures[];
  /** runPlan from call to return. */
  planMs: number;
  /** runPlan start → first request (workspace load + validation of every file, state read). */
  loadMs: number;
  /** Last response → runPlan return (buildPlan: the pure planner). */
  afterRefreshMs: number;
  summary: PlanSummary;
  errors: { address: string; message: string }[];
  diagnosticsLines: number;
}

const ACCOUNT = "default";
const API_KEY = "sandbox";
const BASE_COUNTS: Record<SimulatedProvider, number> = { extrovert: 200, puffle: 1000, altur: 1000 };

/** One campaign of the scenario: what the sandbox holds, what the file says, what state remembers. */
export interface Seeded {
  provider: SimulatedProvider;
  name: string;
  live: JsonObject;
  liveStatus?: string;
  file: JsonObject;
  inState: boolean;
  id?: string;
  /** The refresh must read the detail (see expectDetailReads): set after seeding, from the list view and the rule. */
  needsDetail: boolean;
}

function without(spec: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(spec)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** Build the scenario: some campaigns with one changed field, some blocked, some adopted by name. */
function scenario(counts: Record<SimulatedProvider, number>): Seeded[] {
  const out: Seeded[] = [];
  for (let i = 0; i < counts.altur; i++) {
    const live = alturSpec(i);
    let file: JsonObject = live;
    let liveStatus = live.status as string;
    if (i % 10 === 3) file = { ...live, retries: ((live.retries as number) + 1) % 6 };
    if (i % 50 === 11) {
      liveStatus = "finished";
      file = { ...live, description: "Edited after the campaign finished" };
    }
    out.push({ provider: "altur", name: fileName("altur", i), live, liveStatus, file, inState: i % 11 !== 5, needsDetail: false });
  }
  for (let i = 0; i < counts.puffle; i++) {
    const live = puffleSpec(i);
    let file: JsonObject = live;
    if (i % 10 === 3) {
      file =
        live.type === "email"
          ? { ...live, daily_limit: ((live.daily_limit as number) % 400) + 7 }
          : { ...live, operating_hours: { ...(live.operating_hours as JsonObject), timezone: "Europe/Madrid" } };
    }
    if (i % 25 === 4) {
      // Draft-only field on an active campaign: blocked (Puffle would silently ignore it).
      file = live.type === "email" ? { ...live, stop_on_reply: false } : { ...live, skip_other_campaigns: !(live.skip_other_campaigns as boolean) };
    }
    if (i % 100 === 50) file = { ...live, status: "active" }; // draft → launch: asks GET …/validate first
    out.push({ provider: "puffle", name: fileName("puffle", i), live, liveStatus: live.status as string, file, inState: i % 11 !== 5, needsDetail: false });
  }
  for (let i = 0; i < counts.extrovert; i++) {
    const live = extrovertSpec(i);
    let file: JsonObject = live;
    if (i % 10 === 3) file = { ...live, postActivityFilter: { ...(live.postActivityFilter as JsonObject), minPostLikes: 99 } };
    out.push({ provider: "extrovert", name: fileName("extrovert", i), live, file, inState: true, needsDetail: false });
  }
  return out;
}

/**
 * Whether the refresh must send a detail GET, from the documented rule rather than a count: the list
 * view lacks a managed path that a detail read would carry (not write-only: src/providers/altur/README.md §3.3 lists
 * fields no read returns) and that state cannot vouch for. State vouches for a path it recorded when
 * the path is immutable, or frozen (KindCapabilities.frozenReads: the status state observed and the
 * listed status both freeze it, and the spec still wants what was recorded).
 */
export function detailReadNeeded(caps: KindCapabilities, listView: LiveResource, spec: JsonObject, entry: StateEntry | undefined): boolean {
  const managed = managedPaths(spec, caps.mergePaths);
  const lacking = listView.missing.filter((m) => managed.some((path) => pathWithin(m, path) || pathWithin(path, m)));
  const vouched = (m: string): boolean => {
    if (entry === undefined || getPath(entry.applied, m) === undefined) return false;
    if (caps.immutable.some((imm) => pathWithin(m, imm))) return true;
    const seen = entry.observed?.status;
    const now = listView.status;
    return (
      seen !== undefined &&
      now !== undefined &&
      (caps.frozenReads ?? []).some((r) => r.paths.some((p) => pathWithin(m, p)) && r.statuses.includes(seen) && r.statuses.includes(now)) &&
      jsonEqual(getPath(spec, m), getPath(entry.applied, m))
    );
  };
  return lacking.some((m) => !caps.writeOnlyFields.some((w) => pathWithin(m, w)) && !vouched(m));
}

/** Every listed campaign as the client's own list mapping sees it, read from the simulators without HTTP. */
export function listViews(sb: RunningSandbox): Map<string, LiveResource> {
  const views = new Map<string, LiveResource>();
  const puffle = call(sb, "puffle", "GET", "/api/campaigns").body as { campaigns: unknown[] };
  for (const c of puffle.campaigns) {
    const v = puffleFromCampaign(c, { provider: "puffle", account: "bench", operation: "list campaigns", method: "GET", path: "/api/campaigns", status: 200 });
    views.set(`puffle:${v.id}`, v);
  }
  let query = new URLSearchParams({ pageSize: "100" });
  for (;;) {
    const res = sb.simulators.altur.handle({ method: "GET", path: "/campaigns", query, headers: JSON_HEADERS, body: undefined });
    const page = res.body as { campaigns: unknown[]; pagination?: { has_next?: boolean; next_cursor?: string | null } };
    for (const c of page.campaigns) {
      const v = alturFromListItem(c, { provider: "altur", account: "bench", operation: "list campaigns", method: "GET", path: "/campaigns", status: 200 });
      views.set(`altur:${v.id}`, v);
    }
    if (!page.pagination?.has_next || !page.pagination.next_cursor) break;
    query = new URLSearchParams({ pageSize: "100", cursor: page.pagination.next_cursor });
  }
  return views;
}

/** Set needsDetail on every seeded campaign from its list view, its file and its state entry. */
function expectDetailReads(sb: RunningSandbox, items: Seeded[], entries: Record<string, StateEntry>): void {
  const views = listViews(sb);
  for (const s of items) {
    const caps = kindModuleOf(KINDS[s.provider]).kind.capabilities;
    if (!caps.readable || s.id === undefined) continue;
    const view = views.get(`${s.provider}:${s.id}`);
    if (view === undefined) throw new Error(`bench: seeded ${s.provider} campaign ${s.id} is not in its list`);
    s.needsDetail = detailReadNeeded(caps, view, s.file, entries[`${s.provider}/${ACCOUNT}/${s.name}`]);
  }
}

export const JSON_HEADERS = { "content-type": "application/json" };

export function call(sb: RunningSandbox, provider: SimulatedProvider, method: string, path: string, body?: unknown): SimResponse {
  const res = sb.simulators[provider].handle({ method, path, query: new URLSearchParams(), headers: JSON_HEADERS, body });
  if (res.status >= 300) throw new Error(`seeding ${provider}: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** Create every campaign directly in the simulators (no HTTP, no rate limit) and force live statuses. */
function seed(sb: RunningSandbox, items: Seeded[]): void {
  for (const s of items) {
    if (s.provider === "altur") {
      const res = call(sb, "altur", "POST", "/campaigns", without(s.live, ["status", "archived"]));
      s.id = String((res.body as { campaign: { id: number } }).campaign.id);
    } else if (s.provider === "puffle") {
      const caps = kindModuleOf(KINDS.puffle).kind.capabilities;
      const create: JsonObject = {};
      for (const f of caps.createFields) if (s.live[f] !== undefined) create[f] = s.live[f]!;
      const res = call(sb, "puffle", "POST", "/api/campaigns", create);
      s.id = (res.body as { campaign: { id: string } }).campaign.id;
      if (s.live.sequence_nodes !== undefined) call(sb, "puffle", "PATCH", `/api/campaigns/${s.id}`, { sequence_nodes: s.live.sequence_nodes });
    } else {
      const res = call(sb, "extrovert", "POST", "/campaign", s.live);
      s.id = (res.body as { data: { id: string } }).data.id;
    }
    const initial = kindModuleOf(KINDS[s.provider]).kind.capabilities.lifecycle.initialStatus;
    if (s.liveStatus !== undefined && s.liveStatus !== initial && !sb.simulators[s.provider].forceStatus(s.id, s.liveStatus)) {
      throw new Error(`seeding ${s.provider}: cannot force ${s.id} to ${s.liveStatus}`);
    }
  }
}

async function writeWorkspace(
  dir: string,
  sb: RunningSandbox,
  items: Seeded[],
  rps: number | undefined,
  concurrency?: Record<SimulatedProvider, number>,
): Promise<Record<string, StateEntry>> {
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({
      apiVersion: "campaignctl/v1",
      accounts: PROVIDERS.map((p) => ({
        provider: p,
        name: ACCOUNT,
        apiKeyEnv: `${p.toUpperCase()}_API_KEY`,
        baseUrl: sb.urls[p],
        ...(rps === undefined ? {} : { requestsPerSecond: rps }),
        ...(concurrency === undefined ? {} : { concurrency: concurrency[p] }),
      })),
    }),
  );
  for (const p of PROVIDERS) await mkdir(join(dir, "campaigns", p), { recursive: true });
  const files = items.map((s) => ({
    path: join(dir, "campaigns", s.provider, `${s.name}.yaml`),
    text: stringify({ apiVersion: "campaignctl/v1", kind: KINDS[s.provider], metadata: { name: s.name }, spec: s.file }),
  }));
  for (let i = 0; i < files.length; i += 200) {
    await Promise.all(files.slice(i, i + 200).map((f) => writeFile(f.path, f.text)));
  }
  const campaigns: Record<string, StateEntry> = {};
  const appliedAt = new Date().toISOString();
  for (const s of items) {
    if (!s.inState || s.id === undefined) continue;
    const caps = kindModuleOf(KINDS[s.provider]).kind.capabilities;
    // What apply would have recorded: the managed spec (Extrovert: the full body it sent).
    const applied = caps.updateMode === "full-body" ? { ...caps.defaults, ...s.live } : s.live;
    const observed = s.liveStatus === undefined ? {} : { observed: { status: s.liveStatus } };
    campaigns[`${s.provider}/${ACCOUNT}/${s.name}`] = { provider: s.provider, account: ACCOUNT, kind: KINDS[s.provider], id: s.id, appliedAt, applied, ...observed };
  }
  // As campaignctl writes a state: keys sorted (a declaration keeps its file's order, so what a refresh can
  // share between the two depends on it; issue 30).
  await writeFile(join(dir, "campaignctl.state.json"), `${stableStringify({ version: 1, campaigns }, 2)}\n`);
  return campaigns;
}

/** `provider/account METHOD path → status (N ms)`: the line runPlan prints per response with --verbose. */
export const RESPONSE_LINE = /^(extrovert|puffle|altur)\/\S+ ([A-Z]+) (\S+) → (\d+) \((\d+) ms\)$/;
const RETRY_LINE = /^(extrovert|puffle|altur)\/\S+ retry /;

export interface ResponseEvent {
  provider: SimulatedProvider;
  startedAt: number;
  endedAt: number;
}

/** Captures runPlan's verbose stderr, timestamping each response line as it is written. */
export class EventSink {
  readonly events: ResponseEvent[] = [];
  readonly retryLines: string[] = [];
  readonly otherLines: string[] = [];
  private buffer = "";

  readonly output = {
    isTTY: false,
    write: (chunk: string): boolean => {
      const now = performance.now();
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const m = RESPONSE_LINE.exec(line);
        if (m) this.events.push({ provider: m[1] as SimulatedProvider, startedAt: now - Number(m[5]), endedAt: now });
        else if (RETRY_LINE.test(line)) this.retryLines.push(line);
        else this.otherLines.push(line);
      }
      return true;
    },
  };
}

export async function requestLog(sb: RunningSandbox, p: SimulatedProvider): Promise<RequestLogEntry[]> {
  const res = await fetch(`${sb.origins[p]}/__sandbox/requests`);
  return (await res.json()) as RequestLogEntry[];
}

export async function control(sb: RunningSandbox, p: SimulatedProvider, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sb.origins[p]}/__sandbox${path}`, {
    method,
    ...(body === undefined ? {} : { headers: JSON_HEADERS, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox control ${method} ${path} on ${p}: ${res.status} ${await res.text()}`);
}

const LIST_PATH: Record<SimulatedProvider, RegExp> = {
  extrovert: /^$/,
  puffle: /^\/api\/campaigns$/,
  altur: /^\/api\/v1\.0\/campaigns$/,
};
const DETAIL_PATH: Record<SimulatedProvider, RegExp> = {
  extrovert: /^$/,
  puffle: /^\/api\/campaigns\/[^/]+$/,
  altur: /^\/api\/v1\.0\/campaigns\/[^/]+$/,
};

/** A seeded sandbox and a workspace (campaign files + state) for `counts`; the caller stops and removes them. */
/** Counts summing to `count`: 45 % Altur, 45 % Puffle, the rest Extrovert (the rss and scale benches' mix). */
export function mix(count: number): Record<SimulatedProvider, number> {
  const altur = Math.round(count * 0.45);
  const puffle = Math.round(count * 0.45);
  return { altur, puffle, extrovert: Math.max(1, count - altur - puffle) };
}

/**
 * Raised limits, but the concurrency each account has at its documented limit (prepareScenario's
 * `concurrency`): requests in flight (and the answers they hold) are what memory depends on, not the
 * pacing. A user's 100,000 campaigns are read at the documented limits, so with this many requests in
 * flight (Altur 12, Puffle 10, ...).
 */
export function documentedConcurrency(): Record<SimulatedProvider, number> {
  return Object.fromEntries(
    PROVIDERS.map((p) => [p, defaultConcurrency(providerById(p).connection.defaultRequestsPerSecond, providerById(p).connection.typicalLatencyMs)]),
  ) as Record<SimulatedProvider, number>;
}

export interface PreparedScenario {
  sandbox: RunningSandbox;
  dir: string;
  items: Seeded[];
}

export async function prepareScenario(
  counts: Record<SimulatedProvider, number>,
  rps: number | undefined,
  progress: (line: string) => void,
  concurrency?: Record<SimulatedProvider, number>,
): Promise<PreparedScenario> {
  const sandbox = await startSandbox({ port: 0, apiKey: API_KEY, log: (l) => progress(l) });
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-"));
  try {
    progress(`seeding the sandbox: ${counts.altur} Altur, ${counts.puffle} Puffle, ${counts.extrovert} Extrovert campaigns (in-process, no HTTP)`);
    const items = scenario(counts);
    seed(sandbox, items);
    progress(`writing the workspace (${items.length} campaign files and a state file) in ${dir}`);
    expectDetailReads(sandbox, items, await writeWorkspace(dir, sandbox, items, rps, concurrency));
    for (const p of PROVIDERS) {
      await control(sandbox, p, "PUT", "/faults", { requestsPerSecond: rps ?? null });
      await control(sandbox, p, "DELETE", "/requests");
    }
    return { sandbox, dir, items };
  } catch (err) {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export async function runRefreshBench(opts: RefreshBenchOptions): Promise<RefreshBenchResult> {
  const counts = Object.fromEntries(PROVIDERS.map((p) => [p, Math.max(1, Math.round(BASE_COUNTS[p] * opts.scale))])) as Record<SimulatedProvider, number>;
  const { sandbox, dir, items } = await prepareScenario(counts, opts.rps, opts.progress);
  try {
    const limits = Object.fromEntries(
      PROVIDERS.map((p) => [p, opts.rps ?? providerById(p).connection.defaultRequestsPerSecond]),
    ) as Record<SimulatedProvider, number>;
    opts.progress(
      `running plan (read-only): limits ${PROVIDERS.map((p) => `${p} ${limits[p]}/s`).join(", ")} on both sides; ` +
        `expect about ${Math.ceil(Math.max(...PROVIDERS.map((p) => items.filter((s) => s.provider === p && s.needsDetail).length / limits[p])))} s`,
    );

    const sink = new EventSink();
    const ctx: CommandContext = {
      io: {
        cwd: dir,
        env: Object.fromEntries(PROVIDERS.map((p) => [`${p.toUpperCase()}_API_KEY`, API_KEY])),
        stdout: { isTTY: false, write: () => true },
        stderr: sink.output,
        stdin: Object.assign(Readable.from([]), { isTTY: false }),
      },
      global: { color: false, quiet: false, verbose: true },
    };
    const started = performance.now();
    const ticker = setInterval(() => {
      const done = PROVIDERS.map((p) => `${p} ${sink.events.filter((e) => e.provider === p).length}`).join(", ");
      opts.progress(`  ${((performance.now() - started) / 1000).toFixed(0)} s: responses so far ${done}`);
    }, 10_000);
    ticker.unref();
    let run;
    try {
      run = await runPlan(ctx, { readOnly: true });
    } finally {
      clearInterval(ticker);
    }
    const finished = performance.now();
    closeSessions(run.sessions);

    const figures: ProviderFigures[] = [];
    for (const p of PROVIDERS) {
      const stats = run.sessions.get(`${p}/${ACCOUNT}`)?.http.stats ?? { requests: 0, retries: 0, throttled: 0 };
      const log = await requestLog(sandbox, p);
      const gets = log.filter((e) => e.method === "GET");
      const events = sink.events.filter((e) => e.provider === p);
      const wallMs = events.length === 0 ? 0 : Math.max(...events.map((e) => e.endedAt)) - Math.min(...events.map((e) => e.startedAt));
      const listGets = gets.filter((e) => LIST_PATH[p].test(e.path)).length;
      const detailGets = gets.filter((e) => DETAIL_PATH[p].test(e.path)).length;
      figures.push({
        provider: p,
        campaigns: counts[p],
        requestsPerSecond: limits[p],
        requests: stats.requests,
        retries: stats.retries,
        throttled: stats.throttled,
        received: log.length,
        sandbox429: log.filter((e) => e.status === 429).length,
        listGets,
        detailGets,
        detailGetsExpected: items.filter((s) => s.provider === p && s.needsDetail).length,
        otherGets: gets.length - listGets - detailGets,
        wallMs,
        boundMs: (stats.requests / limits[p]) * 1000,
      });
    }
    const firstStart = sink.events.length === 0 ? finished : Math.min(...sink.events.map((e) => e.startedAt));
    const lastEnd = sink.events.length === 0 ? finished : Math.max(...sink.events.map((e) => e.endedAt));
    for (const line of sink.retryLines.slice(0, 5)) opts.progress(`  ${line}`);
    return {
      figures,
      planMs: finished - started,
      loadMs: firstStart - started,
      afterRefreshMs: finished - lastEnd,
      summary: run.plan.summary,
      errors: run.plan.errors,
      diagnosticsLines: sink.otherLines.length,
    };
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
