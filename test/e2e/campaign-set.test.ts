/**
 * CampaignSet (docs/design.md §13, issue 27) end to end: real CLI code over real HTTP against the sandbox
 * on 127.0.0.1. One set file of 3 Puffle instances: the plan groups the creates, apply creates 3, the next
 * plan is empty, a template edit plans 3 updates shown once, removing an instance leaves an orphan and
 * renaming one is a move (nothing created, nothing retired).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_SENDER_IDS } from "../../src/sandbox/puffle/model.js";
import { useSandbox } from "../support/sandbox.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const INSTANCES = [
  { name: "dach", title: "DACH", lang: "de", sender: FIXTURE_SENDER_IDS.email1, limit: 30 },
  { name: "nordics", title: "Nordics", lang: "en", sender: FIXTURE_SENDER_IDS.email2, limit: 40 },
  { name: "uk", title: "UK", lang: "en", sender: FIXTURE_SENDER_IDS.email1, limit: 50 },
];

function setFile(instances: readonly Record<string, unknown>[], subject = "Quick question"): string {
  return stringify({
    apiVersion: "campaignctl/v1",
    kind: "CampaignSet",
    metadata: { name: "cto-outreach" },
    spec: {
      instances,
      template: {
        kind: "PuffleCampaign",
        metadata: { account: "default" },
        spec: {
          type: "email",
          name: "CTO outreach ${title} (${lang})",
          sender_account_ids: ["${sender}"],
          daily_limit: "${limit}",
          sequence_nodes: [{ type: "email", subject, body: "Hi %first_name%, $${not a variable}" }, { type: "delay", delay_days: 2 }, { type: "end" }],
          status: "draft",
        },
      },
    },
  });
}

const writeSet = (instances: readonly Record<string, unknown>[], subject?: string) => writeFile(join(ws.dir, "campaigns", "cto-outreach.yaml"), setFile(instances, subject));
const ADDR = (instance: string) => `puffle/default/cto-outreach-${instance}`;

interface PlanJson {
  campaigns: { address: string; action: string; set?: string; instance?: string; movedFrom?: string; changes: { path: string }[] }[];
}
async function planJson(): Promise<PlanJson> {
  const r = await ws.run(["plan", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
}

describe("CampaignSet against the sandbox", () => {
  it("creates 3 instances in one grouped plan, converges, groups a template edit, orphans a removed instance and moves a renamed one", async () => {
    await writeSet(INSTANCES);

    // render prints what plan sees: 3 documents, variables substituted, types kept, $${ escaped.
    const rendered = await ws.run(["render", "--target", "puffle/default/cto-outreach-d*"]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain("name: cto-outreach-dach\n");
    expect(rendered.stdout).toContain("daily_limit: 30\n");
    expect(rendered.stdout).toContain("Hi %first_name%, ${not a variable}");
    expect(rendered.stdout).not.toContain("cto-outreach-uk");

    const first = await planJson();
    expect(first.campaigns.map((c) => [c.address, c.action, c.set, c.instance])).toEqual(
      INSTANCES.map((i) => [ADDR(i.name), "create", "cto-outreach", i.name]),
    );
    const text = await ws.run(["plan"]);
    expect(text.stdout).toContain("+ 3 campaigns of set cto-outreach: will be created (PuffleCampaign)");
    expect(text.stdout).toContain("instances: dach, nordics, uk");
    // Shared lines once: the subject is the same in all three.
    expect(text.stdout.split("Quick question").length - 1).toBe(1);
    const md = await ws.run(["plan", "--format", "markdown"]);
    expect(md.stdout).toContain("<b>3 campaigns of set cto-outreach</b> — will be created");

    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stderr).toBe(0);
    const posts = (await sb.requests("puffle")).filter((e) => e.method === "POST" && e.path === "/api/campaigns");
    expect(posts.map((p) => (p.body as { name: string }).name).sort()).toEqual(["CTO outreach DACH (de)", "CTO outreach Nordics (en)", "CTO outreach UK (en)"]);
    expect(posts.map((p) => (p.body as { daily_limit: number }).daily_limit).sort()).toEqual([30, 40, 50]);
    const state = await ws.state();
    expect(Object.keys(state.campaigns).sort()).toEqual(INSTANCES.map((i) => ADDR(i.name)));

    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("No changes.");

    // One template edit: 3 updates, shown once.
    await writeSet(INSTANCES, "A better question");
    const edited = await planJson();
    expect(edited.campaigns.filter((c) => c.action === "update").map((c) => c.instance)).toEqual(["dach", "nordics", "uk"]);
    const editedText = (await ws.run(["plan"])).stdout;
    expect(editedText).toContain("~ 3 campaigns of set cto-outreach: will be updated in place");
    expect(editedText.split("A better question").length - 1).toBe(1);
    await writeSet(INSTANCES);

    // One instance's value: exactly one update.
    await writeSet(INSTANCES.map((i) => (i.name === "uk" ? { ...i, limit: 55 } : i)));
    const one = await planJson();
    expect(one.campaigns.filter((c) => c.action !== "noop").map((c) => [c.instance, c.action, c.changes.map((ch) => ch.path)])).toEqual([["uk", "update", ["daily_limit"]]]);
    await writeSet(INSTANCES);

    // Removing an instance: its campaign is an orphan (prune is off: left alone).
    await writeSet(INSTANCES.filter((i) => i.name !== "nordics"));
    const removed = await planJson();
    expect(removed.campaigns.filter((c) => c.action !== "noop").map((c) => [c.address, c.action])).toEqual([[ADDR("nordics"), "orphan"]]);

    // Renaming an instance (its campaign's spec.name unchanged): a move, nothing created or retired.
    await writeSet(INSTANCES.map((i) => (i.name === "uk" ? { ...i, name: "britain" } : i)));
    const renamed = await planJson();
    const moved = renamed.campaigns.filter((c) => c.movedFrom !== undefined);
    expect(moved.map((c) => [c.address, c.movedFrom, c.action])).toEqual([[ADDR("britain"), ADDR("uk"), "noop"]]);
    expect(renamed.campaigns.filter((c) => c.action === "create" || c.action === "orphan")).toEqual([]);
    await clearLogs(sb);
    const movedApply = await ws.run(["apply", "--auto-approve"]);
    expect(movedApply.code, movedApply.stderr).toBe(0);
    expect((await sb.requests("puffle")).filter((e) => e.method !== "GET")).toEqual([]);
    const after = await ws.state();
    expect(after.campaigns[ADDR("britain")]?.id).toBe(state.campaigns[ADDR("uk")]?.id);
    expect(after.campaigns[ADDR("uk")]).toBeUndefined();
  });
});
