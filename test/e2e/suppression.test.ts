import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

async function writeDoc(ws: TestWorkspace, name: string, doc: Record<string, unknown>): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", ...doc }));
}

async function dataFile(ws: TestWorkspace, dir: string, name: string, text: string): Promise<void> {
  await mkdir(join(ws.dir, dir), { recursive: true });
  await writeFile(join(ws.dir, dir, name), text);
}

/** Every body the sandbox received for a provider, as text. */
async function sent(provider: "puffle" | "altur"): Promise<string> {
  return JSON.stringify((await sb.requests(provider)).map((r) => [r.method, r.path, r.query, r.body]));
}

/** Anything of the suppressed rows: never in requests or state. */
const SUPPRESSED = /opted@example\.com|OPTED|competitor\.io|\+12025550101|5550101/i;
/** Unmasked identities and names of the suppressed rows: never in plans either (masked ones keep an email's domain). */
const UNMASKED = /opted@|bob@|Opted|Bob|\+12025550101|Person 1/;

async function workspace(puffleStatus?: string): Promise<TestWorkspace> {
  const ws = await TestWorkspace.create(sb);
  // One email, one domain and one phone; read with the audience reader (a `;` file, loose headers).
  await dataFile(ws, "suppression", "dnc.csv", "Email;Domain;Phone\nOPTED@example.com;;\n;https://www.Competitor.io/;\n;;+1 202-555-0101\n");
  await writeDoc(ws, "dnc", { kind: "SuppressionList", metadata: { name: "do-not-contact" }, spec: { files: ["../suppression/dnc.csv"] } });
  await dataFile(ws, "audiences", "leads.csv", "email,first_name\nada@example.com,Ada\nopted@example.com,Opted\nbob@competitor.io,Bob\ngrace@example.com,Grace\n");
  await dataFile(ws, "audiences", "calls.csv", "contact,name\n+12025550100,Person 0\n+12025550101,Person 1\n+12025550102,Person 2\n+12025550103,Person 3\n");
  await writeDoc(ws, "nurture", { kind: "PuffleCampaign", metadata: { name: "nurture" }, spec: { ...puffleEmail, ...(puffleStatus ? { status: puffleStatus } : {}) }, audience: { files: ["../audiences/leads.csv"] } });
  await writeDoc(ws, "calls", { kind: "AlturCampaign", metadata: { name: "calls" }, spec: alturPhone, audience: { files: ["../audiences/calls.csv"] } });
  return ws;
}

describe("suppression lists", () => {
  it("one email, one domain and one phone suppress exactly the matching rows of a Puffle and an Altur audience; none is sent or stored", async () => {
    const ws = await workspace();
    try {
      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout + validate.stderr).toContain("- 2 suppressed (do-not-contact: 2) for puffle/default/nurture");
      expect(validate.stdout + validate.stderr).toContain("- 1 suppressed (do-not-contact: 1) for altur/default/calls");

      await clearLogs(sb);
      const plan = await ws.run(["plan", "--detailed-exitcode", "--verbose"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("+ 2 prospects");
      expect(plan.stdout).toContain("- 2 suppressed (do-not-contact: 2) in ../audiences/leads.csv");
      expect(plan.stdout).toContain("+ 3 contacts");
      expect(plan.stdout).toContain("- 1 suppressed (do-not-contact: 1) in ../audiences/calls.csv");
      // --verbose: masked identities only.
      expect(plan.stdout).toContain("suppressed, e.g. o***@example.com, b***@competitor.io");
      expect(plan.stdout.match(UNMASKED)?.[0]).toBeUndefined();
      const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
      expect(md).toContain("- 2 suppressed (do-not-contact: 2)");
      expect(md).not.toMatch(/\*\*\*|@example|competitor/);
      const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
      const nurture = json.campaigns.find((c: { address: string }) => c.address === "puffle/default/nurture");
      expect(nurture.audience).toMatchObject({ add: 2, rows: 2, suppressed: { rows: 2, lists: { "do-not-contact": 2 }, samples: ["o***@example.com", "b***@competitor.io"] } });
      expect(JSON.stringify(json).match(UNMASKED)?.[0]).toBeUndefined();
      // A plan sends nothing.
      expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect((apply.stdout + apply.stderr).match(UNMASKED)?.[0]).toBeUndefined();
      const leads = (await sb.requests("puffle")).find((r) => r.method === "POST" && r.path.endsWith("/leads"));
      expect(leads?.body).toEqual({ prospects: [{ email: "ada@example.com", first_name: "Ada" }, { email: "grace@example.com", first_name: "Grace" }] });
      const contacts = (await sb.requests("altur")).find((r) => r.method === "POST" && r.path.endsWith("/contacts"));
      expect((contacts?.body as { contacts: { contact: string }[] }).contacts.map((c) => c.contact)).toEqual(["+12025550100", "+12025550102", "+12025550103"]);
      expect(await sent("puffle")).not.toMatch(SUPPRESSED);
      expect(await sent("altur")).not.toMatch(SUPPRESSED);

      const stateText = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");
      expect(stateText).not.toMatch(SUPPRESSED);
      expect(stateText).not.toMatch(/\*\*\*/);
      const state = await ws.state();
      expect((state.campaigns["puffle/default/nurture"] as any).audience).toMatchObject({ rows: 2, count: 2, files: { "(suppression lists)": expect.stringMatching(/^[0-9a-f]{32}$/) } });

      const again = await ws.run(["plan", "--detailed-exitcode"]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("a person added to a list after upload: an Altur contact in queue is removed; a prospect of a launched Puffle campaign is a blocked line", async () => {
    const ws = await workspace("active");
    try {
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      // Ada and Person 2 opt out.
      await dataFile(ws, "suppression", "dnc.csv", "Email;Domain;Phone\nOPTED@example.com;;\n;https://www.Competitor.io/;\n;;+1 202-555-0101\nada@example.com;;\n;;+12025550102\n");

      await clearLogs(sb);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(3);
      expect(plan.stdout).toContain("- 1 contacts already uploaded, now on a suppression list: removed");
      expect(plan.stdout).toContain("audience: - 1 prospects on a suppression list blocked");
      expect(plan.stdout).toContain("Puffle removes prospects only while a campaign is a draft");
      expect(plan.stdout).not.toMatch(/ada@|5550102/);
      const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
      const nurture = json.campaigns.find((c: { address: string }) => c.address === "puffle/default/nurture");
      expect(nurture.blocked.map((b: { code: string }) => b.code)).toEqual(["audience-suppressed-kept"]);
      const calls = json.campaigns.find((c: { address: string }) => c.address === "altur/default/calls");
      expect(calls.audience.suppressed.live).toEqual({ remove: 1, keep: 0 });
      expect(calls.steps).toEqual([expect.objectContaining({ kind: "audience", add: 0, remove: 1 })]);

      await clearLogs(sb);
      const second = await ws.run(["apply", "--auto-approve"]);
      expect(second.code, second.stdout + second.stderr).toBe(3);
      const writes = [...(await sb.requests("altur")), ...(await sb.requests("puffle"))].filter((r) => r.method !== "GET");
      expect(writes.map((r) => `${r.method} ${r.path.replace(/\/campaigns\/\d+\/contacts\/\d+$/, "/campaigns/ID/contacts/N")}`)).toEqual(["DELETE /api/v1.0/campaigns/ID/contacts/N"]);
      const id = (await ws.state()).campaigns["altur/default/calls"]!.id;
      const left = await sb.request("altur", "GET", `/campaigns/${id}/contacts?pageIndex=0&pageSize=100`);
      expect((left.body.contacts as { contact: string }[]).map((c) => c.contact).sort()).toEqual(["+12025550100", "+12025550103"]);

      const after = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
      expect(after.code, after.stdout + after.stderr).toBe(3);
      const afterPlan = JSON.parse(after.stdout);
      expect(afterPlan.campaigns.find((c: { address: string }) => c.address === "altur/default/calls").action).toBe("noop");
      expect(afterPlan.campaigns.find((c: { address: string }) => c.address === "puffle/default/nurture").blocked.map((b: { code: string }) => b.code)).toEqual(["audience-suppressed-kept"]);
    } finally {
      await ws.dispose();
    }
  });

  it("a prospect of a draft Puffle campaign added to a list after upload is removed (DELETE …/leads with its id only)", async () => {
    const ws = await workspace();
    try {
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      await dataFile(ws, "suppression", "dnc.csv", "Email;Domain;Phone\nOPTED@example.com;;\n;https://www.Competitor.io/;\n;;+1 202-555-0101\nGrace@Example.com;;\n");
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("- 1 prospects already uploaded, now on a suppression list: removed");
      expect(plan.stdout).toContain("- 3 suppressed (do-not-contact: 3) in ../audiences/leads.csv");
      const id = (await ws.state()).campaigns["puffle/default/nurture"]!.id;
      const before = (await sb.request("puffle", "GET", `/api/campaigns/${id}/leads?page=1&limit=100`)).body.prospects as { id: string; email: string }[];
      const grace = before.find((p) => p.email.toLowerCase() === "grace@example.com")!;

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const writes = (await sb.requests("puffle")).filter((r) => r.method !== "GET");
      expect(writes.map((r) => [r.method, r.path, r.body])).toEqual([["DELETE", `/api/campaigns/${id}/leads`, { prospect_ids: [grace.id] }]]);
      const after = (await sb.request("puffle", "GET", `/api/campaigns/${id}/leads?page=1&limit=100`)).body.prospects as { email: string }[];
      expect(after.map((p) => p.email)).toEqual(["ada@example.com"]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("sync: { puffle } keeps the account's blocked companies equal to the list's domains: creates, reports a dashboard edit as drift, deletes", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const address = "puffle/default/blocked-companies/do-not-contact";
      await dataFile(ws, "suppression", "dnc.csv", "email,domain\nopted@example.com,\n,Competitor.io\n,https://www.rival.example/\n");
      await writeDoc(ws, "dnc", { kind: "SuppressionList", metadata: { name: "do-not-contact" }, spec: { files: ["../suppression/dnc.csv"], sync: { puffle: "default" } } });
      const plan = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(JSON.parse(plan.stdout).campaigns.map((c: { address: string; action: string }) => `${c.address} ${c.action}`)).toEqual([`${address} create`]);

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const writes = (await sb.requests("puffle")).filter((r) => r.method !== "GET");
      expect(writes.map((r) => [r.method, r.path, r.body])).toEqual([["POST", "/api/blocked-companies", { entries: [{ domain: "competitor.io" }, { domain: "rival.example" }] }]]);
      // Only domains go to Puffle: never the list's emails.
      expect(await sent("puffle")).not.toContain("opted@");
      const listed = async () => ((await sb.request("puffle", "GET", "/api/blocked-companies")).body.blocked as { domain: string | null }[]).map((b) => b.domain).sort();
      expect(await listed()).toEqual(["competitor.io", "rival.example"]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
      expect(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8")).not.toContain("opted@");

      // Someone edits the blocked companies in Puffle's dashboard: one added, one removed.
      expect((await sb.request("puffle", "POST", "/api/blocked-companies", { domain: "HTTPS://www.Added-In-UI.example" })).status).toBe(201);
      expect((await sb.request("puffle", "POST", "/api/blocked-companies", { domain: "added-in-ui.example" })).status).toBe(409);
      expect((await sb.request("puffle", "DELETE", "/api/blocked-companies/rival.example")).body).toEqual({ success: true });
      const drift = await ws.run(["drift", "--format", "json"]);
      expect(drift.code, drift.stdout + drift.stderr).toBe(2);
      expect(drift.stdout).toContain(address);
      expect(drift.stdout).toContain("out-of-band");

      // The list drops rival.example: apply adds nothing new and deletes the domain added in the dashboard.
      await dataFile(ws, "suppression", "dnc.csv", "email,domain\nopted@example.com,\n,Competitor.io\n");
      await clearLogs(sb);
      const second = await ws.run(["apply", "--auto-approve"]);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const writes2 = (await sb.requests("puffle")).filter((r) => r.method !== "GET");
      expect(writes2.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/blocked-companies", "DELETE /api/blocked-companies/added-in-ui.example"]);
      expect(await listed()).toEqual(["competitor.io"]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
      expect((await ws.run(["drift"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("two lists syncing one Puffle account, and a sync to an unknown account, are located errors", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await dataFile(ws, "suppression", "a.csv", "domain\na.example\n");
      await writeDoc(ws, "a", { kind: "SuppressionList", metadata: { name: "a" }, spec: { files: ["../suppression/a.csv"], sync: { puffle: "default" } } });
      await writeDoc(ws, "b", { kind: "SuppressionList", metadata: { name: "b" }, spec: { files: ["../suppression/a.csv"], sync: { puffle: "default" } } });
      await writeDoc(ws, "c", { kind: "SuppressionList", metadata: { name: "c" }, spec: { files: ["../suppression/a.csv"], sync: { puffle: "nope" } } });
      const res = await ws.run(["validate"]);
      expect(res.code).toBe(1);
      expect(res.stdout + res.stderr).toMatch(/campaigns\/b\.yaml:\d+:\d+: error SUPPRESSION_SYNC_TWICE Puffle account "default" already follows suppression list "a"/);
      expect(res.stdout + res.stderr).toMatch(/campaigns\/c\.yaml:\d+:\d+: error UNKNOWN_ACCOUNT no puffle account named "nope"/);
      expect(await sent("puffle")).toBe("[]");
    } finally {
      await ws.dispose();
    }
  });
});
