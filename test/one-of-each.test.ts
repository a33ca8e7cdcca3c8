import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KindCapabilities } from "../src/core/capabilities.js";
import { diffUnits, writeUnits } from "../src/core/diff.js";
import { mapPool, runPool } from "../src/core/pool.js";
import { tempPathFor, writeFileAtomic, writeFileAtomicSync } from "../src/state/atomic-file.js";
import { removeStaleTemps } from "../src/state/files.js";
import { adoptableByName, adoptionCandidates, statusSatisfies } from "../src/core/lifecycle.js";
import { projectLive } from "../src/engine/adopt.js";
import { fillUnknown, managedPaths, unknownNotes } from "../src/engine/fill-unknown.js";
import type { JsonObject } from "../src/core/json.js";
import { describeStep, type PlanStep } from "../src/core/plan.js";
import type { StateDocument, Workspace } from "../src/core/types.js";
import { resolveUndeclaredPending } from "../src/engine/pending.js";
import { closeSessions, openSessions } from "../src/engine/session.js";
import { altur } from "../src/providers/altur/index.js";
import { puffle } from "../src/providers/puffle/index.js";
import { catalog } from "../src/providers/registry.js";
import { StateStore } from "../src/state/journal.js";
import { useSandbox } from "./support/sandbox.js";

/**
 * The shared implementations of issue 21's "one of each": each rule is written once and every
 * layer asks it (src/core/lifecycle.ts, ...). Real capabilities, real sandbox where a layer reads.
 */

const alturCaps = altur.kinds[0]?.capabilities as KindCapabilities;
const puffleCaps = puffle.kinds[0]?.capabilities as KindCapabilities;

describe("statusSatisfies: one rule for planner, drift and apply", () => {
  it.each([
    ["altur active by active", alturCaps, "active", "active", true],
    ["altur active by cooldown", alturCaps, "active", "cooldown", true],
    ["altur inactive by pending", alturCaps, "inactive", "pending", true],
    ["altur active not by inactive", alturCaps, "active", "inactive", false],
    ["altur active not by finished", alturCaps, "active", "finished", false],
    ["puffle active by launching", puffleCaps, "active", "launching", true],
    ["puffle paused not by active", puffleCaps, "paused", "active", false],
    ["unknown live status", puffleCaps, "active", undefined, false],
  ] as const)("%s", (_, caps, desired, status, expected) => {
    expect(statusSatisfies(caps.lifecycle, desired, status)).toBe(expected);
  });

  it("a status always satisfies itself, listed or not (the rule apply used; planner and drift fell back to [desired] only when unlisted)", () => {
    const lifecycle = { satisfies: { running: ["warming"] } };
    expect(statusSatisfies(lifecycle, "running", "running")).toBe(true);
    expect(statusSatisfies(lifecycle, "running", "warming")).toBe(true);
    expect(statusSatisfies(lifecycle, "stopped", "stopped")).toBe(true);
    expect(statusSatisfies(lifecycle, "stopped", "running")).toBe(false);
  });
});

describe("adoption by name: one rule driven by the kind's lifecycle flags", () => {
  const live = (id: string, name: string, archived?: boolean) => ({ id, spec: { name, ...(archived === undefined ? {} : { archived }) } });

  it("takes the exact name only; an archived object only when the declaration asks for archived: true", () => {
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "Q1", false))).toBe(true);
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "q1", false))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1" }, live("1", "Q1", true))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: false }, live("1", "Q1", true))).toBe(false);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: true }, live("1", "Q1", true))).toBe(true);
    expect(adoptableByName(alturCaps, { name: "Q1", archived: true }, live("1", "Q1", false))).toBe(true);
    expect(adoptableByName(alturCaps, {}, live("1", "Q1"))).toBe(false);
  });

  it("a kind without flags adopts whatever carries the name (a field named like another kind's flag means nothing)", () => {
    expect(puffleCaps.lifecycle.flags).toBeUndefined();
    expect(adoptableByName(puffleCaps, { name: "Q1" }, live("1", "Q1", true))).toBe(true);
  });

  it("candidates leave out ids state already binds, and keep the listing's order", () => {
    const listed = [live("3", "Q1"), live("1", "Q1", true), live("2", "Q1", false), live("4", "Q2")];
    expect(adoptionCandidates(alturCaps, { name: "Q1" }, listed, new Set(["2"])).map((c) => c.id)).toEqual(["3"]);
    expect(adoptionCandidates(alturCaps, { name: "Q1", archived: true }, listed, new Set()).map((c) => c.id)).toEqual(["3", "1", "2"]);
  });
});

describe("adoption by name at the engine's layers (Altur simulator over HTTP)", () => {
  const sb = useSandbox({ rateLimits: false });
  const PHONE = { agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" };

  function workspaceAt(dir: string): Workspace {
    return {
      configFile: join(dir, "campaignctl.yaml"),
      rootDir: dir,
      campaignsDir: join(dir, "campaigns"),
      stateFile: join(dir, "campaignctl.state.json"),
      accounts: [{ provider: "altur", name: "default", apiKeyEnv: "ALTUR_KEY", baseUrl: sb.urls.altur }],
      safety: { maxChangePercent: 100, minManagedForThreshold: 1000 },
      campaigns: [],
    };
  }

  // Deliberate unification: engine/pending.ts used to take any unclaimed campaign with the name, archived
  // ones included. A create sets no flag, so an archived namesake (the campaign a replace retired) is
  // not what the interrupted create made: the pending create is now forgotten instead of recording it.
  it("an undeclared pending create is not resolved to an archived namesake; a live one is recorded", async () => {
    const make = async (name: string) => ((await sb.request("altur", "POST", "/campaigns", { name, ...PHONE })).body as { campaign: { id: number } }).campaign.id;
    const retired = await make("Retired");
    expect((await sb.request("altur", "POST", `/campaigns/${retired}/archive`)).status).toBeLessThan(300);
    const fresh = await make("Fresh");
    await sb.clearRequests("altur");
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-oneof-"));
    try {
      const pendingOf = (name: string) => ({ provider: "altur", account: "default", kind: "AlturCampaign", name, digest: "d".repeat(32), idempotencyKey: "k", at: "2026-01-01T00:00:00.000Z" });
      const doc: StateDocument = {
        version: 1,
        serial: 1,
        lineage: "oneof-test",
        campaigns: {},
        pending: { "altur/default/retired": pendingOf("Retired"), "altur/default/fresh": pendingOf("Fresh") },
      };
      const workspace = workspaceAt(dir);
      await writeFile(workspace.stateFile, JSON.stringify(doc));
      const store = await StateStore.open(workspace.stateFile, catalog);
      const sessions = await openSessions(workspace, ["altur/default"], { readOnly: false, env: { ALTUR_KEY: sb.apiKey } });
      try {
        const notes = await resolveUndeclaredPending(workspace, store, sessions);
        expect(store.doc.campaigns["altur/default/retired"]).toBeUndefined();
        expect(store.doc.pending?.["altur/default/retired"]).toBeUndefined();
        expect(notes.map((n) => n.text)).toContain('altur/default/retired: an interrupted create left no campaign named "Retired"; forgotten');
        expect(store.doc.campaigns["altur/default/fresh"]).toMatchObject({ kind: "AlturCampaign", id: String(fresh) });
        // Each pending create lists the account once; nothing is written.
        expect((await sb.requests("altur")).map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual(["GET /api/v1.0/campaigns", "GET /api/v1.0/campaigns"]);
      } finally {
        closeSessions(sessions);
        store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("writeUnits: the one merge-path walk (diff, managed paths, state adopt's projection)", () => {
  const merge = ["scheduling", "cycles", "cycles.schedule"];
  const spec = { name: "Q1", cycles: { enabled: true, schedule: { mon: { startTime: "09:00" } }, mode: "scheduled" }, scheduling: { tue: { active: true } } };

  it("descends a merge path where desired (and live, when given) hold objects; merge steps come before their units", () => {
    expect(writeUnits(spec, merge).map((u) => `${u.merge ? "+" : ""}${u.path}`)).toEqual([
      "name", "+cycles", "cycles.enabled", "+cycles.schedule", "cycles.schedule.mon", "cycles.mode", "+scheduling", "scheduling.tue",
    ]);
    // Live has no object at cycles.schedule: that unit is compared whole.
    const live = { name: "Q1", cycles: { enabled: false, schedule: null }, scheduling: {} };
    expect(writeUnits(spec, merge, live, true).map((u) => `${u.merge ? "+" : ""}${u.path}=${JSON.stringify(u.have)}`)).toEqual([
      "+cycles={\"enabled\":false,\"schedule\":null}", "cycles.enabled=false", "cycles.mode=undefined", "cycles.schedule=null", "name=\"Q1\"", "+scheduling={}", "scheduling.tue=undefined",
    ]);
  });

  it("managedPaths, diffUnits and projectLive agree on the units", () => {
    expect(managedPaths(spec, merge)).toEqual(["name", "cycles.enabled", "cycles.schedule.mon", "cycles.mode", "scheduling.tue"]);
    const live = { name: "Q1", id: 7, cycles: { enabled: true, schedule: { mon: { startTime: "10:00", stopTime: "12:00" }, wed: {} }, max_iterations: 3 }, scheduling: {} };
    expect(diffUnits(spec, live, { mergePaths: merge, opaquePaths: [], skip: ["name"] })).toEqual([
      { path: "cycles.mode", after: "scheduled" },
      { path: "cycles.schedule.mon", before: { startTime: "10:00" }, after: { startTime: "09:00" } },
      { path: "scheduling.tue", after: { active: true } },
    ]);
    // Unmanaged keys dropped, merge objects kept even when nothing inside them is live.
    expect(projectLive(spec, live, { mergePaths: merge, opaquePaths: [] })).toEqual({ name: "Q1", cycles: { enabled: true, schedule: { mon: { startTime: "10:00" } } }, scheduling: {} });
    expect(projectLive(spec, live, { mergePaths: merge, opaquePaths: ["cycles.schedule.mon"] }).cycles).toEqual({ enabled: true, schedule: { mon: { startTime: "10:00", stopTime: "12:00" } } });
  });
});

describe("fillUnknown: one way to settle what no read returned (refresh and state adopt)", () => {
  const spec = { name: "Q1", integration_type: "phone_call", message_limit: 50, retries: 2, cycles: { enabled: false, mode: "cooldown" } };
  const liveOf = () => ({ id: "9", spec: { name: "Q1", cycles: { enabled: false } } as JsonObject, missing: ["integration_type", "message_limit", "retries", "cycles.mode", "template"] });

  it("before the final read: write-only paths wait for state only; the rest may come from a detail read", () => {
    const live = liveOf();
    expect(fillUnknown(alturCaps, live, spec, undefined, false)).toEqual({ unknown: ["retries"], fromState: [], fromSpec: [] });
    expect(live.spec).toEqual(liveOf().spec);
  });

  it("final, nothing recorded (state adopt): immutable paths from the spec, the rest unknown", () => {
    const live = liveOf();
    const filled = fillUnknown(alturCaps, live, spec, undefined, true);
    expect(filled).toEqual({ unknown: ["message_limit", "retries"], fromState: [], fromSpec: ["integration_type", "cycles.mode"] });
    expect(live.spec).toMatchObject({ integration_type: "phone_call", cycles: { enabled: false, mode: "cooldown" } });
    expect(unknownNotes("Altur", filled).map((n) => n.code)).toEqual(["unread-from-spec", "unread-unknown"]);
  });

  it("which missing paths touch what the spec manages: the same answer as managedPaths gives, for every shape", () => {
    const caps: KindCapabilities = { ...alturCaps, mergePaths: ["settings", "settings.inner", "flat"], writeOnlyFields: [], immutable: [], frozenReads: [] };
    const specs: JsonObject[] = [
      { name: "A", settings: { a: 1, inner: { b: 2 } }, flat: "not an object", list: [1] },
      { name: "A", settings: { inner: {} }, flat: { x: 1 } },
      { settings: {}, flat: {} },
      { settings: "scalar", other: { deep: { er: 1 } } },
    ];
    const missing = ["name", "settings", "settings.a", "settings.inner", "settings.inner.b", "settings.inner.c", "settings.z", "flat", "flat.x", "flat.y", "list", "list.0", "other.deep", "other", "nope", "nope.deeper"];
    for (const spec of specs) {
      const managed = managedPaths(spec, caps.mergePaths);
      const expected = missing.filter((m) => managed.some((p) => m === p || m.startsWith(`${p}.`) || p.startsWith(`${m}.`)));
      expect(fillUnknown(caps, { id: "1", spec: {}, missing }, spec, undefined, false).unknown, JSON.stringify(spec)).toEqual(expected);
    }
  });

  it("final, with a state entry: what was applied is the live value (write-only at once, the rest with a note)", () => {
    const live = liveOf();
    const state = { provider: "altur", account: "default", kind: "AlturCampaign", id: "9", appliedAt: "2026-01-01T00:00:00.000Z", applied: { ...spec, message_limit: 40, retries: 3 } };
    const filled = fillUnknown(alturCaps, live, spec, state, true);
    expect(filled).toEqual({ unknown: [], fromState: ["retries"], fromSpec: [] });
    expect(live.spec).toMatchObject({ message_limit: 40, retries: 3, integration_type: "phone_call", cycles: { mode: "cooldown" } });
    expect(unknownNotes("Altur", filled)).toEqual([expect.objectContaining({ code: "unread-from-state", text: expect.stringMatching(/^retries: not returned by Altur/) })]);
  });
});

describe("describeStep: one wording for the plan and apply's progress", () => {
  it.each<[PlanStep, string, string]>([
    [{ kind: "create", body: { name: "Q1", retries: 2 } }, "create (POST with 2 fields)", "create"],
    [{ kind: "update", body: {}, fields: ["retries", "cycles.mode"] }, "update retries, cycles.mode", "update retries, cycles.mode"],
    [{ kind: "action", action: "launch", from: "draft", to: "active" }, "launch (draft → active)", "launch (draft → active)"],
    [{ kind: "action", action: "archive" }, "archive", "archive"],
    [{ kind: "sync", call: "toggle-bulk", path: "topics", value: [], describe: "set monitored topics" }, "set monitored topics", "set monitored topics"],
    [{ kind: "wait", after: "launch", until: "active", through: ["launching"] }, "wait until active (launching → active)", "wait for active"],
    [{ kind: "audience", noun: "prospects", add: 3, remove: 1 }, "upload 3 prospects, remove 1 prospects", "upload 3 prospects, remove 1 prospects"],
  ])("%j", (step, plan, progress) => {
    expect(describeStep(step)).toBe(plan);
    expect(describeStep(step, "plan")).toBe(plan);
    expect(describeStep(step, "progress")).toBe(progress);
  });
});

describe("runPool / mapPool: the one worker pool", () => {
  /** A job that finishes when the test says so: order of completion is decided by the test, not a clock. */
  const gate = () => {
    let open!: () => void;
    const done = new Promise<void>((r) => (open = r));
    return { done, open };
  };

  it("keeps at most `width` in flight, starts the next item as one finishes, and maps in input order", async () => {
    const gates = [gate(), gate(), gate(), gate(), gate()];
    const started: number[] = [];
    let inFlight = 0;
    let most = 0;
    const run = mapPool([0, 1, 2, 3, 4], 2, async (i) => {
      started.push(i);
      most = Math.max(most, ++inFlight);
      await gates[i]?.done;
      inFlight -= 1;
      return `r${i}`;
    });
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]?.open();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const g of [gates[0], gates[2], gates[3], gates[4]]) g?.open();
    expect(await run).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(most).toBe(2);
  });

  it("runs at least one worker (width 0 or below), none for no items, and rejects with fn's error", async () => {
    const seen: number[] = [];
    await runPool([1, 2, 3], 0, async (i) => void seen.push(i));
    expect(seen).toEqual([1, 2, 3]);
    await runPool([], 8, async () => void seen.push(99));
    expect(seen).toEqual([1, 2, 3]);
    await expect(runPool([1, 2], 4, async (i) => { if (i === 2) throw new Error("boom"); })).rejects.toThrow("boom");
  });
});

describe("atomic file writes: one writer for the state file and --out files", () => {
  let dir: string;
  const fresh = async () => (dir = await mkdtemp(join(tmpdir(), "campaignctl-atomic-")));

  it("writes whole text (sync) and chunks (async, each piece also handed on), leaving no temp file", async () => {
    await fresh();
    try {
      const target = join(dir, "state.json");
      writeFileAtomicSync(target, "one\n");
      writeFileAtomicSync(target, "two\n");
      expect(await readFile(target, "utf8")).toBe("two\n");
      const out = join(dir, "plan.json");
      const big = "x".repeat(70_000);
      const copied: string[] = [];
      await writeFileAtomic(out, ["{", big, "}"], { also: (t) => void copied.push(t) });
      expect(await readFile(out, "utf8")).toBe(`{${big}}`);
      expect(copied.join("")).toBe(`{${big}}`);
      expect(copied.length).toBe(2);
      await writeFileAtomic(out, "short");
      expect(await readFile(out, "utf8")).toBe("short");
      expect((await readdir(dir)).sort()).toEqual(["plan.json", "state.json"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a failed write keeps the old file and removes its temp file; the temp name is the one removeStaleTemps knows", async () => {
    await fresh();
    try {
      const target = join(dir, "state.json");
      writeFileAtomicSync(target, "old");
      // A piece that fails half-way (the generator throws): nothing replaces the old file.
      function* failing(): Generator<string> {
        yield "x".repeat(70_000);
        throw new Error("producer failed");
      }
      await expect(writeFileAtomic(target, failing())).rejects.toThrow("producer failed");
      // A target in a directory that cannot be written.
      const locked = join(dir, "locked");
      await mkdir(locked);
      await chmod(locked, 0o500);
      const denied = process.getuid?.() === 0 ? undefined : join(locked, "x.json");
      if (denied) expect(() => writeFileAtomicSync(denied, "y")).toThrow(/EACCES/);
      await chmod(locked, 0o700);
      expect(await readFile(target, "utf8")).toBe("old");
      expect((await readdir(dir)).sort()).toEqual(["locked", "state.json"]);
      const a = tempPathFor(target);
      const b = tempPathFor(target);
      expect(a).not.toBe(b);
      expect(a.slice(dir.length + 1)).toMatch(/^\.state\.json\.\d+\.\d+\.tmp$/);
      // A temp left by a writer that is gone has that name, so the state layer's clean-up finds it.
      await writeFile(join(dir, ".state.json.999999999.1.tmp"), "left by a killed writer");
      expect(removeStaleTemps(target)).toEqual([".state.json.999999999.1.tmp"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
