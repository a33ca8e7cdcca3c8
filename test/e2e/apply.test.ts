import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { executePlan } from "../../src/engine/apply.js";
import { openSessions, closeSessions } from "../../src/engine/session.js";
import { loadWorkspace } from "../../src/config/workspace.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { catalog } from "../../src/providers/registry.js";
import { StateStore } from "../../src/state/journal.js";
import type { JsonObject } from "../../src/core/json.js";
import type { Plan } from "../../src/core/plan.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, KEYS, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

describe("apply", () => {
  it("a launch the provider's pre-check refuses is blocked (exit 3), then goes through once prospects exist", async () => {
    await ws.write("email-nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    const first = await ws.run(["apply", "--auto-approve"]);
    expect(first.code, first.stdout + first.stderr).toBe(3);
    expect(first.stdout).toMatch(/blocked launch: .*pending prospect/i);
    const id = (await ws.state()).campaigns["puffle/default/email-nurture"]?.id as string;
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "draft" });

    // Still blocked on the next plan, with the provider's reason, and nothing is sent.
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code).toBe(3);
    expect(plan.stdout).toMatch(/launch blocked: the provider's pre-check says launch would fail/);

    const added = await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }] });
    expect(added.status).toBeLessThan(300);
    const second = await ws.run(["apply", "--auto-approve"]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "active" });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("refuses to run without confirmation when stdin is not a terminal", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    const res = await ws.run(["apply"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/stdin is not a terminal.*--auto-approve/);
    expect(await sb.campaigns("altur")).toHaveLength(0);
  });

  it("applies a saved plan, and refuses a stale one naming the campaign that changed", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;

    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 2 });
    expect((await ws.run(["plan", "--out", "plan.json"])).code).toBe(0);
    // Someone edits the campaign in the provider's UI after the plan was made.
    expect((await sb.request("altur", "PATCH", `/campaigns/${id}`, { description: "edited in the UI" })).status).toBe(200);
    await clearLogs(sb);
    const stale = await ws.run(["apply", "plan.json"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/stale: altur\/default\/q2 changed since/);
    expect((await sb.requests("altur")).filter((r) => r.method !== "GET")).toEqual([]);

    expect((await ws.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const ok = await ws.run(["apply", "plan.json"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect((await sb.campaigns("altur"))[0]).toMatchObject({ retries: 2, description: "edited in the UI" });
  });

  it("orphans are reported and kept, and retired only with --prune", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await ws.remove("q2");
    await ws.remove("nurture");
    // Apply will not touch them (prune off): a note, not a change.
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toMatch(/altur\/default\/q2.*no longer in Git: apply leaves it alone \(prune is off\)/);
    expect(plan.stdout).toContain("Note: 2 no longer in Git, left alone (prune is off).");
    const md = await ws.run(["plan", "--format", "markdown"]);
    expect(md.stdout).toContain("**Note:** 2 campaign(s) are in state but no longer in Git. Apply leaves them alone");
    expect(md.stdout).not.toContain("<details>");
    const kept = await ws.run(["apply", "--auto-approve"]);
    expect(kept.code).toBe(0);
    expect(Object.keys((await ws.state()).campaigns)).toHaveLength(2);
    const pruned = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect((await sb.campaigns("altur"))[0]).toMatchObject({ archived: true });
    // A draft Puffle campaign is not running: retiring keeps it (no DELETE) and stops tracking it.
    expect(await sb.campaigns("puffle")).toHaveLength(1);
    expect((await ws.state()).campaigns).toEqual({});
  });

  it("`prune: true` in campaignctl.yaml makes orphans changes that apply retires; --no-prune overrides it", async () => {
    const pruning = await TestWorkspace.create(sb, { prune: true });
    try {
      await pruning.write("q2", "AlturCampaign", alturPhone);
      await pruning.write("nurture", "PuffleCampaign", puffleEmail);
      expect((await pruning.run(["apply", "--auto-approve"])).code).toBe(0);
      await pruning.remove("nurture");
      const plan = await pruning.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout).toBe(2);
      expect(plan.stdout).toContain("puffle/default/nurture");
      expect(plan.stdout).toContain("apply retires it, keeping its history (prune is on)");
      expect(plan.stdout).toContain("1 to retire");
      const kept = await pruning.run(["apply", "--auto-approve", "--no-prune"]);
      expect(kept.code, kept.stdout + kept.stderr).toBe(0);
      expect(await sb.campaigns("puffle")).toHaveLength(1);
      const pruned = await pruning.run(["apply", "--auto-approve"]);
      expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
      expect(await sb.campaigns("puffle")).toHaveLength(1);
      expect(Object.keys((await pruning.state()).campaigns)).toEqual(["altur/default/q2"]);
    } finally {
      await pruning.dispose();
    }
  });

  it("a Puffle type change is replaced with --allow-replace: a new version — the old campaign is renamed first (names are unique), never deleted", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const oldId = (await ws.state()).campaigns["puffle/default/nurture"]?.id;
    const linkedin = {
      type: "linkedin",
      name: puffleEmail.name,
      sender_account_ids: ["f0000000-0000-4000-8000-000000000001"],
      sequence_nodes: [{ type: "message", body: "Hi {{first_name}}" }, { type: "end" }],
      status: "draft",
    };
    await ws.write("nurture", "PuffleCampaign", linkedin);
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code).toBe(3);
    expect(JSON.parse(plan.stdout).campaigns[0]).toMatchObject({ action: "replace", replaceFields: ["type"] });
    await clearLogs(sb);
    const replaced = await ws.run(["apply", "--auto-approve", "--allow-replace"]);
    expect(replaced.code, replaced.stdout + replaced.stderr).toBe(0);
    const writes = (await sb.requests("puffle")).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
    expect(writes[0]).toBe(`PATCH /api/campaigns/${oldId}`);
    expect(writes[1]).toBe("POST /api/campaigns");
    expect(writes.some((w) => w.startsWith("DELETE"))).toBe(false);
    const stored = await sb.campaigns("puffle");
    expect(stored).toHaveLength(2);
    const fresh = stored.find((c) => c.id !== oldId);
    expect(fresh).toMatchObject({ type: "linkedin", name: puffleEmail.name });
    expect(stored.find((c) => c.id === oldId)?.name).toMatch(/\(replaced /);
    expect((await ws.state()).campaigns["puffle/default/nurture"]?.id).toBe(String(fresh.id));
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("pruning an orphan that is already gone at the provider only removes it from state", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    expect((await sb.request("puffle", "DELETE", `/api/campaigns/${id}`)).status).toBe(200);
    await ws.remove("nurture");
    await clearLogs(sb);
    const pruned = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/already gone at Puffle; removed from state/);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/q2"]);
  });

  it("refuses a change set above safety.maxChangePercent without --force", async () => {
    const small = await TestWorkspace.create(sb, { safety: { maxChangePercent: 30, minManagedForThreshold: 3 } });
    try {
      for (const n of ["a", "b", "c", "d"]) await small.write(n, "AlturCampaign", { ...alturPhone, name: `Campaign ${n}`, status: undefined });
      expect((await small.run(["apply", "--auto-approve"])).code).toBe(0);
      for (const n of ["a", "b"]) await small.write(n, "AlturCampaign", { ...alturPhone, name: `Campaign ${n}`, status: undefined, retries: 5 });
      const refused = await small.run(["apply", "--auto-approve"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/2 of 4 managed campaigns \(50%\), above safety.maxChangePercent 30%/);
      const forced = await small.run(["apply", "--auto-approve", "--force"]);
      expect(forced.code).toBe(0);
    } finally {
      await small.dispose();
    }
  });

  it("verification catches a write the provider silently ignored and fails the campaign naming the field", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    await sb.forceStatus("puffle", id, "active");
    // A plan made while the campaign was still a draft, executed after it went live.
    const { workspace } = await loadWorkspace({ cwd: ws.dir });
    if (!workspace) throw new Error("workspace did not load");
    const sessions = await openSessions(workspace, ["puffle/default"], { readOnly: false, env: KEYS });
    const plan: Plan = {
      formatVersion: 2,
      createdAt: new Date().toISOString(),
      summary: { create: 0, update: 1, transition: 0, replace: 0, noop: 0, orphan: 0, moved: 0, blocked: 0 },
      errors: [],
      campaigns: [
        {
          address: "puffle/default/nurture",
          provider: "puffle",
          account: "default",
          kind: "PuffleCampaign",
          id,
          displayName: "Email nurture",
          action: "update",
          status: "draft",
          identity: "state",
          changes: [{ path: "stop_on_reply", before: true, after: false, class: "editable" }],
          steps: [{ kind: "update", body: { stop_on_reply: false }, fields: ["stop_on_reply"] }],
          blocked: [],
          warnings: [],
          notes: [],
          desired: { ...puffleEmail, stop_on_reply: false } as unknown as JsonObject,
        },
      ],
    };
    try {
      const dir = await mkdtemp(join(tmpdir(), "campaignctl-apply-"));
      const store = await StateStore.open(join(dir, "campaignctl.state.json"), catalog);
      const outcomes = await executePlan(plan, sessions, store, { allowReplace: false, prune: false });
      store.close();
      await rm(dir, { recursive: true, force: true });
      expect(outcomes[0]).toMatchObject({ status: "failed", message: expect.stringMatching(/stop_on_reply .*did not take.*silently ignored/) });
    } finally {
      closeSessions(sessions);
    }
  });
});
