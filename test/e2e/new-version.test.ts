import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isAlturSimulator } from "../../src/sandbox/altur/index.js";
import { isPuffleSimulator } from "../../src/sandbox/puffle/index.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: a replace makes a new version — old renamed and stopped, never deleted; only people not contacted move.
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

async function writeCampaign(name: string, kind: string, spec: Record<string, unknown>, file: string): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, audience: { files: [`../audiences/${file}`] } }));
}
async function audience(name: string, text: string): Promise<void> {
  await mkdir(join(ws.dir, "audiences"), { recursive: true });
  await writeFile(join(ws.dir, "audiences", name), text);
}
const writes = async (p: "puffle" | "altur") => (await sb.requests(p)).filter((r) => r.method !== "GET");

describe("new versions", () => {
  it("a sequence typo on a running Puffle campaign: apply --replace renames and pauses the old one, no DELETE, only pending prospects move", async () => {
    const people = ["ada", "bob", "cy", "dee", "eve"].map((n) => `${n}@example.com`);
    await audience("people.csv", `email,first_name\n${people.map((e) => `${e},${e.split("@")[0]}`).join("\n")}\n`);
    const running = { ...puffleEmail, status: "active" };
    await writeCampaign("nurture", "PuffleCampaign", running, "people.csv");
    const first = await ws.run(["apply", "--auto-approve"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const oldId = (await ws.state()).campaigns["puffle/default/nurture"]!.id;
    expect((await sb.campaigns("puffle"))[0]).toMatchObject({ status: "active" });
    // The old campaign has contacted three of them (several statuses); two are still pending.
    const sim = sb.simulators.puffle;
    if (!isPuffleSimulator(sim)) throw new Error("not the Puffle simulator");
    expect(sim.forceProspectStatus(oldId, "ada@example.com", "sent")).toBe(true);
    expect(sim.forceProspectStatus(oldId, "bob@example.com", "replied")).toBe(true);
    expect(sim.forceProspectStatus(oldId, "cy@example.com", "bounced")).toBe(true);

    // The typo fix: draft-only on an active campaign, so blocked; the unblock advice names --replace.
    const fixed = { ...running, sequence_nodes: [{ ...puffleEmail.sequence_nodes[0], subject: "Quick question!" }, ...puffleEmail.sequence_nodes.slice(1)] };
    await writeCampaign("nurture", "PuffleCampaign", fixed, "people.csv");
    const blocked = await ws.run(["plan", "--detailed-exitcode"]);
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toContain("campaignctl apply --replace ADDRESS");

    const plan = await ws.run(["plan", "--format", "json"], {});
    expect(plan.code).toBe(0);
    await clearLogs(sb);
    // A mistyped address is an error naming the near match, before anything is read or sent.
    const typo = await ws.run(["apply", "--auto-approve", "--replace", "puffle/default/nurtur"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("--replace puffle/default/nurtur is not a campaign this workspace declares; did you mean puffle/default/nurture?");
    expect(await sb.requests("puffle")).toEqual([]);
    const replaced = await ws.run(["apply", "--auto-approve", "--replace", "puffle/default/nurture"]);
    expect(replaced.code, replaced.stdout + replaced.stderr).toBe(0);
    const sent = await writes("puffle");
    expect(sent.some((r) => r.method === "DELETE")).toBe(false);
    const paths = sent.map((r) => `${r.method} ${r.path}`);
    expect(paths[0]).toBe(`PATCH /api/campaigns/${oldId}`);
    expect(sent[0]!.body).toEqual({ name: expect.stringMatching(/^Email nurture \(replaced \d{4}-\d{2}-\d{2}\)$/) });
    expect(paths).toContain("POST /api/campaigns");
    expect(paths[paths.length - 1]).toBe(`POST /api/campaigns/${oldId}/pause`);
    // Only the two pending prospects were uploaded to the new campaign.
    const uploads = sent.filter((r) => r.method === "POST" && /\/leads$/.test(r.path));
    const uploaded = uploads.flatMap((r) => ((r.body as { prospects: { email: string }[] }).prospects ?? []).map((p) => p.email)).sort();
    expect(uploaded).toEqual(["dee@example.com", "eve@example.com"]);

    const stored = await sb.campaigns("puffle");
    expect(stored).toHaveLength(2);
    const old = stored.find((c) => c.id === oldId);
    const fresh = stored.find((c) => c.id !== oldId);
    expect(old).toMatchObject({ status: "paused" });
    expect(old.name).toMatch(/\(replaced /);
    expect(fresh).toMatchObject({ name: "Email nurture", status: expect.stringMatching(/^(active|launching)$/) });
    const entry = (await ws.state()).campaigns["puffle/default/nurture"] as { id: string; previousIds?: string[] };
    expect(entry.id).toBe(fresh.id);
    expect(entry.previousIds).toEqual([oldId]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("the plan shows each step with the numbers carried over and left behind", async () => {
    await audience("calls.csv", "contact,name\n+12025550101,A\n+12025550102,B\n+12025550103,C\n");
    await writeCampaign("calls", "AlturCampaign", alturPhone, "calls.csv");
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const oldId = (await ws.state()).campaigns["altur/default/calls"]!.id;
    const listed = await sb.request("altur", "GET", `/campaigns/${oldId}/contacts?pageIndex=0&pageSize=100`);
    const [a] = listed.body.contacts as { id: number }[];
    const sim = sb.simulators.altur;
    if (!isAlturSimulator(sim)) throw new Error("not the Altur simulator");
    expect(sim.forceContactStatus(oldId, String(a!.id), "answered")).toBe(true);

    // cycles.mode is immutable: a replace, which runs as a new version.
    await writeCampaign("calls", "AlturCampaign", { ...alturPhone, cycles: { enabled: true, mode: "scheduled", max_iterations: 3, schedule: { mon: { startTime: "10:00", stopTime: "12:00", active: true } } } }, "calls.csv");
    const text = await ws.run(["plan"]);
    expect(text.stdout).toMatch(/steps: rename old \d+ to "Q2 Reactivation \(replaced \d{4}-\d{2}-\d{2}\)" → create/);
    expect(text.stdout).toContain("new version: 2 contacts not contacted yet move to it; 1 the old campaign");
    expect(text.stdout).toMatch(new RegExp(`pause old ${oldId} \\(active → inactive\\)`));
    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.campaigns[0].audience).toMatchObject({ add: 2, leftBehind: 1 });
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve", "--allow-replace"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const sent = await writes("altur");
    expect(sent.some((r) => r.method === "DELETE" || /archive/.test(r.path))).toBe(false);
    const uploaded = sent.filter((r) => /\/contacts$/.test(r.path)).flatMap((r) => (r.body as { contacts: { contact: string }[] }).contacts.map((c) => c.contact));
    expect(uploaded.sort()).toEqual(["+12025550102", "+12025550103"]);
    const old = (await sb.campaigns("altur")).find((c) => String(c.id) === oldId);
    expect(old).toMatchObject({ status: "inactive" });
  });

  it("--recontact carries everyone over, also people the old campaign contacted", async () => {
    await audience("calls.csv", "contact,name\n+12025550101,A\n+12025550102,B\n");
    await writeCampaign("calls", "AlturCampaign", alturPhone, "calls.csv");
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const oldId = (await ws.state()).campaigns["altur/default/calls"]!.id;
    const listed = await sb.request("altur", "GET", `/campaigns/${oldId}/contacts?pageIndex=0&pageSize=100`);
    const sim = sb.simulators.altur;
    if (!isAlturSimulator(sim)) throw new Error("not the Altur simulator");
    expect(sim.forceContactStatus(oldId, String((listed.body.contacts as { id: number }[])[0]!.id), "answered")).toBe(true);
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve", "--replace", "altur/default/calls", "--recontact"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const uploaded = (await writes("altur")).filter((r) => /\/contacts$/.test(r.path)).flatMap((r) => (r.body as { contacts: { contact: string }[] }).contacts.map((c) => c.contact));
    expect(uploaded.sort()).toEqual(["+12025550101", "+12025550102"]);
    expect((await ws.state()).campaigns["altur/default/calls"]).toMatchObject({ previousIds: [oldId] });
  });
});
