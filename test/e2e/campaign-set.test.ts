/**
 * CampaignSet (docs/design.md §13, issue 27) end to end: real CLI code over real HTTP against the sandbox
 * on 127.0.0.1. One set file of 3 Puffle instances: the plan groups the creates, apply creates 3, the next
 * plan is empty, a template edit plans 3 updates shown once, removing an instance leaves an orphan and
 * renaming one is a move (nothing created, nothing retired).
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_SENDER_IDS } from "../../src/sandbox/puffle/model.js";
import { useSandbox } from "../support/sandbox.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

/**
 * A workspace whose accounts send as fast as the sandbox answers: the sandbox has no rate limits here, so no
 * client-side pacing either (as test/contract/contract.test.ts does) and 12 campaigns apply in a blink.
 */
async function fastWorkspace(): Promise<TestWorkspace> {
  const u = sb.urls;
  return TestWorkspace.create(sb, {
    accounts: [
      { provider: "extrovert", apiKeyEnv: "EXTROVERT_API_KEY", baseUrl: u.extrovert, requestsPerSecond: 1000 },
      { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: u.puffle, requestsPerSecond: 1000, statusWait: { pollSeconds: 0.1 } },
      { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: u.altur, requestsPerSecond: 1000 },
    ],
  });
}
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await fastWorkspace();
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

// ---------------------------------------------------------------------------------------------------------
// Issue 27 "done when", end to end: a 3 × 4 matrix at scale, the README's "copied files into a set" recipe,
// and `validate`'s located error for an unknown variable.

const SEGMENTS = ["cto", "cfo", "ceo"];
const LANGS = ["en", "de", "fr", "es"];
/** The 12 instance names of the matrix, in expansion order (the first variable varies slowest). */
const MATRIX_NAMES = SEGMENTS.flatMap((s) => LANGS.map((l) => `${s}-${l}`));
/** The plan lists campaigns by address. */
const PLAN_ORDER = [...MATRIX_NAMES].sort();
const MADDR = (instance: string) => `puffle/default/outreach-${instance}`;

function matrixTemplate(subject: string, dailyLimit: unknown): Record<string, unknown> {
  return {
    kind: "PuffleCampaign",
    metadata: { account: "default" },
    spec: {
      type: "email",
      name: "Outreach ${segment} (${lang})",
      sender_account_ids: [FIXTURE_SENDER_IDS.email1],
      daily_limit: dailyLimit,
      sequence_nodes: [{ type: "email", subject, body: "Hi %first_name%, a note for a ${segment} (${lang})." }, { type: "end" }],
      status: "draft",
    },
  };
}

const writeDoc = (file: string, doc: Record<string, unknown>) => writeFile(join(ws.dir, "campaigns", file), stringify(doc));
const setDoc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: "campaignctl/v1", kind: "CampaignSet", metadata: { name }, spec });
const writes = async () => (await sb.requests("puffle")).filter((e) => e.method !== "GET");

describe("CampaignSet at scale and the README recipes (issue 27, done when)", () => {
  it("a 3 × 4 matrix applies 12 creates, converges, groups a 12-campaign template edit, and one instance's value plans one update", async () => {
    const matrixSet = (subject: string) => setDoc("outreach", { matrix: { segment: SEGMENTS, lang: LANGS }, template: matrixTemplate(subject, 30) });
    await writeDoc("outreach.yaml", matrixSet("Quick question"));

    const first = await planJson();
    expect(first.campaigns.map((c) => [c.address, c.action, c.set, c.instance])).toEqual(PLAN_ORDER.map((n) => [MADDR(n), "create", "outreach", n]));
    expect((await ws.run(["plan"])).stdout).toContain("+ 12 campaigns of set outreach: will be created (PuffleCampaign)");

    await clearLogs(sb);
    const t0 = performance.now();
    const applied = await ws.run(["apply", "--auto-approve"]);
    const applyMs = performance.now() - t0;
    expect(applied.code, applied.stderr).toBe(0);
    const creates = (await writes()).filter((e) => e.method === "POST" && e.path === "/api/campaigns");
    expect(creates).toHaveLength(12);
    expect(creates.map((p) => (p.body as { name: string }).name).sort()).toEqual(SEGMENTS.flatMap((s) => LANGS.map((l) => `Outreach ${s} (${l})`)).sort());
    const state = await ws.state();
    expect(Object.keys(state.campaigns).sort()).toEqual(MATRIX_NAMES.map(MADDR).sort());
    const ids = new Set(Object.values(state.campaigns).map((c) => c.id));
    expect(ids.size).toBe(12);

    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("No changes.");

    // One edit of the template's copy: 12 updates, ONE grouped change in text and markdown, the new subject once.
    await writeDoc("outreach.yaml", matrixSet("A better question"));
    const edited = await planJson();
    expect(edited.campaigns.filter((c) => c.action === "update").map((c) => c.instance)).toEqual(PLAN_ORDER);
    expect(edited.campaigns.filter((c) => c.action !== "update")).toEqual([]);
    const text = (await ws.run(["plan"])).stdout;
    expect(text).toContain("~ 12 campaigns of set outreach: will be updated in place");
    expect(text.split("campaigns of set").length - 1).toBe(1);
    expect(text.split("A better question").length - 1).toBe(1);
    const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
    expect(md).toContain("<b>12 campaigns of set outreach</b> — will be updated in place");
    expect(md.split("campaigns of set").length - 1).toBe(1);

    await clearLogs(sb);
    // 12 of 12 managed campaigns is above safety.maxChangePercent: apply refuses, sending nothing, until --force.
    const guarded = await ws.run(["apply", "--auto-approve"]);
    expect(guarded.code).not.toBe(0);
    expect(guarded.stderr).toContain("this apply would change 12 of 12 managed campaigns (100%), above safety.maxChangePercent");
    expect(await writes()).toEqual([]);
    const t1 = performance.now();
    const updated = await ws.run(["apply", "--auto-approve", "--force"]);
    const updateMs = performance.now() - t1;
    expect(updated.code, updated.stderr).toBe(0);
    const edits = await writes();
    console.log(`[campaign-set] 12 creates in ${applyMs.toFixed(0)} ms; template edit: ${edits.length} writes (${[...new Set(edits.map((e) => e.method))].join(",")}) in ${updateMs.toFixed(0)} ms`);
    expect(edits.map((e) => e.method + " " + e.path.replace(/^\/api\/campaigns\/[^/]+$/, "/api/campaigns/:id"))).toEqual(Array(12).fill("PATCH /api/campaigns/:id"));
    expect(edits.every((e) => JSON.stringify(e.body).includes("A better question") && !JSON.stringify(e.body).includes("Quick question"))).toBe(true);
    // One write per campaign, to each of the 12.
    expect(new Set(edits.map((e) => e.path.split("/")[3])).size).toBe(12);
    expect([...new Set(edits.map((e) => e.path.split("/")[3]))].every((id) => ids.has(id!))).toBe(true);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    // A matrix gives every instance the same template, so one instance's own value needs `instances`: the same
    // 12 instances written out (same names, same variables) expand to the same campaigns: nothing to do …
    const rows = SEGMENTS.flatMap((segment) => LANGS.map((lang) => ({ name: `${segment}-${lang}`, segment, lang, limit: 30 })));
    const instancesSet = (limitOf: (name: string) => number) =>
      setDoc("outreach", { instances: rows.map((r) => ({ ...r, limit: limitOf(r.name) })), template: matrixTemplate("A better question", "${limit}") });
    await writeDoc("outreach.yaml", instancesSet(() => 30));
    const same = await ws.run(["plan", "--detailed-exitcode"]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    // … and one instance's value plans exactly one update, applied with one write.
    await writeDoc("outreach.yaml", instancesSet((n) => (n === "cfo-de" ? 45 : 30)));
    const one = await planJson();
    expect(one.campaigns.filter((c) => c.action !== "noop").map((c) => [c.address, c.action, c.changes.map((ch) => ch.path)])).toEqual([[MADDR("cfo-de"), "update", ["daily_limit"]]]);
    await clearLogs(sb);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const limitWrites = await writes();
    expect(limitWrites.map((e) => [e.method, e.path, e.body])).toEqual([["PATCH", `/api/campaigns/${state.campaigns[MADDR("cfo-de")]!.id}`, { daily_limit: 45 }]]);
  });

  it("README recipe: three copied files become one set: same addresses plan nothing; another set name plans 3 moves, no create, no write", async () => {
    // Three ordinary campaign files, the same spec except name and sender, applied.
    const COPIES = [
      { instance: "dach", title: "DACH", sender: FIXTURE_SENDER_IDS.email1 },
      { instance: "nordics", title: "Nordics", sender: FIXTURE_SENDER_IDS.email2 },
      { instance: "uk", title: "UK", sender: FIXTURE_SENDER_IDS.email1 },
    ];
    const spec = (title: string, sender: string) => ({
      type: "email",
      name: `CTO outreach ${title}`,
      sender_account_ids: [sender],
      daily_limit: 30,
      sequence_nodes: [{ type: "email", subject: "Quick question", body: "Hi %first_name%, one question." }, { type: "end" }],
      status: "draft",
    });
    for (const c of COPIES) await ws.write(`cto-${c.instance}`, "PuffleCampaign", spec(c.title, c.sender), "default");
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const before = await ws.state();
    const OLD = (i: string) => `puffle/default/cto-${i}`;
    expect(Object.keys(before.campaigns).sort()).toEqual(COPIES.map((c) => OLD(c.instance)));

    // As the README says: set `cto`, instances dach, nordics, uk, spec.name kept exactly (the part that differs in
    // a variable), the three files deleted in the same change.
    const template = { kind: "PuffleCampaign", metadata: { account: "default" }, spec: { ...spec("${title}", "${sender}"), name: "CTO outreach ${title}" } };
    const recipeSet = (setName: string) => setDoc(setName, { instances: COPIES.map((c) => ({ name: c.instance, title: c.title, sender: c.sender })), template });
    for (const c of COPIES) await ws.remove(`cto-${c.instance}`);
    await writeDoc("cto.yaml", recipeSet("cto"));

    // `render` shows the three documents; `plan` shows no change.
    const rendered = await ws.run(["render"]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(COPIES.map((c) => rendered.stdout.includes(`name: cto-${c.instance}\n`))).toEqual([true, true, true]);
    await clearLogs(sb);
    const same = await ws.run(["plan", "--detailed-exitcode"]);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toContain("No changes.");
    const sameApply = await ws.run(["apply", "--auto-approve"]);
    expect(sameApply.code, sameApply.stderr).toBe(0);
    expect(await writes()).toEqual([]);
    expect((await ws.state()).campaigns).toEqual(before.campaigns);

    // "If the addresses change (another set name), the plan shows three moves, paired by spec.name — never a create."
    await rm(join(ws.dir, "campaigns", "cto.yaml"));
    await writeDoc("cto-team.yaml", recipeSet("cto-team"));
    const NEW = (i: string) => `puffle/default/cto-team-${i}`;
    const moves = await planJson();
    expect(moves.campaigns.map((c) => [c.address, c.movedFrom, c.action, c.set, c.instance])).toEqual(COPIES.map((c) => [NEW(c.instance), OLD(c.instance), "noop", "cto-team", c.instance]));
    expect(moves.campaigns.filter((c) => c.action === "create" || c.action === "orphan")).toEqual([]);
    const movesText = await ws.run(["plan", "--detailed-exitcode"]);
    expect(movesText.code, movesText.stderr).toBe(2);
    expect(movesText.stdout).toContain("~ 3 campaigns of set cto-team: move (same campaigns, state re-keyed) and is in sync (PuffleCampaign)");
    expect(movesText.stdout).toContain("Plan: 0 to create, 0 to update, 0 to transition, 0 to replace, 3 to move, 3 unchanged.");
    expect(movesText.stdout).not.toMatch(/will be created|orphan/);

    await clearLogs(sb);
    const moved = await ws.run(["apply", "--auto-approve"]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(await writes()).toEqual([]);
    const after = await ws.state();
    expect(Object.keys(after.campaigns).sort()).toEqual(COPIES.map((c) => NEW(c.instance)));
    for (const c of COPIES) expect(after.campaigns[NEW(c.instance)]?.id).toBe(before.campaigns[OLD(c.instance)]?.id);
    const next = await ws.run(["plan", "--detailed-exitcode"]);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain("No changes.");
  });
});
