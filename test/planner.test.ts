import { describe, expect, it } from "vitest";
import { capabilities as altur } from "../src/providers/altur/capabilities.js";
import { capabilities as extrovert } from "../src/providers/extrovert/capabilities.js";
import { capabilities as puffle } from "../src/providers/puffle/capabilities.js";
import type { KindCapabilities } from "../src/core/capabilities.js";
import type { JsonObject } from "../src/core/json.js";
import type { AudiencePlan, BlockedCode, NoteCode } from "../src/core/plan.js";
import { lifecyclePath, planResource, type AudiencePlanInput, type PlanResourceInput } from "../src/core/planner.js";
import type { ObjectKind, ProviderId } from "../src/core/types.js";

function input(provider: ProviderId, caps: KindCapabilities, spec: JsonObject | undefined, live?: { status?: string; spec: JsonObject }, extra: Partial<PlanResourceInput> = {}): PlanResourceInput {
  const kind = ({ extrovert: "ExtrovertCampaign", puffle: "PuffleCampaign", altur: "AlturCampaign" } as const)[provider] as ObjectKind;
  return {
    address: `${provider}/default/c`,
    provider,
    account: "default",
    kind,
    caps,
    ...(spec ? { spec } : {}),
    ...(live ? { live: { id: "1", ...(live.status ? { status: live.status } : {}), spec: live.spec } } : {}),
    identity: live ? "state" : "new",
    ...extra,
  };
}

const alturLive = {
  name: "A",
  agent_id: "agent_demo_01",
  integration_id: "integ_phone_01",
  integration_type: "phone_call",
  retries: 1,
  timezone: "America/Mexico_City",
  scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true }, tue: { active: false } },
  cycles: { enabled: true, mode: "cooldown", max_iterations: 3, cooldown_minutes: 720, filter_statuses: ["voicemail", "failed"] },
  archived: false,
};
const alturSpec = { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", retries: 1 };

describe("planResource", () => {
  it.each([
    ["altur unchanged → noop", input("altur", altur, alturSpec, { status: "active", spec: alturLive }), "noop", []],
    ["altur retries change → update with one field", input("altur", altur, { ...alturSpec, retries: 2 }, { status: "active", spec: alturLive }), "update", ["retries"]],
    [
      "altur nested cycles field → only that sub-field",
      input("altur", altur, { ...alturSpec, cycles: { cooldown_minutes: 60 } }, { status: "active", spec: alturLive }),
      "update",
      ["cycles.cooldown_minutes"],
    ],
    [
      "altur filter_statuses order ignored",
      input("altur", altur, { ...alturSpec, cycles: { filter_statuses: ["failed", "voicemail"] } }, { status: "active", spec: alturLive }),
      "noop",
      [],
    ],
    ["altur agent_id change → replace", input("altur", altur, { ...alturSpec, agent_id: "agent_x" }, { status: "active", spec: alturLive }), "replace", ["agent_id"]],
    [
      "altur cycles.mode change → replace",
      input("altur", altur, { ...alturSpec, cycles: { mode: "scheduled" } }, { status: "active", spec: alturLive }),
      "replace",
      ["cycles.mode"],
    ],
    ["puffle draft-only edit on draft → update", input("puffle", puffle, { name: "P", stop_on_reply: false }, { status: "draft", spec: { name: "P", stop_on_reply: true } }), "update", ["stop_on_reply"]],
    ["puffle type change → replace", input("puffle", puffle, { name: "P", type: "email" }, { status: "draft", spec: { name: "P", type: "linkedin" } }), "replace", ["type"]],
  ])("%s", (_name, inp, action, paths) => {
    const plan = planResource(inp);
    expect(plan.action).toBe(action);
    expect(plan.changes.map((c) => c.path)).toEqual(paths);
  });

  it("sends a PATCH body with only the changed sub-field of a merged object", () => {
    const plan = planResource(input("altur", altur, { ...alturSpec, cycles: { cooldown_minutes: 60 }, scheduling: { tue: { startTime: "10:00", stopTime: "12:00", active: true } } }, { status: "active", spec: alturLive }));
    expect(plan.steps).toEqual([
      {
        kind: "update",
        fields: ["cycles.cooldown_minutes", "scheduling.tue"],
        body: { cycles: { cooldown_minutes: 60 }, scheduling: { tue: { startTime: "10:00", stopTime: "12:00", active: true } } },
      },
    ]);
  });

  it("blocks any change to a finished Altur campaign, with the reason and no steps", () => {
    const plan = planResource(input("altur", altur, { ...alturSpec, retries: 3 }, { status: "finished", spec: alturLive }));
    // Blocked only: nothing is sent, so it is not an update (summaries count it as blocked).
    expect(plan.action).toBe("noop");
    expect(plan.blocked).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ path: "retries", class: "blocked", reason: expect.stringContaining("CAMPAIGN_FINISHED") });
    expect(plan.steps).toEqual([]);
    expect(plan.blocked.map((b) => b.what)).toEqual(["retries"]);
  });

  it("blocks a draft-only Puffle field on an active campaign but still sends the editable one", () => {
    const plan = planResource(
      input("puffle", puffle, { name: "New", sequence_nodes: [{ type: "end" }] }, { status: "active", spec: { name: "Old", sequence_nodes: [{ type: "message", body: "hi" }, { type: "end" }] } }),
    );
    expect(plan.changes.map((c) => [c.path, c.class])).toEqual([
      ["name", "editable"],
      ["sequence_nodes", "blocked"],
    ]);
    expect(plan.changes[1]?.reason).toMatch(/silently ignores/);
    expect(plan.steps).toEqual([{ kind: "update", body: { name: "New" }, fields: ["name"] }]);
    // State records what is true after apply: the blocked field keeps its live value.
    expect(plan.desired?.sequence_nodes).toEqual([{ type: "message", body: "hi" }, { type: "end" }]);
  });

  it("compares Puffle nodes by content: server fields the spec omits are ignored", () => {
    const plan = planResource(
      input("puffle", puffle, { name: "P", sequence_nodes: [{ type: "message", body: "hi" }, { type: "end" }] }, {
        status: "draft",
        spec: { name: "P", sequence_nodes: [{ type: "message", body: "hi", subject: null, ai_node: null }, { type: "end", body: null }] },
      }),
    );
    expect(plan.action).toBe("noop");
  });

  it("orders draft-only edits before launch", () => {
    const plan = planResource(input("puffle", puffle, { name: "P", stop_on_reply: false, status: "active" }, { status: "draft", spec: { name: "P", stop_on_reply: true } }));
    expect(plan.steps.map((s) => (s.kind === "action" ? s.action : s.kind))).toEqual(["update", "launch", "wait"]);
  });

  it("a launch completes in the background: the plan waits for active before the pause, and plans from launching", () => {
    const wait = { kind: "wait", after: "launch", until: "active", through: ["launching"] };
    const fromDraft = planResource(input("puffle", puffle, { name: "P", status: "paused" }, { status: "draft", spec: { name: "P" } }));
    expect(fromDraft.steps).toEqual([
      { kind: "action", action: "launch", from: "draft", to: "active" },
      wait,
      { kind: "action", action: "pause", from: "active", to: "paused" },
    ]);
    // Still launching (e.g. an earlier apply gave up waiting): wait, then pause — never "no transition".
    const launching = planResource(input("puffle", puffle, { name: "P", status: "paused" }, { status: "launching", spec: { name: "P" } }));
    expect(launching.steps).toEqual([wait, { kind: "action", action: "pause", from: "active", to: "paused" }]);
    expect(launching.blocked).toEqual([]);
    expect(launching.action).toBe("transition");
    // launching already satisfies active: nothing to do.
    expect(planResource(input("puffle", puffle, { name: "P", status: "active" }, { status: "launching", spec: { name: "P" } })).action).toBe("noop");
  });

  it("pauses before an edit that would wake prospects, and warns only when the edit runs while active", () => {
    const hours = { timezone: "UTC", days: {} };
    const paused = planResource(input("puffle", puffle, { name: "P", operating_hours: hours, status: "paused" }, { status: "active", spec: { name: "P", operating_hours: null } }));
    expect(paused.steps.map((s) => (s.kind === "action" ? s.action : s.kind))).toEqual(["pause", "update"]);
    expect(paused.warnings).toEqual([]);
    const active = planResource(input("puffle", puffle, { name: "P", operating_hours: hours }, { status: "active", spec: { name: "P", operating_hours: null } }));
    expect(active.warnings.join()).toMatch(/wakes sleeping prospects/);
  });

  it("shows a launch the provider's pre-check rejects as blocked with its reasons", () => {
    const plan = planResource(
      input("puffle", puffle, { name: "P", status: "active" }, { status: "draft", spec: { name: "P" } }, { preflight: { launch: { ready: false, errors: ["no pending prospects"] } } }),
    );
    expect(plan.steps).toEqual([]);
    expect(plan.blocked[0]).toMatchObject({ code: "preflight-failed", what: "launch", reason: expect.stringContaining("no pending prospects") });
    expect(plan.action).toBe("noop");
  });

  it("plans a create with follow-up update and lifecycle steps", () => {
    const spec = { type: "email", name: "E", sender_account_ids: ["a"], sequence_nodes: [{ type: "end" }], status: "paused" };
    const plan = planResource(input("puffle", puffle, spec));
    expect(plan.action).toBe("create");
    expect(plan.steps).toEqual([
      { kind: "create", body: { type: "email", name: "E", sender_account_ids: ["a"] } },
      { kind: "update", body: { sequence_nodes: [{ type: "end" }] }, fields: ["sequence_nodes"] },
      { kind: "action", action: "launch", from: "draft", to: "active" },
      { kind: "wait", after: "launch", until: "active", through: ["launching"] },
      { kind: "action", action: "pause", from: "active", to: "paused" },
    ]);
  });

  const filter = { emotionTypes: [], monitoredTopicIds: ["t"], isShowImportantTargetUsersFirstEnabled: false, isShowDirectPostFirstEnabled: true, minPostLikes: 25 };
  const connectingOff = {
    isSendConnectionRequestEnabled: false, sendConnectionRequestOnDirectCommentCount: 1, isSendConnectionRequestOnIndirectCommentEnabled: false,
    sendConnectionRequestOnIndirectCommentCount: 1, isSendConnectionRequestOnTimeoutEnabled: false, sendConnectionRequestOnTimeoutDays: 1,
    isSendConnectionRequestOnNoPostsEnabled: false,
  };
  const dmOff = {
    isGenerateDmEnabled: false, isGenerateDmOnConnectEnabled: false, generateDmOnConnectAfterDaysCount: 1, isGenerateDmOnRelevantPostEnabled: false,
    generateDmOnRelevantPostAfterDaysCount: 1, isGenerateDmOnTimeoutEnabled: false, generateDmOnTimeoutAfterDaysCount: 1,
  };
  const keyword = { ownerId: "o", type: "KEYWORD", name: "X", userStyleId: "s", userContextId: "c", postActivityFilter: filter };
  const keywordApplied = { ...keyword, postMaxAgeDays: 30, skipTeammatesLeads: false, isIndirectEngagementEnabled: false, connectingSettings: connectingOff, dmSettings: dmOff };

  it("Extrovert update is one full body from defaults, last applied and spec", () => {
    const applied = { ...keywordApplied, postMaxAgeDays: 7 };
    const plan = planResource(input("extrovert", extrovert, { ...keyword, name: "Y" }, { spec: applied }));
    expect(plan.action).toBe("update");
    // postMaxAgeDays (required, no meaning) keeps its last applied value; the settings their off form.
    expect(plan.steps).toEqual([{ kind: "update", fields: ["name"], body: { ...applied, name: "Y" } }]);
  });

  it("Extrovert KEYWORD spec without connectingSettings/dmSettings is creatable: both sent with every automation disabled", () => {
    const plan = planResource(input("extrovert", extrovert, keyword));
    expect(plan.blocked).toEqual([]);
    // The topic bindings go through toggle-bulk as well, right after the create (src/providers/extrovert/README.md §8).
    expect(plan.steps).toEqual([
      { kind: "create", body: keywordApplied },
      { kind: "sync", call: "toggle-bulk", path: "postActivityFilter.monitoredTopicIds", value: keyword.postActivityFilter.monitoredTopicIds, describe: "bind monitored topics (toggle-bulk)" },
    ]);
    expect(plan.desired).toEqual(keywordApplied);
  });

  it("Extrovert: an optional field removed from the file is planned as switched off, not refilled from the last applied body", () => {
    const target = { ...keywordApplied, type: "TARGET_USER", skipTeammatesLeads: true };
    const spec = { ...keyword, type: "TARGET_USER", skipTeammatesLeads: true };
    const plan = planResource(input("extrovert", extrovert, spec, { spec: { ...target, applyCommentIntervalH: 48 } }));
    expect(plan.action).toBe("update");
    expect(plan.changes).toEqual([expect.objectContaining({ path: "applyCommentIntervalH", before: 48, after: null, switchedOff: true })]);
    expect(plan.steps).toEqual([{ kind: "update", fields: ["applyCommentIntervalH"], body: target }]);
    expect(plan.desired).not.toHaveProperty("applyCommentIntervalH");
    // Kept in the file: kept in the body.
    const kept = planResource(input("extrovert", extrovert, { ...spec, applyCommentIntervalH: 48, name: "Z" }, { spec: { ...target, applyCommentIntervalH: 48 } }));
    expect(kept.steps).toEqual([{ kind: "update", fields: ["name"], body: { ...target, applyCommentIntervalH: 48, name: "Z" } }]);
    // Settings objects dropped from the file go back to every automation disabled.
    const on = { ...connectingOff, isSendConnectionRequestEnabled: true };
    const dropped = planResource(input("extrovert", extrovert, spec, { spec: { ...target, connectingSettings: on } }));
    expect(dropped.changes.map((c) => [c.path, c.after])).toEqual([["connectingSettings", connectingOff]]);
  });

  it("archiving is an action, and un-archiving is blocked", () => {
    const arch = planResource(input("altur", altur, { ...alturSpec, archived: true }, { status: "inactive", spec: alturLive }));
    expect(arch.steps).toEqual([{ kind: "action", action: "archive", from: "inactive" }]);
    const un = planResource(input("altur", altur, { ...alturSpec, archived: false }, { status: "inactive", spec: { ...alturLive, archived: true } }));
    expect(un.steps).toEqual([]);
    expect(un.blocked[0]).toMatchObject({ code: "flag-irreversible", field: "archived", what: "archived: true → false" });
  });

  it("an orphan's retirement keeps history: archive (Altur), pause (active Puffle), nothing (draft Puffle); DELETE only with prune: delete", () => {
    const plan = planResource(input("altur", altur, undefined, { status: "active", spec: alturLive }));
    expect(plan.action).toBe("orphan");
    expect(plan.steps).toEqual([{ kind: "action", action: "archive", from: "active" }]);
    const active = planResource(input("puffle", puffle, undefined, { status: "active", spec: {} }));
    expect(active.steps).toEqual([{ kind: "action", action: "pause", from: "active", to: "paused" }]);
    expect(planResource(input("puffle", puffle, undefined, { status: "draft", spec: {} })).steps).toEqual([]);
    const launching = planResource(input("puffle", puffle, undefined, { status: "launching", spec: {} }));
    expect(launching.blocked.map((b) => b.code)).toEqual(["status-unreachable"]);
    const deleting = planResource({ ...input("puffle", puffle, undefined, { status: "active", spec: {} }), pruneDelete: true });
    expect(deleting.steps).toEqual([{ kind: "delete", loses: "its prospects, their replies and the campaign's statistics" }]);
    // Altur has no delete: still archived, and a note says why.
    const altDel = planResource({ ...input("altur", altur, undefined, { status: "active", spec: alturLive }), pruneDelete: true });
    expect(altDel.steps).toEqual([{ kind: "action", action: "archive", from: "active" }]);
    expect(altDel.notes.map((n) => n.code)).toEqual(["orphan-prune", "orphan-no-delete", "orphan-keep"]);
  });
});

describe("lifecyclePath", () => {
  it.each([
    [altur, "pending", "active", ["activate"]],
    [altur, "inactive", "active", ["resume"]],
    [altur, "cooldown", "active", []],
    [altur, "active", "inactive", ["pause"]],
    [altur, "finished", "active", undefined],
    [puffle, "draft", "paused", ["launch", "pause"]],
    [puffle, "active", "draft", undefined],
    [puffle, "launching", "active", []],
  ] as const)("%#: %s → %s", (caps, from, to, expected) => {
    expect(lifecyclePath(caps, from, to)?.map((a) => a.name)).toEqual(expected);
  });
});

describe("typed codes: blocked steps and notes say what they are, the words only explain", () => {
  const audience = (counts: Partial<AudiencePlan>, writableIn: string[], removableIn: string[]): AudiencePlanInput => ({
    plan: { noun: "prospects", mode: "exact", rows: 3, duplicates: 0, files: {}, unchanged: false, add: 0, update: 0, present: 0, remove: 0, keep: 0, ...counts },
    writableIn,
    writeBlocked: "rows can be added only to a draft",
    removableIn,
    removeBlocked: "entries cannot be removed",
  });
  const draftP = { status: "draft", spec: { name: "P" } };
  it.each<[string, PlanResourceInput, { code: BlockedCode; field?: string }[]]>([
    ["finished Altur: the status cannot be reached, the field cannot change", input("altur", altur, { ...alturSpec, retries: 2, status: "active" }, { status: "finished", spec: alturLive }), [
      { code: "field-blocked", field: "retries" },
      { code: "status-unreachable", field: "status" },
    ]],
    ["the provider's pre-check refuses the launch", input("puffle", puffle, { name: "P", status: "active" }, draftP, { preflight: { launch: { ready: false, errors: ["senders not ready"] } } }), [
      { code: "preflight-failed", field: "status" },
    ]],
    ["un-archiving", input("altur", altur, { ...alturSpec, archived: false }, { status: "inactive", spec: { ...alturLive, archived: true } }), [{ code: "flag-irreversible", field: "archived" }]],
    ["a draft-only field on an active campaign", input("puffle", puffle, { name: "P", stop_on_reply: false }, { status: "active", spec: { name: "P", stop_on_reply: true } }), [
      { code: "field-blocked", field: "stop_on_reply" },
    ]],
    ["a create the spec cannot make", input("puffle", puffle, { name: "P" }), [{ code: "create-incomplete" }]],
    ["rows to add where the status forbids it", input("puffle", puffle, { name: "P" }, { status: "active", spec: { name: "P" } }, { audience: audience({ add: 2 }, ["draft"], []) }), [
      { code: "audience-add-blocked" },
    ]],
    ["entries to remove where the status forbids it", input("puffle", puffle, { name: "P" }, { status: "active", spec: { name: "P" } }, { audience: audience({ remove: 2 }, [], ["draft"]) }), [
      { code: "audience-remove-blocked" },
    ]],
    ["entries no longer listed that stay", input("puffle", puffle, { name: "P" }, draftP, { audience: audience({ keep: 2 }, ["draft"], []) }), [{ code: "audience-kept" }]],
  ])("%s", (_name, inp, expected) => {
    const plan = planResource(inp);
    expect(plan.blocked.map((b) => ({ code: b.code, ...(b.field === undefined ? {} : { field: b.field }) }))).toEqual(expected);
  });

  it.each<[string, PlanResourceInput, NoteCode[]]>([
    ["an orphan the provider retires", input("altur", altur, undefined, { status: "active", spec: alturLive }), ["orphan-prune", "orphan-keep"]],
    ["an orphan the provider cannot retire", input("extrovert", extrovert, undefined, { spec: {} }), ["orphan-manual"]],
    ["a replace", input("altur", altur, { ...alturSpec, agent_id: "agent_x" }, { status: "active", spec: alturLive }), ["replace-fields", "replace-old"]],
    ["a rename", input("altur", altur, alturSpec, { status: "active", spec: alturLive }, { movedFrom: "altur/default/old" }), ["moved"]],
    [
      "a create that launches (pre-check at apply time)",
      input("puffle", puffle, { type: "email", name: "E", sender_account_ids: ["a"], sequence_nodes: [{ type: "end" }], status: "active" }),
      ["preflight-after-create"],
    ],
    ["notes from the refresh are kept with their codes", input("altur", altur, alturSpec, { status: "active", spec: alturLive }, { notes: [{ code: "adopted", text: "adopted live campaign 1 by its exact name" }] }), ["adopted"]],
  ])("notes: %s", (_name, inp, expected) => {
    expect(planResource(inp).notes.map((n) => n.code)).toEqual(expected);
  });

  it("a lifecycle field change is shown blocked by its own code, not by the words of the step", () => {
    const un = planResource(input("altur", altur, { ...alturSpec, archived: false }, { status: "inactive", spec: { ...alturLive, archived: true } }));
    expect(un.changes.find((c) => c.path === "archived")).toMatchObject({ class: "blocked", reason: un.blocked[0]?.reason });
    // A failed pre-check blocks the launch step; the status change itself stays editable (as before codes).
    const pre = planResource(input("puffle", puffle, { name: "P", status: "active" }, draftP, { preflight: { launch: { ready: false, errors: ["x"] } } }));
    expect(pre.changes.find((c) => c.path === "status")?.class).toBe("editable");
  });
});
