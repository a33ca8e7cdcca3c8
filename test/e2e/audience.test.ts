import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isAlturSimulator } from "../../src/sandbox/altur/index.js";
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

const contacts = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `+1202555${String(100 + from + i).padStart(4, "0")},Person ${from + i},fake example contact`).join("\n") + "\n";

describe("audiences: the roster as part of the campaign", () => {
  it("apply from empty uploads the rows after create and before launch/activate; then plan and drift are clean and read no roster", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "nurture.csv", "email,first_name,custom_fields.plan\nada@example.com,Ada,pro\nGRACE@example.com,Grace,\nada@EXAMPLE.com,Ada again,\n");
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contacts(0, 3)}`);
      await writeCampaign(ws, "nurture", "PuffleCampaign", { ...puffleEmail, status: "active" }, { files: ["../audiences/nurture.csv"] });
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });

      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("+ 2 prospects (1 duplicate in the files)");
      expect(plan.stdout).toContain("+ 3 contacts");
      expect(plan.stdout).toMatch(/steps: create \(POST with \d+ fields\) → update sequence_nodes → upload 2 prospects → launch \(draft → active\)/);
      expect(plan.stdout).not.toContain("ada@example.com");

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const puffle = (await sb.requests("puffle")).filter((e) => e.method !== "GET").map((e) => `${e.method} ${e.path.replace(/[0-9a-f-]{36}/, "ID")}`);
      expect(puffle).toEqual(["POST /api/campaigns", "PATCH /api/campaigns/ID", "POST /api/campaigns/ID/leads", "POST /api/campaigns/ID/launch"]);
      const leads = (await sb.requests("puffle")).find((e) => e.method === "POST" && e.path.endsWith("/leads"));
      expect(leads?.body).toEqual({ prospects: [{ email: "ada@example.com", first_name: "Ada", custom_fields: { plan: "pro" } }, { email: "GRACE@example.com", first_name: "Grace" }] });
      const altur = (await sb.requests("altur")).filter((e) => e.method !== "GET");
      expect(altur.map((e) => e.path.replace(/^\/api\/v1\.0/, "").replace(/\d+/, "ID"))).toEqual(["/campaigns", "/campaigns/ID/contacts", "/campaigns/ID/activate"]);
      expect(altur[1]?.body).toMatchObject({ if_duplicate: "skip", contacts: [{ contact: "+12025550100", name: "Person 0" }, {}, {}] });
      expect(altur[1]?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
      expect((await sb.campaigns("puffle"))[0]?.status).toMatch(/launching|active/);

      // State holds digests and counts, never a name, email or phone number.
      const stateText = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");
      expect(stateText).not.toMatch(/example\.com|\+1202|Ada|Person/);
      const state = await ws.state();
      expect((state.campaigns["puffle/default/nurture"] as any).audience).toEqual({ mode: "append", files: { "../audiences/nurture.csv": expect.stringMatching(/^[0-9a-f]{32}$/) }, rows: 2, count: 2 });
      expect((state.campaigns["altur/default/calls"] as any).audience).toMatchObject({ rows: 3, count: 3 });

      await clearLogs(sb);
      const again = await ws.run(["plan", "--detailed-exitcode"]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      // Unchanged files: Puffle's count comes with the campaign list, Altur's from one contacts page of size 1; no roster listing.
      expect((await sb.requests("puffle")).filter((e) => e.path.endsWith("/leads"))).toEqual([]);
      const alturReads = (await sb.requests("altur")).filter((e) => e.path.endsWith("/contacts"));
      expect(alturReads.map((e) => e.query)).toEqual([{ pageIndex: "0", pageSize: "1" }]);
      const drift = await ws.run(["drift"]);
      expect(drift.code, drift.stdout).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("adding five rows to a CSV plans exactly + 5 and apply uploads exactly those five", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contacts(0, 3)}`);
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../audiences/calls.csv"] });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);

      await appendFile(join(ws.dir, "audiences", "calls.csv"), contacts(3, 5));
      const plan = await ws.run(["plan", "--detailed-exitcode", "--verbose"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("+ 5 contacts (3 already present)");
      expect(plan.stdout).toContain("e.g. +1202***03");
      const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
      expect(json.campaigns[0].audience).toMatchObject({ add: 5, present: 3, rows: 8, samples: expect.arrayContaining(["+1202***07"]) });
      const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
      expect(md).toContain("+ 5 contacts (3 already present)");
      expect(md).not.toMatch(/\+1202|Person/);

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const posts = (await sb.requests("altur")).filter((e) => e.method === "POST");
      expect(posts).toHaveLength(1);
      expect((posts[0]?.body as { contacts: { contact: string }[] }).contacts.map((c) => c.contact)).toEqual([
        "+12025550103", "+12025550104", "+12025550105", "+12025550106", "+12025550107",
      ]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("drift reports a roster that shrank outside campaignctl; exact mode removes only what the provider allows", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "calls.csv", `contact,name,context\n${contacts(0, 4)}`);
      await writeCampaign(ws, "calls", "AlturCampaign", { ...alturPhone, status: "inactive" }, { files: ["../audiences/calls.csv"], mode: "exact" });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const id = (await ws.state()).campaigns["altur/default/calls"]!.id;
      const listed = await sb.request("altur", "GET", `/campaigns/${id}/contacts?pageIndex=0&pageSize=100`);
      const [first, second] = listed.body.contacts as { id: number }[];
      expect((await sb.request("altur", "DELETE", `/campaigns/${id}/contacts/${first!.id}`)).status).toBe(200);

      const drift = await ws.run(["drift"]);
      expect(drift.code, drift.stdout).toBe(2);
      expect(drift.stdout).toContain("out-of-band");
      expect(drift.stdout).toContain("the roster shrank outside campaignctl (4 → 3 contacts)");

      // The file drops two rows: one contact is still in queue (deletable), the other already answered.
      const sim = sb.simulators.altur;
      if (!isAlturSimulator(sim)) throw new Error("not the Altur simulator");
      expect(sim.forceContactStatus(id, String(second!.id), "answered")).toBe(true);
      await writeFile(join(ws.dir, "audiences", "calls.csv"), `contact,name,context\n${contacts(0, 1)}${contacts(3, 1)}`);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.stdout).toContain("+ 1 contacts (1 already present)");
      expect(plan.stdout).toContain("- 2 contacts no longer listed (1 cannot be removed)");
      expect(plan.stdout).toMatch(/only contacts still in queue or failed/);
      expect(plan.code).toBe(3);
      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout).toBe(3);
      const writes = (await sb.requests("altur")).filter((e) => e.method !== "GET").map((e) => `${e.method} ${e.path.replace(/^\/api\/v1\.0/, "")}`);
      // The queued contact no longer listed is deleted; the answered one is kept (blocked, never sent).
      expect(writes).toEqual([`POST /campaigns/${id}/contacts`, expect.stringMatching(new RegExp(`^DELETE /campaigns/${id}/contacts/\\d+$`))]);
      expect(writes[1]).not.toContain(`/${second!.id}`);
      // What stays blocked is still reported next time: state does not mark these files as applied.
      const next = await ws.run(["plan", "--detailed-exitcode"]);
      expect(next.code, next.stdout).toBe(3);
      expect(next.stdout).toContain("- 1 contacts no longer listed (1 cannot be removed)");
    } finally {
      await ws.dispose();
    }
  });
});
