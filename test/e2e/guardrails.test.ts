import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §14, issue 25: guardrails at plan time — sender capacity, people reached, maxNewContacts.
const sb = useSandbox({ rateLimits: false });
/** The sandbox's email sender, daily_limit 30 (src/sandbox/puffle/model.ts). */
const SENDER = "f0000000-0000-4000-8000-000000000002";

let ws: TestWorkspace | undefined;
afterEach(async () => {
  await ws?.dispose();
  ws = undefined;
});

async function campaign(w: TestWorkspace, name: string, kind: string, spec: Record<string, unknown>, audience?: { file: string; text: string }): Promise<void> {
  if (audience) {
    await mkdir(join(w.dir, "audiences"), { recursive: true });
    await writeFile(join(w.dir, "audiences", audience.file), audience.text);
  }
  await writeFile(
    join(w.dir, "campaigns", `${name}.yaml`),
    stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, ...(audience ? { audience: { files: [`../audiences/${audience.file}`] } } : {}) }),
  );
}

const writes = async (provider: "puffle" | "altur") => (await sb.requests(provider)).filter((r) => r.method !== "GET");

async function twoRunning(w: TestWorkspace, a: number, b: number): Promise<void> {
  for (const [name, limit] of [["first", a], ["second", b]] as const) {
    await campaign(w, name, "PuffleCampaign", { ...puffleEmail, name: `Nurture ${name}`, daily_limit: limit, status: "active" }, { file: `${name}.csv`, text: `email,first_name\n${name}@example.com,Ada\n` });
  }
}

describe("sender capacity", () => {
  it("two running campaigns asking 25 + 20 a day of a 30-a-day sender plan SENDER_CAPACITY (exit 3); 10 + 10 does not", async () => {
    ws = await TestWorkspace.create(sb, { guardrails: { senderCapacity: "error" } });
    await twoRunning(ws, 25, 20);
    // Refused without --force, nothing written; --force launches both.
    await clearLogs(sb);
    const refused = await ws.run(["apply", "--auto-approve"]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stderr).toContain("guardrail SENDER_CAPACITY");
    expect(await writes("puffle")).toEqual([]);
    const forced = await ws.run(["apply", "--auto-approve", "--force"]);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);

    await clearLogs(sb);
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(3);
    const doc = JSON.parse(plan.stdout);
    expect(doc.guardrails).toEqual([
      expect.objectContaining({
        code: "SENDER_CAPACITY",
        level: "error",
        addresses: ["puffle/default/first", "puffle/default/second"],
        sender: expect.objectContaining({ id: SENDER, limit: 30, asked: 45, by: [expect.objectContaining({ perDay: 25 }), expect.objectContaining({ perDay: 20 })] }),
      }),
    ]);
    expect(doc.guardrails[0].message).toMatch(/asked 45 sends a day by 2 running campaigns .*above its daily limit of 30 \(GET \/api\/campaigns\/settings\)/);
    // The limits come from the documented settings read; plan sends GETs only.
    expect((await sb.requests("puffle")).map((r) => `${r.method} ${r.path}`)).toContain("GET /api/campaigns/settings");
    expect(await writes("puffle")).toEqual([]);

    // The PR comment shows the finding first, before the summary table.
    const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
    expect(md.indexOf("**SENDER_CAPACITY**")).toBeGreaterThan(0);
    expect(md.indexOf("**SENDER_CAPACITY**")).toBeLessThan(md.indexOf("**People:**"));

    await twoRunning(ws, 10, 10);
    const fine = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(fine.code, fine.stdout).toBe(2);
    expect(JSON.parse(fine.stdout).guardrails).toEqual([]);
  });

  it("by default an over-booked sender is a warning: shown, exit 2, applied", async () => {
    ws = await TestWorkspace.create(sb);
    await twoRunning(ws, 25, 20);
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout).toBe(2);
    expect(plan.stdout).toMatch(/! SENDER_CAPACITY \(warning\) sender .* is asked 45 sends a day/);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
  });
});

describe("sender capacity after an account started early", () => {
  it("counts the live daily_limit of running campaigns whose spec leaves it out; bodies of other campaigns are not needed", async () => {
    ws = await TestWorkspace.create(sb);
    const { daily_limit: _unmanaged, ...noLimit } = puffleEmail;
    const names = ["first", "second", "third"] as const;
    for (const name of names) {
      await campaign(ws, name, "PuffleCampaign", { ...noLimit, name: `Nurture ${name}` }, { file: `${name}.csv`, text: `email,first_name\n${name}@example.com,Ada\n` });
    }
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    // A dashboard edit of a field the specs leave out: only the live body knows it.
    const ids = (await ws.state()).campaigns;
    for (const [name, limit] of [["first", 25], ["second", 20], ["third", 28]] as const) {
      const res = await sb.request("puffle", "PATCH", `/api/campaigns/${ids[`puffle/default/${name}`]?.id}`, { daily_limit: limit });
      expect(res.status).toBe(200);
    }
    // first and second are launched; third stays a draft (its name changes, so the account has work and
    // starts as soon as its refresh is done: --auto-approve --force).
    const audience = (name: string) => ({ file: `${name}.csv`, text: `email,first_name\n${name}@example.com,Ada\n` });
    await campaign(ws, "first", "PuffleCampaign", { ...noLimit, name: "Nurture first", status: "active" }, audience("first"));
    await campaign(ws, "second", "PuffleCampaign", { ...noLimit, name: "Nurture second", status: "active" }, audience("second"));
    await campaign(ws, "third", "PuffleCampaign", { ...noLimit, name: "Nurture third (later)" }, audience("third"));
    const apply = await ws.run(["apply", "--auto-approve", "--force"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    // The whole plan's guardrails, computed after the account started: 25 + 20 from the live bodies.
    expect(apply.stdout).toContain(
      "! SENDER_CAPACITY (warning) sender Sandy Sender <sandy@outbound.example.com> (puffle/default, id f0000000-0000-4000-8000-000000000002) is asked 45 sends a day " +
        "by 2 running campaigns (puffle/default/first 25 by daily_limit, puffle/default/second 20 by daily_limit), above its daily limit of 30",
    );
    expect((await sb.campaigns("puffle")).map((c) => c.status).sort()).toEqual(["active", "active", "draft"]);
  });
});

describe("people reached and guardrails.maxNewContacts", () => {
  const seven = `contact,name\n${Array.from({ length: 7 }, (_, i) => `+1202555${String(200 + i).padStart(4, "0")},Person ${i}`).join("\n")}\n`;

  it("a plan creating a 7-person campaign reports 7 people in text, markdown and JSON", async () => {
    ws = await TestWorkspace.create(sb);
    await campaign(ws, "calls", "AlturCampaign", alturPhone, { file: "calls.csv", text: seven });
    const text = await ws.run(["plan"]);
    expect(text.stdout.split("\n").slice(0, 4).join("\n")).toContain("People: this apply starts contacting 7 people, resumes 0 people");
    const md = await ws.run(["plan", "--format", "markdown"]);
    expect(md.stdout).toContain("**People:** this apply starts contacting 7 people, resumes 0 people.");
    expect(md.stdout).toContain("**Cost:** not estimated: Altur documents no prices.");
    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.people).toEqual({ starts: 7, resumes: 0, staged: 0, campaigns: [{ address: "altur/default/calls", starts: 7, resumes: 0, staged: 0 }] });
    expect(json.cost).toEqual({ documented: false, note: "not estimated: Altur documents no prices" });
  });

  it("maxNewContacts: 5 refuses that apply without sending anything (exit 3 in plan); --force applies it", async () => {
    ws = await TestWorkspace.create(sb, { guardrails: { maxNewContacts: 5 } });
    await campaign(ws, "calls", "AlturCampaign", alturPhone, { file: "calls.csv", text: seven });
    const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(plan.code).toBe(3);
    expect(JSON.parse(plan.stdout).guardrails).toEqual([expect.objectContaining({ code: "MAX_NEW_CONTACTS", level: "error", people: { count: 7, limit: 5 }, addresses: ["altur/default/calls"] })]);

    await clearLogs(sb);
    const refused = await ws.run(["apply", "--auto-approve"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("guardrail MAX_NEW_CONTACTS: this apply starts or resumes contacting 7 people, above guardrails.maxNewContacts 5");
    expect(await writes("altur")).toEqual([]);
    expect(await sb.campaigns("altur")).toEqual([]);

    const forced = await ws.run(["apply", "--auto-approve", "--force"]);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect((await writes("altur")).map((r) => r.path.replace(/^\/api\/v1\.0/, "").replace(/\d+/, "ID"))).toEqual(["/campaigns", "/campaigns/ID/contacts", "/campaigns/ID/activate"]);
    // Applied: the next plan reaches nobody new and is not refused.
    const after = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).people).toMatchObject({ starts: 0, resumes: 0 });
  });

  it("a paused campaign's resume counts its roster as resumed", async () => {
    ws = await TestWorkspace.create(sb);
    await campaign(ws, "calls", "AlturCampaign", alturPhone, { file: "calls.csv", text: seven });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await campaign(ws, "calls", "AlturCampaign", { ...alturPhone, status: "inactive" }, { file: "calls.csv", text: seven });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await campaign(ws, "calls", "AlturCampaign", alturPhone, { file: "calls.csv", text: seven });
    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.people).toMatchObject({ starts: 0, resumes: 7 });
  });
});
