/**
 * Puffle's launch is asynchronous (src/providers/puffle/README.md §4.6): draft → launching → active in the
 * background, and pause works only from active. Against a sandbox whose launch takes seconds, apply
 * waits for `active` before pausing, reports a rollback or a timeout instead of pausing early, and the
 * next plan is empty.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RequestLogEntry } from "../../src/sandbox/types.js";
import { useSandbox } from "../support/sandbox.js";
import { puffleEmail } from "./specs.js";
import { TestWorkspace } from "./workspace.js";

/** "Several seconds", as the issue asks; the suite's default is much shorter. */
const SLOW_LAUNCH_MS = 2500;
const ADDRESS = "puffle/default/nurture";

const sb = useSandbox({ rateLimits: false, puffleLaunchDelayMs: SLOW_LAUNCH_MS });
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

async function addProspect(id: string): Promise<void> {
  const res = await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }] });
  expect(res.status).toBe(200);
}

/** A draft with one prospect, made by apply (status: draft), ready to launch. */
async function readyDraft(): Promise<string> {
  await ws.write("nurture", "PuffleCampaign", puffleEmail);
  const first = await ws.run(["apply", "--auto-approve"]);
  expect(first.code, first.stdout + first.stderr).toBe(0);
  const id = (await ws.state()).campaigns[ADDRESS]?.id as string;
  await addProspect(id);
  await sb.clearRequests("puffle");
  return id;
}

const writes = (log: RequestLogEntry[]) => log.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path} → ${r.status}`);

describe("Puffle asynchronous launch", () => {
  it("a draft asked to be paused: plan shows launch → wait → pause; apply pauses only once active, ends paused, next plan empty", async () => {
    const id = await readyDraft();
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused" });

    const text = await ws.run(["plan"]);
    expect(text.stdout).toContain("steps: launch (draft → active) → wait until active (launching → active) → pause (active → paused)");
    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.campaigns[0].steps).toEqual([
      { kind: "action", action: "launch", from: "draft", to: "active" },
      { kind: "wait", after: "launch", until: "active", through: ["launching"] },
      { kind: "action", action: "pause", from: "active", to: "paused" },
    ]);

    await sb.clearRequests("puffle");
    const started = Date.now();
    const res = await ws.run(["apply", "--auto-approve"]);
    const took = Date.now() - started;
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(took).toBeGreaterThanOrEqual(SLOW_LAUNCH_MS);
    expect(res.stdout).toMatch(/launching → active after \d+\.\d s \(\d+ reads?\)/);

    const log = await sb.requests("puffle");
    // No pause before active: exactly one pause, accepted, sent after the launch had completed.
    expect(writes(log)).toEqual([`POST /api/campaigns/${id}/launch → 200`, `POST /api/campaigns/${id}/pause → 200`]);
    const launchAt = Date.parse(log.find((r) => r.path.endsWith("/launch"))!.at);
    const pauseAt = Date.parse(log.find((r) => r.path.endsWith("/pause"))!.at);
    expect(pauseAt - launchAt).toBeGreaterThanOrEqual(SLOW_LAUNCH_MS - 50);
    // Reads in between were status polls of this campaign, bounded (first after ≤ 2 s, then ≤ the poll cap).
    const polls = log.filter((r) => r.method === "GET" && r.path === `/api/campaigns/${id}` && Date.parse(r.at) > launchAt && Date.parse(r.at) < pauseAt);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.length).toBeLessThanOrEqual(SLOW_LAUNCH_MS / 100 + 3);

    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ id, status: "paused" });
    const next = await ws.run(["plan", "--detailed-exitcode"]);
    expect(next.code, next.stdout).toBe(0);
    expect(next.stdout).toMatch(/No changes/);
  }, 30_000);

  it("adopting a draft by name, launching it (spec active) and updating it while active: exit 0, next plan empty", async () => {
    // A draft made outside campaignctl, with a prospect.
    const created = await sb.request("puffle", "POST", "/api/campaigns", {
      type: "email",
      name: puffleEmail.name,
      sender_account_ids: puffleEmail.sender_account_ids,
      daily_limit: 40,
    });
    expect(created.status).toBe(201);
    const id = created.body.campaign.id as string;
    // Its sequence already has content (plan's pre-check of the launch runs before any edit).
    expect((await sb.request("puffle", "PATCH", `/api/campaigns/${id}`, { sequence_nodes: puffleEmail.sequence_nodes })).status).toBe(200);
    await addProspect(id);

    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    const adopt = await ws.run(["apply", "--auto-approve"]);
    expect(adopt.code, adopt.stdout + adopt.stderr).toBe(0);
    expect((await ws.state()).campaigns[ADDRESS]?.id).toBe(id);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ id, status: "active" });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active", daily_limit: 45 });
    const update = await ws.run(["apply", "--auto-approve"]);
    expect(update.code, update.stdout + update.stderr).toBe(0);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ daily_limit: 45, status: "active" });

    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused", daily_limit: 45 });
    const pause = await ws.run(["apply", "--auto-approve"]);
    expect(pause.code, pause.stdout + pause.stderr).toBe(0);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "paused" });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  }, 30_000);

  it("a launch that rolls back to draft is reported with Puffle's reason and nothing is paused", async () => {
    const id = await readyDraft();
    await sb.setSettings("puffle", { launchDelayMs: 400, launchOutcome: "rollback" });
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused" });
    const res = await ws.run(["apply", "--auto-approve"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/launch did not complete: the campaign fell back to draft after \d+\.\d s \(Puffle (says|gives no reason)/);
    expect(writes(await sb.requests("puffle"))).toEqual([`POST /api/campaigns/${id}/launch → 200`]);
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "draft" });
  }, 30_000);

  it("a launch still running at the wait limit is reported, never paused early; the next apply waits and pauses", async () => {
    const id = await readyDraft();
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused" });
    const short = await TestWorkspace.create(sb);
    try {
      await short.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused" });
      // Same state file: copy it over so the short-timeout workspace manages the same campaign.
      const { readFile, writeFile } = await import("node:fs/promises");
      const { join } = await import("node:path");
      await writeFile(join(short.dir, "campaignctl.state.json"), await readFile(join(ws.dir, "campaignctl.state.json")));
      await short.setStatusWait({ timeoutSeconds: 0.5, pollSeconds: 0.1 });
      const res = await short.run(["apply", "--auto-approve"]);
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/still launching \d+\.\d s after launch \(limit 0\.5 s/);
      expect(writes(await sb.requests("puffle"))).toEqual([`POST /api/campaigns/${id}/launch → 200`]);
      expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "launching" });

      // The next plan starts from `launching`: wait, then pause.
      const json = JSON.parse((await short.run(["plan", "--format", "json"])).stdout);
      expect(json.campaigns[0].steps).toEqual([
        { kind: "wait", after: "launch", until: "active", through: ["launching"] },
        { kind: "action", action: "pause", from: "active", to: "paused" },
      ]);
      await sb.clearRequests("puffle");
      const again = await ws.run(["apply", "--auto-approve"]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(writes(await sb.requests("puffle"))).toEqual([`POST /api/campaigns/${id}/pause → 200`]);
      expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "paused" });
    } finally {
      await short.dispose();
    }
  }, 30_000);
});
