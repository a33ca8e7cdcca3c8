import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, extrovertTarget, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const writes = (log: { method: string }[]) => log.filter((r) => r.method !== "GET");

describe("contract: create → plan empty → change → plan shows it → apply → plan empty", () => {
  it("Altur: one changed field is one PATCH carrying only that field", async () => {
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    const created = await ws.run(["apply", "--auto-approve"]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const [campaign] = await sb.campaigns("altur");
    expect(campaign).toMatchObject({ name: "Q2 Reactivation", status: "active", retries: 1 });

    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);

    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, retries: 3, cycles: { ...alturPhone.cycles, cooldown_minutes: 60 } });
    const changed = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(changed.code).toBe(2);
    const plan = JSON.parse(changed.stdout);
    expect(plan.campaigns[0].action).toBe("update");
    expect(plan.campaigns[0].changes.map((c: { path: string }) => c.path)).toEqual(["cycles.cooldown_minutes", "retries"]);

    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const log = await sb.requests("altur");
    expect(writes(log)).toEqual([expect.objectContaining({ method: "PATCH", body: { retries: 3, cycles: { cooldown_minutes: 60 } }, status: 200 })]);

    const final = await ws.run(["plan", "--detailed-exitcode"]);
    expect(final.code, final.stdout).toBe(0);
  });

  it("Altur: a PATCH of list-only fields is verified from its answer and the list, with no detail GET (issue 30)", async () => {
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const [campaign] = await sb.campaigns("altur");
    const id = String((campaign as { id: number }).id);
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, retries: 3, timezone: "America/Bogota" });
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve", "--format", "json"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const log = await sb.requests("altur");
    expect(log.filter((r) => r.method === "GET" && r.path.endsWith(`/campaigns/${id}`))).toEqual([]);
    expect(writes(log)).toEqual([expect.objectContaining({ method: "PATCH", body: { retries: 3, timezone: "America/Bogota" } })]);
    // Verified all the same: the list carries both fields.
    const outcome = (JSON.parse(applied.stdout) as { campaigns: { verified: string[] }[] }).campaigns[0];
    expect(outcome?.verified.sort()).toEqual(["retries", "timezone"]);
  });

  it("Puffle: a draft with its sequence is created, then a rename is one PATCH of name", async () => {
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);
    const created = await ws.run(["apply", "--auto-approve"]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const [stored] = await sb.campaigns("puffle");
    expect((stored as { sequence_nodes: unknown[] }).sequence_nodes).toHaveLength(4);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    await ws.write("email-nurture", "PuffleCampaign", { ...puffleEmail, name: "Email nurture v2" });
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(writes(await sb.requests("puffle"))).toEqual([expect.objectContaining({ method: "PATCH", body: { name: "Email nurture v2" } })]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("Extrovert: created once, recorded in state, and a rename is one full-body PATCH", async () => {
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    const created = await ws.run(["apply", "--auto-approve"]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const state = await ws.state();
    const id = state.campaigns["extrovert/default/founders"]?.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const empty = await ws.run(["plan", "--detailed-exitcode"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/No changes/);

    await ws.write("founders", "ExtrovertCampaign", { ...extrovertTarget, name: "Founders engagement v2" });
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const log = writes(await sb.requests("extrovert"));
    expect(log).toHaveLength(1);
    const { ownerId: _o, type: _t, ...updatable } = extrovertTarget;
    expect(log[0]).toMatchObject({ method: "PATCH", path: expect.stringContaining(`/campaign/${id}`), body: { ...updatable, id, name: "Founders engagement v2" } });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });
});

describe("plan", () => {
  it("never sends anything but GET, and reads each provider with its list endpoint", async () => {
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    await clearLogs(sb);
    const res = await ws.run(["plan", "--detailed-exitcode"]);
    expect(res.code, res.stdout + res.stderr).toBe(2);
    const all = [...(await sb.requests("altur")), ...(await sb.requests("puffle")), ...(await sb.requests("extrovert"))];
    expect(all.every((r) => r.method === "GET")).toBe(true);
    expect(all.map((r) => r.path).sort()).toEqual(["/api/campaigns", "/api/v1.0/campaigns"]);
  });

  it("a draft-only Puffle field on an active campaign is blocked (exit 3) and never sent", async () => {
    await ws.write("email-nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/email-nurture"]?.id as string;
    await sb.forceStatus("puffle", id, "active");
    await ws.write("email-nurture", "PuffleCampaign", { ...puffleEmail, status: "active", stop_on_reply: false });
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code).toBe(3);
    const c = JSON.parse(plan.stdout).campaigns[0];
    expect(c.changes).toEqual([expect.objectContaining({ path: "stop_on_reply", class: "blocked", reason: expect.stringMatching(/silently ignores/) })]);
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(3);
    expect(writes(await sb.requests("puffle"))).toEqual([]);
  });

  it("an Altur agent_id change is a replace, executed only with --allow-replace (a new version: the old one is renamed and kept)", async () => {
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, status: undefined });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const oldId = (await ws.state()).campaigns["altur/default/q2-reactivation"]?.id;
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, status: undefined, integration_id: "integ_wa_01", integration_type: "whatsapp", first_message: undefined, cycles: undefined, template: "reactivation_v1" });
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code).toBe(3);
    expect(JSON.parse(plan.stdout).campaigns[0]).toMatchObject({ action: "replace", replaceFields: ["integration_id", "integration_type"] });
    const refused = await ws.run(["apply", "--auto-approve"]);
    expect(refused.code).toBe(3);
    expect(await sb.campaigns("altur")).toHaveLength(1);
    const replaced = await ws.run(["apply", "--auto-approve", "--allow-replace"]);
    expect(replaced.code, replaced.stdout + replaced.stderr).toBe(0);
    const stored = await sb.campaigns("altur");
    expect(stored).toHaveLength(2);
    // Not running (never activated): renamed and kept as it is — not archived, not deleted.
    expect(stored.find((c) => String(c.id) === oldId)).toMatchObject({ archived: false, name: expect.stringMatching(/\(replaced \d{4}-\d{2}-\d{2}\)$/) });
    const newId = (await ws.state()).campaigns["altur/default/q2-reactivation"]?.id;
    expect(newId).not.toBe(oldId);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("any change to a finished Altur campaign is blocked", async () => {
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2-reactivation"]?.id as string;
    await sb.forceStatus("altur", id, "finished");
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, status: undefined, retries: 4 });
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code).toBe(3);
    expect(JSON.parse(plan.stdout).campaigns[0].changes[0]).toMatchObject({ path: "retries", class: "blocked", reason: expect.stringMatching(/CAMPAIGN_FINISHED/) });
  });

  it("adopts a live campaign with exactly the same name instead of creating it", async () => {
    const made = await sb.request("altur", "POST", "/campaigns", {
      name: "Q2 Reactivation",
      agent_id: "agent_demo_01",
      integration_id: "integ_phone_01",
      integration_type: "phone_call",
      retries: 0,
      cycles: alturPhone.cycles,
    });
    expect(made.status).toBe(201);
    await ws.write("q2-reactivation", "AlturCampaign", { ...alturPhone, status: undefined });
    const plan = await ws.run(["plan", "--format", "json"]);
    const c = JSON.parse(plan.stdout).campaigns[0];
    expect(c).toMatchObject({ identity: "adopted", id: String(made.body.campaign.id), action: "update" });
    expect(c.changes.map((ch: { path: string }) => ch.path)).toEqual(["first_message", "retries", "scheduling.mon", "scheduling.tue", "timezone"]);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    expect(await sb.campaigns("altur")).toHaveLength(1);
  });

  it("two live campaigns with the same name are a clear error naming both ids", async () => {
    const body = { name: "Q2 Reactivation", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" };
    const a = await sb.request("altur", "POST", "/campaigns", body);
    const b = await sb.request("altur", "POST", "/campaigns", body);
    await ws.write("q2-reactivation", "AlturCampaign", alturPhone);
    const plan = await ws.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(`ids ${a.body.campaign.id}, ${b.body.campaign.id}`);
    expect(plan.stdout).toContain("campaignctl state adopt altur/default/q2-reactivation --id");
  });
});
