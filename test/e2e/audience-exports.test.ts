/**
 * Audiences from the files people have (docs/design.md §17): real-shaped CRM exports validate and
 * apply with `columns`, `defaultCountry` and `invalidRows: skip`, and exactly the valid, de-duplicated
 * people are uploaded (read from the sandbox's request log).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

const puffleLinkedin = { type: "linkedin", name: "CTO outreach", sender_account_ids: ["f0000000-0000-4000-8000-000000000001"], status: "draft" };

async function writeCampaign(ws: TestWorkspace, name: string, kind: string, spec: Record<string, unknown>, audience: Record<string, unknown>): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, audience }));
}

async function exportFile(ws: TestWorkspace, name: string, text: string | Buffer): Promise<void> {
  await mkdir(join(ws.dir, "exports"), { recursive: true });
  await writeFile(join(ws.dir, "exports", name), text);
}

/** A CSV line with the cells quoted where they hold the delimiter. */
const csvLine = (cells: readonly string[], sep = ","): string => cells.map((c) => (c.includes(sep) || c.includes('"') ? `"${c.replace(/"/g, '""')}"` : c)).join(sep);

/** The bodies of the roster uploads of one provider, in order. */
async function uploads(provider: "puffle" | "altur"): Promise<Record<string, unknown>[]> {
  const log = await sb.requests(provider);
  return log.filter((e) => e.method === "POST" && /\/(leads|contacts)$/.test(e.path)).map((e) => e.body as Record<string, unknown>);
}

describe("audiences from real exports, applied against the sandbox", () => {
  it("a HubSpot export (Title-Case headers, dozens of other columns) uploads exactly the mapped fields of the valid, distinct people", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const extra = Array.from({ length: 40 }, (_, i) => `HubSpot Property ${i + 1}`);
      const header = ["Record ID", "First Name", "Last Name", "Email", "Company Name", "Plan", "Lifecycle Stage", ...extra];
      const person = (id: number, first: string, last: string, email: string, company: string, plan: string) =>
        csvLine([String(id), first, last, email, company, plan, "lead", ...extra.map((_, i) => `value ${i}`)]);
      await exportFile(
        ws,
        "hubspot.csv",
        [
          csvLine(header),
          person(1, "Ada", "Lovelace", "ada@example.com", "Acme, Inc.", "pro"),
          person(2, "Grace", "Hopper", "Grace@Example.com", "Navy", ""),
          person(3, "Ada", "Again", "ADA@example.com", "Acme", "pro"), // the same person: skipped as a duplicate
          person(4, "No", "Email", "", "Nowhere", "free"), // blank identity: left out (invalidRows: skip)
          person(5, "Bad", "Email", "not-an-email", "Nowhere", "free"), // invalid: left out
          "",
        ].join("\n"),
      );
      const columns = { email: "Email", first_name: "First Name", last_name: "Last Name", company: "Company Name", "custom_fields.plan": "Plan" };
      await writeCampaign(ws, "nurture", "PuffleCampaign", puffleEmail, { files: ["../exports/hubspot.csv"], columns, invalidRows: "skip" });

      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      const lines = validate.stdout.trim().split("\n");
      expect(lines.map((l) => l.replace(/ .*?(AUDIENCE_\w+).*/, " $1"))).toEqual([
        "exports/hubspot.csv:1:1: AUDIENCE_COLUMNS_IGNORED",
        "exports/hubspot.csv:4:1: AUDIENCE_DUPLICATE",
        "exports/hubspot.csv:5:12: AUDIENCE_ROW_SKIPPED",
        "exports/hubspot.csv:6:13: AUDIENCE_ROW_SKIPPED",
      ]);
      // The 42 other columns are listed once, as a note.
      expect(lines[0]).toContain('42 columns not named in audience.columns are ignored: "Record ID", "Lifecycle Stage", "HubSpot Property 1"');

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(await uploads("puffle")).toEqual([
        {
          prospects: [
            { email: "ada@example.com", first_name: "Ada", last_name: "Lovelace", company: "Acme, Inc.", custom_fields: { plan: "pro" } },
            { email: "Grace@Example.com", first_name: "Grace", last_name: "Hopper", company: "Navy" },
          ],
        },
      ]);
      expect((await ws.state()).campaigns["puffle/default/nurture"]).toMatchObject({ audience: { rows: 2, count: 2 } });
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("a ;-separated Excel export with national numbers (defaultCountry: MX) and blank cells uploads the valid contacts in E.164", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const rows = [
        ["Teléfono", "Nombre", "Contexto", "Notas"],
        ["55 1234 5678", "Ana", "debe 120", ""],
        ["", "Luis", "debe 80", "sin número"], // blank identity
        ["(33) 1234 5678", "Eva", "", ""], // blank context: left out of the row, the row is kept
        ["+52 81 1234 5678", "Sol", "debe 5; urgente", ""],
        ["55-1234-5678", "Ana (otra vez)", "", ""], // the same number as line 2
        ["123", "Corto", "", ""], // not a number of MX
      ];
      // Excel writes CRLF and a byte-order mark; its semicolon export quotes cells holding a semicolon.
      await exportFile(ws, "clientes.csv", `\uFEFF${rows.map((r) => csvLine(r, ";")).join("\r\n")}\r\n`);
      const columns = { contact: "Teléfono", name: "Nombre", context: "Contexto" };
      // Mexican numbers, called from Mexico City at hours that are 08:00–21:00 in every Mexican zone (README.md, Guardrails).
      const mexico = { ...alturPhone, timezone: "America/Mexico_City", scheduling: { mon: { startTime: "10:00", stopTime: "18:00", active: true } } };
      await writeCampaign(ws, "cobranza", "AlturCampaign", mexico, { files: ["../exports/clientes.csv"], columns, defaultCountry: "MX", invalidRows: "skip" });

      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout).toContain('exports/clientes.csv:1:1: note AUDIENCE_COLUMNS_IGNORED 1 column not named in audience.columns is ignored: "Notas"');
      expect(validate.stdout).toContain("exports/clientes.csv:3:1: warning AUDIENCE_ROW_SKIPPED row left out (invalidRows: skip): contact is empty");
      expect(validate.stdout).toContain('exports/clientes.csv:7:1: warning AUDIENCE_ROW_SKIPPED row left out (invalidRows: skip): "123" is not a valid phone number of MX');
      expect(validate.stdout).toContain("exports/clientes.csv:6:1: warning AUDIENCE_DUPLICATE");

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const sent = await uploads("altur");
      expect(sent).toHaveLength(1);
      expect(sent[0]!.contacts).toEqual([
        { contact: "+525512345678", name: "Ana", context: "debe 120" },
        { contact: "+523312345678", name: "Eva" },
        { contact: "+528112345678", name: "Sol", context: "debe 5; urgente" },
      ]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("an Apollo export with one LinkedIn profile written five ways uploads that person once, in the canonical form", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const header = ["First Name", "Last Name", "Title", "Company", "Email", "Person Linkedin Url", "Company Linkedin Url", "Seniority", "Departments"];
      const ada = (url: string) => ["Ada", "Lovelace", "CTO", "Acme", "ada@example.com", url, "http://www.linkedin.com/company/acme", "c_suite", "engineering"];
      await exportFile(
        ws,
        "apollo.csv",
        [
          header,
          ada("http://www.linkedin.com/in/ada-lovelace"),
          ada("https://linkedin.com/in/Ada-Lovelace/"),
          ada("https://de.linkedin.com/in/ada-lovelace?trk=public_profile"),
          ada("HTTPS://WWW.LINKEDIN.COM/IN/ADA-LOVELACE#experience"),
          ada("linkedin.com/in/ada-lovelace"),
          ["Grace", "Hopper", "Admiral", "Navy", "", "https://mx.linkedin.com/in/grace-hopper/", "", "", ""],
          ["No", "Profile", "CEO", "Nowhere", "no@example.com", "", "", "", ""], // blank identity: left out
        ]
          .map((r) => csvLine(r))
          .join("\n") + "\n",
      );
      const columns = { linkedin_url: "Person Linkedin Url", first_name: "First Name", last_name: "Last Name", position: "Title", company: "Company" };
      await writeCampaign(ws, "cto", "PuffleCampaign", puffleLinkedin, { files: ["../exports/apollo.csv"], columns, invalidRows: "skip" });

      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout.match(/AUDIENCE_DUPLICATE/g)).toHaveLength(4);
      expect(validate.stdout).toContain("exports/apollo.csv:8:");

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(await uploads("puffle")).toEqual([
        {
          prospects: [
            { linkedin_url: "https://www.linkedin.com/in/ada-lovelace", first_name: "Ada", last_name: "Lovelace", position: "CTO", company: "Acme" },
            { linkedin_url: "https://www.linkedin.com/in/grace-hopper", first_name: "Grace", last_name: "Hopper", position: "Admiral", company: "Navy" },
          ],
        },
      ]);
      expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);

      // A prospect added outside campaignctl in another spelling is the same person when the file lists it.
      const id = (await ws.state()).campaigns["puffle/default/cto"]!.id;
      const added = await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ linkedin_url: "http://uk.linkedin.com/in/Alan-Turing/?originalSubdomain=uk" }] });
      expect(added.status).toBe(200);
      const alan = csvLine(["Alan", "Turing", "", "", "", "https://www.linkedin.com/in/alan-turing", "", "", ""]);
      const linus = csvLine(["Linus", "T", "", "", "", "https://fi.linkedin.com/in/Linus/", "", "", ""]);
      await writeFile(join(ws.dir, "exports", "apollo.csv"), `${csvLine(header)}\n${alan}\n${linus}\n`);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("+ 1 prospects (1 already present)");
      await clearLogs(sb);
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      expect(await uploads("puffle")).toEqual([{ prospects: [{ linkedin_url: "https://www.linkedin.com/in/linus", first_name: "Linus", last_name: "T" }] }]);
    } finally {
      await ws.dispose();
    }
  });

  it("a Latin-1 export is refused with the line of its first non-UTF-8 byte, before any request", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await exportFile(ws, "latin1.csv", Buffer.concat([Buffer.from("contact,name\n+12025550100,Ana\n+12025550101,Jos"), Buffer.from([0xe9]), Buffer.from("\n")]));
      await writeCampaign(ws, "calls", "AlturCampaign", alturPhone, { files: ["../exports/latin1.csv"] });
      await clearLogs(sb);
      const plan = await ws.run(["plan"]);
      expect(plan.code).toBe(1);
      expect(plan.stderr).toContain("exports/latin1.csv:3:17: error AUDIENCE_ENCODING file is not UTF-8 text: the byte 0xE9 is not valid UTF-8");
      expect(await sb.requests("altur")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });

  it("a file shared by several campaigns reports each problem once, naming them, in text, JSON and GitHub output", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await exportFile(ws, "shared.csv", "contact,name\n+12025550100,Ana\n2025550101,Bo\n");
      for (const n of ["calls-a", "calls-b", "calls-c"]) await writeCampaign(ws, n, "AlturCampaign", alturPhone, { files: ["../exports/shared.csv"] });
      const text = await ws.run(["validate"]);
      expect(text.code).toBe(1);
      const named = "[file used by 3 campaigns: altur/default/calls-a, altur/default/calls-b, altur/default/calls-c]";
      expect(text.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^exports\/shared\.csv:3:1: error AUDIENCE_INVALID_PHONE .* \[file used by 3 campaigns/)]);
      expect(text.stdout).toContain(named);
      const json = (JSON.parse((await ws.run(["validate", "--format", "json"])).stdout) as { diagnostics: { code: string; message: string }[] }).diagnostics;
      expect(json.map((d) => d.code)).toEqual(["AUDIENCE_INVALID_PHONE"]);
      expect(json[0]!.message).toContain(named);
      const github = (await ws.run(["validate", "--format", "github"])).stdout.trim().split("\n");
      expect(github).toHaveLength(1);
      expect(github[0]).toMatch(/^::error file=exports\/shared\.csv,line=3,col=1::AUDIENCE_INVALID_PHONE .*file used by 3 campaigns/);
    } finally {
      await ws.dispose();
    }
  });
});
