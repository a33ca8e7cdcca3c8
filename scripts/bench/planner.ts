/**
 * Planner benchmark (no network): 10,000 refreshed campaigns built in memory, then the pure planner,
 * the plan's sorting and summary, and the three renderers — CPU time and memory.
 */
import { PerformanceObserver, performance } from "node:perf_hooks";
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from "../../src/cli/render/plan.js";
import type { JsonObject } from "../../src/core/json.js";
import { PLAN_FORMAT_VERSION, summarize, type ResourcePlan, type Plan, type PlanNote, type PlanSummary } from "../../src/core/plan.js";
import { planResource, type LiveView, type PlanResourceInput } from "../../src/core/planner.js";
import type { StateEntry, Workspace } from "../../src/core/types.js";
import { SIMULATED as PROVIDERS, type SimulatedProvider } from "../../src/sandbox/types.js";
import { buildPlan, plannerInput } from "../../src/engine/build-plan.js";
import { fingerprintOf, type RefreshedResource } from "../../src/engine/refresh.js";
import { closeSessions, openSessions, sessionForKind, type AccountSession } from "../../src/engine/session.js";
import { alturSpec, extrovertSpec, fileName, puffleSpec } from "./fixtures.js";

/** The primary kind of each simulated provider (what these benchmarks create). */
const KINDS = { extrovert: "ExtrovertCampaign", puffle: "PuffleCampaign", altur: "AlturCampaign" } as const satisfies Record<SimulatedProvider, string>;

export interface Measure {
  /** Process CPU (user + system, every thread: V8's compiler and GC helper threads included). */
  cpuMs: number;
  wallMs: number;
  /** Main-thread GC pauses inside the step (filled in once the GC observer has delivered). */
  gcMs: number;
  gcCount: number;
  /** performance.now() window of the step. */
  from: number;
  to: number;
}

export interface PlannerBenchResult {
  count: number;
  byProvider: Record<SimulatedProvider, number>;
  build: Measure;
  planCold: Measure;
  planWarm: Measure;
  sortSummary: Measure;
  buildPlanWarm: Measure;
  renders: (Measure & { format: string; chars: number })[];
  summary: PlanSummary;
  memory: {
    baselineRssMb: number;
    baselineHeapMb: number;
    heapAfterPlanMb: number;
    peakHeapMb: number;
    /** Peak RSS of the process up to the end of planning (before rendering). */
    peakRssPlanMb: number;
    /** Peak RSS of the process including rendering (the JSON plan is a 20+ MB string). */
    peakRssMb: number;
  };
}

const MB = 1024 * 1024;

function measure<T>(fn: () => T): [T, Measure] {
  const cpu0 = process.cpuUsage();
  const from = performance.now();
  const value = fn();
  const to = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return [value, { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: to - from, gcMs: 0, gcCount: 0, from, to }];
}

/** Collects GC pauses; PerformanceObserver delivers asynchronously, so steps are attributed after a flush. */
class GcMeter {
  private readonly pauses: { start: number; duration: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.pauses.push({ start: e.startTime, duration: e.duration });
  });

  constructor() {
    this.observer.observe({ entryTypes: ["gc"] });
  }

  async attribute(steps: readonly Measure[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.observer.disconnect();
    for (const m of steps) {
      const inside = this.pauses.filter((p) => p.start >= m.from && p.start < m.to);
      m.gcCount = inside.length;
      m.gcMs = inside.reduce((sum, p) => sum + p.duration, 0);
    }
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const ALTUR_NULLS = ["description", "timezone", "retries", "message_limit", "first_message", "template", "template_alt"];
const PUFFLE_NULLS = ["daily_limit", "stop_on_reply", "open_tracking", "signature", "skip_other_campaigns", "operating_hours"];
const NODE_FIELDS = [
  "subject", "body", "body_html", "signature", "from_name", "reply_to", "cc", "bcc", "include_message", "is_reply",
  "delay_days", "delay_hours", "delay_minutes", "ai_node",
];

/** What the provider mappings produce for an unchanged campaign: the spec plus server-side shape (nulls, all weekdays). */
function liveSpecOf(provider: SimulatedProvider, spec: JsonObject, status: string | undefined): JsonObject {
  const live: JsonObject = structuredClone(spec);
  if (status !== undefined) live.status = status;
  if (provider === "altur") {
    for (const f of ALTUR_NULLS) if (live[f] === undefined) live[f] = null;
    const days = (live.scheduling ?? {}) as JsonObject;
    live.scheduling = Object.fromEntries(WEEK.map((d) => [d, days[d] ?? { active: false }]));
    live.archived = false;
    if (live.cycles === undefined) live.cycles = { enabled: false };
  } else if (provider === "puffle") {
    for (const f of PUFFLE_NULLS) if (live[f] === undefined) live[f] = null;
    if (Array.isArray(live.sequence_nodes)) {
      live.sequence_nodes = live.sequence_nodes.map((n) => {
        const node = { ...(n as JsonObject) };
        for (const f of NODE_FIELDS) if (node[f] === undefined) node[f] = null;
        return node;
      });
    }
  }
  return live;
}

const SPECS: Record<SimulatedProvider, (i: number) => JsonObject> = { altur: alturSpec, puffle: puffleSpec, extrovert: extrovertSpec };

/**
 * Twenty scenarios, cycled: half unchanged, the rest editable updates, blocked changes, replacements,
 * creates, orphans, lifecycle transitions, a launch the provider's pre-check refuses, adoptions.
 */
function refreshedCampaign(i: number, sessions: Map<string, AccountSession>): RefreshedResource {
  const provider: SimulatedProvider = i % 5 < 2 ? "altur" : i % 5 < 4 ? "puffle" : "extrovert";
  const session = sessionForKind(sessions.get(`${provider}/default`)!, KINDS[provider]);
  const caps = session.kind.capabilities;
  const n = Math.floor(i / 5);
  const scenarioNo = n % 20;
  const base = SPECS[provider](n);
  const name = fileName(provider, i);
  const address = `${provider}/default/${name}`;
  let spec: JsonObject = base;
  let liveStatus = typeof base.status === "string" ? base.status : undefined;
  let live: JsonObject | undefined;
  const notes: PlanNote[] = [];
  let identity: RefreshedResource["identity"] = "state";
  let preflight: RefreshedResource["preflight"];

  switch (scenarioNo) {
    case 10:
    case 11:
      spec = provider === "altur" ? { ...base, retries: ((base.retries as number) + 1) % 6 } : provider === "puffle" ? { ...base, name: `${base.name as string} v2` } : { ...base, applyCommentIntervalH: 72 };
      break;
    case 12:
      if (provider === "altur") liveStatus = "finished";
      if (provider === "puffle") liveStatus = "active";
      spec = provider === "puffle" ? { ...base, status: "active", sender_account_ids: ["f0000000-0000-4000-8000-000000000003"] } : { ...base, description: "edited", name: `${base.name as string} (edited)` };
      break;
    case 13:
      spec = provider === "altur" ? { ...base, agent_id: "agent_other_02" } : { ...base, type: provider === "puffle" ? (base.type === "email" ? "linkedin" : "email") : base.type === "KEYWORD" ? "TARGET_USER" : "KEYWORD" };
      break;
    case 16:
      if (provider === "altur") spec = { ...base, status: base.status === "active" ? "inactive" : "active" };
      if (provider === "puffle") liveStatus = base.status === "paused" ? "active" : "paused";
      break;
    case 17:
      if (provider === "puffle") {
        liveStatus = "draft";
        spec = { ...base, status: "active" };
        preflight = { launch: { ready: false, errors: ["no pending prospects: add prospects before launching"], warnings: [] } };
      } else if (provider === "altur") {
        spec = { ...base, archived: true };
      }
      break;
    case 19:
      if (provider === "altur") spec = { ...base, scheduling: { ...(base.scheduling as JsonObject), sat: { startTime: "10:00", stopTime: "13:00", active: true } } };
      if (provider === "puffle") {
        liveStatus = "draft";
        spec = { ...base, status: "draft", sequence_nodes: [{ type: base.type === "email" ? "email" : "message", subject: "Changed", body: "Changed body" }, { type: "end" }] };
      }
      break;
    default:
  }
  if (scenarioNo !== 14) live = liveSpecOf(provider, caps.updateMode === "full-body" ? { ...caps.defaults, ...base } : base, liveStatus);
  if (scenarioNo === 18 && provider !== "extrovert") {
    identity = "adopted";
    notes.push({ code: "adopted", text: "adopted live campaign by its exact name" });
  }
  if (scenarioNo === 14) identity = "new";
  if (provider === "extrovert") notes.push({ code: "no-read-api", text: "Extrovert has no read API: compared with the last applied body in state, not with live" });

  const id = provider === "altur" ? String(100_000 + i) : `${provider === "puffle" ? "a" : "e"}${String(i).padStart(7, "0")}-0000-4000-8000-000000000000`;
  const state: StateEntry | undefined =
    identity === "state" ? { provider, account: "default", kind: KINDS[provider], id, appliedAt: "2026-01-01T00:00:00.000Z", applied: base } : undefined;
  let view: LiveView | undefined;
  if (live) {
    const { status: s, ...rest } = live;
    view = { id, ...(typeof s === "string" ? { status: s } : {}), spec: provider === "extrovert" ? rest : live, fingerprint: "" };
    view.fingerprint = fingerprintOf(view);
  }
  const decl =
    scenarioNo === 15
      ? undefined
      : { address, provider, account: "default", kind: KINDS[provider], name, spec, source: { file: `campaigns/${provider}/${name}.yaml`, line: 1, col: 1 } };
  return {
    address,
    ...(decl ? { decl } : {}),
    ...(state ? { state } : {}),
    session,
    identity,
    ...(view ? { live: view } : {}),
    ...(preflight ? { preflight } : {}),
    notes,
  };
}

function sortAndSummarize(campaigns: ResourcePlan[]): Plan {
  campaigns.sort((a, b) => a.address.localeCompare(b.address));
  return { formatVersion: PLAN_FORMAT_VERSION, createdAt: new Date().toISOString(), campaigns, summary: summarize(campaigns), errors: [] };
}

export async function runPlannerBench(count: number, progress: (line: string) => void): Promise<PlannerBenchResult> {
  gc();
  const gcMeter = new GcMeter();
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  const sample = () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  };

  // Real sessions (HTTP clients that are never used: the planner does no I/O).
  const workspace: Workspace = {
    configFile: "/bench/campaignctl.yaml",
    rootDir: "/bench",
    campaignsDir: "/bench/campaigns",
    stateFile: "/bench/campaignctl.state.json",
    accounts: PROVIDERS.map((p) => ({ provider: p, name: "default", apiKeyEnv: "BENCH_KEY", baseUrl: "http://127.0.0.1:9" })),
    safety: { maxChangePercent: 30, minManagedForThreshold: 10 },
    campaigns: [],
  };
  const sessions = await openSessions(workspace, PROVIDERS.map((p) => `${p}/default`), { readOnly: true, env: { BENCH_KEY: "unused" } });
  try {
    progress(`building ${count.toLocaleString("en-US")} refreshed campaigns in memory`);
    const [refreshed, build] = measure(() => Array.from({ length: count }, (_, i) => refreshedCampaign(i, sessions)));
    const inputs = refreshed.map((r) => plannerInput(r));
    sample();
    const byProvider = Object.fromEntries(PROVIDERS.map((p) => [p, refreshed.filter((r) => r.session.provider.id === p).length])) as Record<SimulatedProvider, number>;

    progress("planning (cold)");
    const [campaigns, planCold] = measure(() => inputs.map((input) => planResource(input)));
    sample();
    const [plan, sortSummary] = measure(() => sortAndSummarize(campaigns));
    sample();
    const heapAfterPlan = process.memoryUsage().heapUsed;
    const peakRssPlan = process.resourceUsage().maxRSS * 1024;

    progress("planning (warm, best of 3)");
    const warm: Measure[] = [];
    for (let k = 0; k < 3; k++) {
      warm.push(measure(() => inputs.map((input) => planResource(input)))[1]);
      sample();
    }
    const planWarm = warm.reduce((best, m) => (m.cpuMs < best.cpuMs ? m : best));
    const [, buildPlanWarm] = measure(() => buildPlan(refreshed));
    sample();

    progress("rendering text, JSON and markdown");
    const renders: PlannerBenchResult["renders"] = [];
    for (const [format, render] of [
      ["text", (p: Plan) => renderPlanText(p, { color: false, showNoop: false })],
      ["json", (p: Plan) => renderPlanJson(p)],
      ["markdown", (p: Plan) => renderPlanMarkdown(p)],
    ] as const) {
      const [out, m] = measure(() => render(plan));
      sample();
      renders.push({ format, ...m, chars: out.length });
    }
    await gcMeter.attribute([build, planCold, sortSummary, planWarm, buildPlanWarm, ...renders]);
    return {
      count,
      byProvider,
      build,
      planCold,
      planWarm,
      sortSummary,
      buildPlanWarm,
      renders,
      summary: plan.summary,
      memory: {
        baselineRssMb: baseline.rss / MB,
        baselineHeapMb: baseline.heapUsed / MB,
        heapAfterPlanMb: heapAfterPlan / MB,
        peakHeapMb: peakHeap / MB,
        peakRssPlanMb: peakRssPlan / MB,
        peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
      },
    };
  } finally {
    closeSessions(sessions);
  }
}

