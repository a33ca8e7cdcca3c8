import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: retiring keeps history by default; deleting is opt-in (`prune: delete`).
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

/** An active Puffle campaign `nurture` (a prospect added so the launch passes the pre-check) and an Altur one. */
async function activeCampaigns(w: TestWorkspace): Promise<string> {
  await w.write("nurture", "PuffleCampaign", puffleEmail);
  await w.write("q2", "AlturCampaign", alturPhone);
  expect((await w.run(["apply", "--auto-approve"])).code).toBe(0);
  const id = (await w.state()).campaigns["puffle/default/nurture"]?.id as string;
  expect((await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }] })).status).toBeLessThan(300);
  await w.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
  const launched = await w.run(["apply", "--auto-approve"]);
  expect(launched.code, launched.stdout + launched.stderr).toBe(0);
  expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "active" });
  return id;
}

const writes = async (p: "puffle" | "altur") => (await sb.requests(p)).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe("retiring (prune)", () => {
  it("pauses an active Puffle campaign and archives an Altur one: no DELETE, history kept", async () => {
    const id = await activeCampaigns(ws);
    await ws.remove("nurture");
    await ws.remove("q2");
    const plan = await ws.run(["plan", "--prune", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain("apply retires it, keeping its history");
    expect(plan.stdout).toContain("steps: pause (active → paused)");
    expect(plan.stdout).toContain("steps: archive");
    expect(plan.stdout).not.toContain("DELETE");
    await clearLogs(sb);
    const pruned = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(await writes("puffle")).toEqual([`POST /api/campaigns/${id}/pause`]);
    expect((await writes("altur")).some((w) => w.endsWith("/archive"))).toBe(true);
    expect((await sb.requests("puffle")).some((r) => r.method === "DELETE")).toBe(false);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "paused" });
    expect((await sb.campaigns("altur"))[0]).toMatchObject({ archived: true });
    expect((await ws.state()).campaigns).toEqual({});
  });

  it("`plan --prune --out F` saves a pruning plan that `apply F` runs (prune is not repeated)", async () => {
    const id = await activeCampaigns(ws);
    await ws.remove("nurture");
    const saved = await ws.run(["plan", "--prune", "--out", "prune.json", "--format", "json"]);
    expect(saved.code, saved.stderr).toBe(0);
    const doc = JSON.parse(saved.stdout);
    expect(doc.prune).toBe(true);
    expect(doc.campaigns.find((c: { address: string }) => c.address === "puffle/default/nurture")).toMatchObject({
      action: "orphan",
      steps: [{ kind: "action", action: "pause", from: "active", to: "paused" }],
    });
    await clearLogs(sb);
    const applied = await ws.run(["apply", "prune.json"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await writes("puffle")).toEqual([`POST /api/campaigns/${id}/pause`]);
    expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/q2"]);
  });

  it("a draft Puffle orphan is only no longer tracked: nothing is sent", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await ws.remove("nurture");
    await clearLogs(sb);
    const pruned = await ws.run(["apply", "--auto-approve", "--prune"]);
    expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain("history kept, no longer tracked");
    expect(await writes("puffle")).toEqual([]);
    expect(await sb.campaigns("puffle")).toHaveLength(1);
    expect((await ws.state()).campaigns).toEqual({});
  });

  it("`prune: delete` DELETEs, and the plan says DELETE and what is lost in text, markdown and JSON", async () => {
    const del = await TestWorkspace.create(sb, { prune: "delete" });
    try {
      const id = await activeCampaigns(del);
      await del.remove("nurture");
      await del.remove("q2");
      const text = await del.run(["plan", "--detailed-exitcode"]);
      expect(text.code, text.stdout + text.stderr).toBe(2);
      expect(text.stdout).toMatch(/puffle\/default\/nurture .*apply DELETES it \(prune: delete\) — lost: its prospects/);
      expect(text.stdout).toContain("steps: DELETE (loses its prospects, their replies and the campaign's statistics)");
      // Altur has no delete: archived, and the plan says so.
      expect(text.stdout).toContain("this provider's API cannot delete");
      const md = await del.run(["plan", "--format", "markdown"]);
      expect(md.stdout).toContain("apply DELETES it (prune: delete)");
      const json = JSON.parse((await del.run(["plan", "--format", "json"])).stdout);
      const nurture = json.campaigns.find((c: { address: string }) => c.address === "puffle/default/nurture");
      expect(nurture.steps).toEqual([{ kind: "delete", loses: "its prospects, their replies and the campaign's statistics" }]);
      expect(nurture.notes.map((n: { code: string }) => n.code)).toContain("orphan-delete");
      await clearLogs(sb);
      const pruned = await del.run(["apply", "--auto-approve"]);
      expect(pruned.code, pruned.stdout + pruned.stderr).toBe(0);
      expect(await writes("puffle")).toEqual([`DELETE /api/campaigns/${id}`]);
      expect(await sb.campaigns("puffle")).toHaveLength(0);
      expect((await sb.campaigns("altur"))[0]).toMatchObject({ archived: true });
    } finally {
      await del.dispose();
    }
  });

  it("`prune: maybe` is a located config error", async () => {
    const bad = await TestWorkspace.create(sb, { prune: "maybe" });
    try {
      const res = await bad.run(["validate"]);
      expect(res.code).toBe(1);
      expect(res.stdout + res.stderr).toMatch(/campaignctl\.yaml:\d+:\d+: error .*prune/);
    } finally {
      await bad.dispose();
    }
  });
});
