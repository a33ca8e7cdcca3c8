/**
 * Row edits are changes (docs/design.md §17), Altur contacts paging over both documented revisions and the
 * agentId filter fallback (src/providers/altur/README.md §2, §4.6, §11) — real CLI, real HTTP, request log.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

async function writeCampaign(ws: TestWorkspace, name: string, kind: string, spec: Record<string, unknown>, audience: Record<string, unknown>): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, audience }));
}

async function audienceFile(ws: TestWorkspace, name: string, text: string): Promise<void> {
  await mkdir(join(ws.dir, "audiences"), { recursive: true });
  await writeFile(join(ws.dir, "audiences", name), text);
}

const phone = (i: number) => `+1202555${String(100 + i).padStart(4, "0")}`;
const contactRows = (n: number, context: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => `${phone(i)},Person ${i},${context(i)}`).join("\n") + "\n";

describe("row edits are changes", () => {
  it("Altur: editing one contact's context plans ~ 1 in text, markdown and JSON, applies it with if_duplicate update, reads back, and the next plan is empty", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(3, () => "owes 120")}`);
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);

      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(3, (i) => (i === 1 ? "owes 999" : "owes 120"))}`);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("~ 1 contacts updated");
      expect(plan.stdout).toContain("update 1 contacts");
      expect(plan.stdout).not.toContain("owes");
      const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
      expect(md).toContain("~ 1 contacts updated");
      expect(md).not.toMatch(/owes|\+1202/);
      const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
      expect(json.campaigns[0].audience).toMatchObject({ add: 0, update: 1, present: 3, remove: 0 });
      expect(json.campaigns[0].steps).toContainEqual({ kind: "audience", noun: "contacts", add: 0, update: 1, remove: 0 });

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const writes = (await sb.requests("altur")).filter((e) => e.method !== "GET");
      expect(writes).toHaveLength(1);
      expect(writes[0]?.body).toEqual({ if_duplicate: "update", contacts: [{ contact: phone(1), name: "Person 1", context: "owes 999" }] });

      const id = (await ws.state()).campaigns["altur/default/calls"]!.id;
      const live = await sb.request("altur", "GET", `/campaigns/${id}/contacts?pageIndex=0&pageSize=100`);
      expect((live.body.contacts as { contact: string; context: string }[]).map((c) => [c.contact, c.context])).toEqual([
        [phone(0), "owes 120"], [phone(1), "owes 999"], [phone(2), "owes 120"],
      ]);
      const stateText = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");
      expect(stateText).not.toMatch(/owes|\+1202|Person/);

      const again = await ws.run(["plan", "--detailed-exitcode"]);
      expect(again.code, again.stdout).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("Puffle: editing one prospect's first name plans ~ 1 and applies one documented PATCH …/leads { prospect_id, updates }; the next plan is empty", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "nurture.csv", "email,first_name,company\nada@example.com,Ada,Acme\ngrace@example.com,Grace,Navy\n");
      await writeCampaign(ws, "nurture", "PuffleCampaign", { ...puffleEmail, status: "draft" }, { files: ["../audiences/nurture.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);

      // Only the first name changes; the e-mail's case does not count (Puffle stores it lower-cased).
      await audienceFile(ws, "nurture.csv", "email,first_name,company\nADA@example.com,Ada,Acme\ngrace@example.com,Amazing Grace,Navy\n");
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("~ 1 prospects updated");

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const writes = (await sb.requests("puffle")).filter((e) => e.method !== "GET");
      expect(writes.map((e) => `${e.method} ${e.path.replace(/[0-9a-f-]{36}/, "ID")}`)).toEqual(["PATCH /api/campaigns/ID/leads"]);
      expect(writes[0]?.body).toEqual({ prospect_id: expect.stringMatching(/^[0-9a-f-]{36}$/), updates: { first_name: "Amazing Grace", company: "Navy" } });

      const id = (await ws.state()).campaigns["puffle/default/nurture"]!.id;
      const live = await sb.request("puffle", "GET", `/api/campaigns/${id}/leads?page=1&limit=200`);
      expect((live.body.prospects as { email: string; first_name: string }[]).map((p) => [p.email, p.first_name])).toEqual([
        ["ada@example.com", "Ada"], ["grace@example.com", "Amazing Grace"],
      ]);
      const again = await ws.run(["plan", "--detailed-exitcode"]);
      expect(again.code, again.stdout).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("Puffle: a launched campaign's edited row is blocked with audience-update-blocked and the reason; nothing is sent", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "nurture.csv", "email,first_name\nada@example.com,Ada\n");
      await writeCampaign(ws, "nurture", "PuffleCampaign", { ...puffleEmail, status: "active" }, { files: ["../audiences/nurture.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      await audienceFile(ws, "nurture.csv", "email,first_name\nada@example.com,Ada Lovelace\n");
      const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
      expect(json.campaigns[0].audience).toMatchObject({ update: 1 });
      expect(json.campaigns[0].blocked).toContainEqual(expect.objectContaining({ code: "audience-update-blocked", reason: expect.stringMatching(/only while a campaign is a draft/) }));
      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(3);
      expect((await sb.requests("puffle")).filter((e) => e.method !== "GET")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });
});

describe("Altur contacts: both paging revisions, ambiguous answers", () => {
  it("a 150-contact roster in the cursor revision is read in 2 requests", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(150, () => "a")}`);
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      await sb.setSettings("altur", { contactsPaging: "cursor" });
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(150, (i) => (i === 149 ? "b" : "a"))}`);
      await clearLogs(sb);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("~ 1 contacts updated");
      const listing = (await sb.requests("altur")).filter((e) => e.path.endsWith("/contacts") && e.query.pageSize === "100");
      expect(listing).toHaveLength(2);
      expect(listing[0]?.query).toEqual({ pageSize: "100", pageIndex: "0" });
      expect(listing[1]?.query).toEqual({ pageSize: "100", cursor: expect.any(String) });
    } finally {
      await ws.dispose();
    }
  });

  it("a 400 on the agentId filter (a server enforcing uuid4) falls back to an unfiltered, paged lookup: activate then read back, exit 0", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await sb.setSettings("altur", { agentIdFilter: "uuid4" });
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(2, () => "a")}`);
      await writeCampaign(ws, "calls", "AlturCampaign", { ...alturPhone, status: "active" }, { files: ["../audiences/calls.csv"] });
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const lists = (await sb.requests("altur")).filter((e) => e.method === "GET" && e.path.endsWith("/campaigns"));
      expect(lists.some((e) => e.query.agentId !== undefined && e.status === 400)).toBe(true);
      expect(lists.some((e) => e.query.agentId === undefined && e.status === 200)).toBe(true);
      expect((await sb.campaigns("altur"))[0]?.status).toBe("active");
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("add-contacts rows are judged by their outcome and the summary: an empty error is no error, a failed outcome is (file:line)", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(2, () => "a")}`);
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });
      const row = (index: number, outcome: string, error: string) => ({ index, id: outcome === "failed" ? null : index + 1, contact: phone(index), error, outcome });
      await sb.setAnswers("altur", [{ method: "POST", path: "/api/v1.0/campaigns/*/contacts", status: 200, body: { success: true, summary: { created: 2, updated: 0, skipped_duplicate: 0, failed: 0 }, results: [row(0, "created", ""), row(1, "created", "")] } }]);
      const ok = await ws.run(["apply", "--auto-approve"]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain("uploaded 2 contacts");

      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(4, () => "a")}`);
      await sb.setAnswers("altur", [{ method: "POST", path: "/api/v1.0/campaigns/*/contacts", status: 200, body: { success: true, summary: { created: 3, updated: 0, skipped_duplicate: 0, failed: 1 }, results: [row(0, "created", ""), row(1, "created", ""), row(2, "failed", ""), row(3, "created", "")] } }]);
      const bad = await ws.run(["apply", "--auto-approve"]);
      expect(bad.code, bad.stdout + bad.stderr).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(/1 contacts rejected by Altur: audiences\/calls\.csv:4 FAILED/);
    } finally {
      await sb.setAnswers("altur", []);
      await ws.dispose();
    }
  });

  it("a contacts page pointing back to contacts already listed is an error after 2 requests, never a loop", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(2, () => "a")}`);
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const contacts = [{ id: 1, contact: phone(0), name: "Person 0", context: "a", status: "queue" }];
      await sb.setAnswers("altur", [{ method: "GET", path: "/api/v1.0/campaigns/*/contacts", status: 200, body: { total_count: 5, contacts, pagination: { has_more: true, next_cursor: "again" } } }]);
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contactRows(3, () => "a")}`);
      await clearLogs(sb);
      const plan = await ws.run(["plan"]);
      expect(plan.code).toBe(1);
      expect(plan.stdout + plan.stderr).toMatch(/repeats contacts already listed; refusing to go on with a contacts listing that may be partial/);
      expect((await sb.requests("altur")).filter((e) => e.path.endsWith("/contacts") && e.query.pageSize === "100")).toHaveLength(2);
    } finally {
      await sb.setAnswers("altur", []);
      await ws.dispose();
    }
  });
});
