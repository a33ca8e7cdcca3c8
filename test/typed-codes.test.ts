import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { capabilities as puffle } from "../src/providers/puffle/capabilities.js";
import { driftOf } from "../src/core/drift.js";
import type { BlockedStep, ResourcePlan } from "../src/core/plan.js";
import { readPlanDocument } from "../src/core/plan-format.js";
import { applyExitCode, type ResourceOutcome } from "../src/engine/apply.js";
import { useSandbox } from "./support/sandbox.js";
import { TestWorkspace } from "./e2e/workspace.js";
import { extrovertTarget, puffleEmail } from "./e2e/specs.js";

/** Issue 21: typed codes decide, words explain; saved formatVersion 1 plans still apply and show. */

const V1_PLAN = join(import.meta.dirname, "fixtures", "plans", "v1-create.json");

const outcome = (o: Partial<ResourceOutcome>): ResourceOutcome => ({ address: "altur/default/a", status: "applied", done: [], blocked: [], warnings: [], verified: [], ...o });

describe("decisions are made on codes, never on the words", () => {
  it("apply exit code 3 comes from the needs-replace reason, whatever the message says", () => {
    expect(applyExitCode([outcome({ status: "skipped", reason: "needs-replace", message: "reworded: this one must be rebuilt" })])).toBe(3);
    // The old decision read the words: a message naming --allow-replace no longer decides anything.
    expect(applyExitCode([outcome({ status: "skipped", reason: "needs-prune", message: "re-run with --allow-replace" })])).toBe(0);
    expect(applyExitCode([outcome({ status: "skipped", reason: "interrupted", message: "interrupted" })])).toBe(0);
    expect(applyExitCode([outcome({ status: "blocked", blocked: [{ code: "preflight-failed", what: "x", reason: "y" }] })])).toBe(3);
    expect(applyExitCode([outcome({ status: "failed", reason: "provider-error", message: "--allow-replace" })])).toBe(1);
  });

  const base: ResourcePlan = {
    address: "puffle/default/p", provider: "puffle", account: "default", kind: "PuffleCampaign", id: "1", displayName: "P", action: "transition",
    status: "draft", identity: "state", changes: [], steps: [], blocked: [], warnings: [], notes: [],
  };
  const drift = (blocked: BlockedStep[], audience?: ResourcePlan["audience"]) =>
    driftOf({
      address: base.address, provider: "puffle", caps: puffle,
      git: { name: "P", status: "active" }, applied: { name: "P", status: "draft" }, live: { id: "1", status: "draft", spec: { name: "P" } },
      plan: { ...base, blocked, ...(audience ? { audience } : {}) },
    });

  it("drift classifies the status and the audience as blocked by code, with any wording", () => {
    const status = (b: BlockedStep[]) => drift(b).fields.find((f) => f.path === "status");
    expect(status([{ code: "preflight-failed", field: "status", what: "reworded", reason: "not ready" }])).toMatchObject({ class: "blocked", reason: "pending; not ready" });
    expect(status([{ code: "status-unreachable", what: "anything", reason: "terminal" }])?.class).toBe("blocked");
    // Words that once decided ("status …", an action's name) decide nothing without the code.
    expect(status([{ code: "audience-kept", what: "status draft → active", reason: "r" }])?.class).toBe("pending");
    expect(status([{ code: "create-incomplete", what: "launch", reason: "r" }])?.class).toBe("pending");

    const audience = { noun: "prospects", mode: "append" as const, rows: 2, duplicates: 0, files: {}, unchanged: false, add: 2, update: 0, present: 0, remove: 0, keep: 0 };
    const roster = (b: BlockedStep[]) => drift(b, audience).fields.find((f) => f.path === "audience")?.class;
    expect(roster([{ code: "audience-add-blocked", what: "roster rows", reason: "active" }])).toBe("blocked");
    expect(roster([{ code: "field-blocked", field: "name", what: "audience: + 2 prospects", reason: "r" }])).toBe("pending");
  });
});

describe("the plan document's versions", () => {
  it.each<[string, Record<string, unknown>, Pick<BlockedStep, "code" | "field">]>([
    ["status", { what: "status finished → active", reason: "finished is final" }, { code: "status-unreachable" }],
    ["pre-check", { what: "launch", reason: "the provider's pre-check says launch would fail: x" }, { code: "preflight-failed" }],
    ["flag", { what: "archived: true → false", reason: "archived cannot be undone through the API" }, { code: "flag-irreversible", field: "archived" }],
    ["field", { what: "stop_on_reply", reason: "draft only" }, { code: "field-blocked", field: "stop_on_reply" }],
    ["add rows", { what: "audience: + 2 prospects", reason: "r" }, { code: "audience-add-blocked" }],
    ["remove rows", { what: "audience: - 2 prospects", reason: "r (the campaign is active)" }, { code: "audience-remove-blocked" }],
    ["rows kept", { what: "audience: - 2 prospects", reason: "2 prospects no longer listed cannot be removed: r" }, { code: "audience-kept" }],
    ["create", { what: "create", reason: "creating this campaign needs `name`" }, { code: "create-incomplete" }],
    ["unconfirmed create", { what: "create", reason: "an earlier apply sent this create at …" }, { code: "create-unconfirmed" }],
  ])("a v1 blocked step (%s) is read with its code", (_name, step, expected) => {
    const doc = { formatVersion: 1, createdAt: "x", summary: {}, errors: [], campaigns: [{ address: "a", changes: [{ path: "stop_on_reply", after: false, class: "blocked" }], blocked: [step], notes: ["n"] }] };
    const read = readPlanDocument(doc);
    if (!("plan" in read)) throw new Error(read.error);
    expect(read.plan.formatVersion).toBe(2);
    const [b] = read.plan.campaigns[0]!.blocked;
    expect({ code: b!.code, ...(b!.field ? { field: b!.field } : {}) }).toEqual(expected);
    expect(b).toMatchObject({ what: step.what, reason: step.reason });
    expect(read.plan.campaigns[0]!.notes).toEqual([{ code: "note", text: "n" }]);
  });

  it("an unknown version is refused with a reason", () => {
    expect(readPlanDocument({ formatVersion: 3, campaigns: [] })).toEqual({ error: "formatVersion 3 is not one this campaignctl reads (2, or 1)" });
    expect(readPlanDocument({ formatVersion: 2 })).toEqual({ error: "it has no `campaigns` list" });
  });
});

describe("a saved formatVersion 1 plan file (fixture)", () => {
  const sb = useSandbox({ rateLimits: false });
  let ws: TestWorkspace;
  beforeEach(async () => {
    ws = await TestWorkspace.create(sb);
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);
    await copyFile(V1_PLAN, join(ws.dir, "plan-v1.json"));
  });
  afterEach(() => ws.dispose());

  it("show renders it, and --format json gives it as formatVersion 2 with generic note codes", async () => {
    const text = await ws.run(["show", "plan-v1.json"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("extrovert/default/founders will be created");
    expect(text.stdout).toContain("note: Extrovert has no read API: compared with the last applied body in state, not with live");
    const json = await ws.run(["show", "plan-v1.json", "--format", "json"]);
    const doc = JSON.parse(json.stdout);
    expect(doc.formatVersion).toBe(2);
    expect(doc.campaigns.find((c: { address: string }) => c.address === "extrovert/default/founders").notes).toEqual([
      { code: "note", text: "Extrovert has no read API: compared with the last applied body in state, not with live" },
    ]);
  });

  it("apply PLANFILE applies it", async () => {
    const r = await ws.run(["apply", "plan-v1.json"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(Object.keys((await ws.state()).campaigns).sort()).toEqual(["extrovert/default/founders", "puffle/default/email-nurture"]);
    expect((await sb.requests("puffle")).filter((e) => e.method === "POST" && e.path === "/api/campaigns")).toHaveLength(1);
    expect((await sb.requests("extrovert")).filter((e) => e.method === "POST" && e.path.endsWith("/campaign"))).toHaveLength(1);
  });

  it("a file of another version is refused in one line", async () => {
    await writeFile(join(ws.dir, "plan-v9.json"), JSON.stringify({ formatVersion: 9, campaigns: [] }));
    const r = await ws.run(["show", "plan-v9.json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: plan-v9.json is not a campaignctl plan: formatVersion 9 is not one this campaignctl reads (2, or 1) (plan files are written by `campaignctl plan --out`)\n");
  });
});
