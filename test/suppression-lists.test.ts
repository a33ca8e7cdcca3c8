/**
 * Suppression lists offline (docs/design.md §15): what the loader keeps of each audience once the workspace's
 * lists are applied, and the located diagnostics of bad list files. No network: loadWorkspace only.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadWorkspace } from "../src/config/index.js";
import type { ResourceDecl } from "../src/core/types.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "campaignctl-suppression-"));
  for (const d of ["campaigns", "audiences", "suppression"]) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "P" }, { provider: "altur", apiKeyEnv: "A" }] }));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (path: string, text: string) => writeFile(join(dir, path), text);
const doc = (name: string, value: Record<string, unknown>) => write(`campaigns/${name}.yaml`, stringify({ apiVersion: "campaignctl/v1", ...value }));

async function list(name: string, files: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await doc(name, { kind: "SuppressionList", metadata: { name }, spec: { files, ...extra } });
}

async function load(): Promise<{ campaigns: ResourceDecl[]; lines: string[] }> {
  const res = await loadWorkspace({ cwd: dir });
  const lines = res.diagnostics.map((d) => `${relative(dir, d.file ?? "")}:${d.line}:${d.col}: ${d.severity} ${d.code} ${d.message}`);
  return { campaigns: res.workspace?.campaigns ?? [], lines };
}

const kept = (decl: ResourceDecl | undefined) => decl?.audience?.rows.map((r) => r.identity);

describe("suppression lists: matching", () => {
  it("LinkedIn URLs in any written form, an email on a LinkedIn row, and national phone numbers with defaultCountry match", async () => {
    await write("suppression/dnc.jsonl", '{"linkedin_url":"https://www.linkedin.com/in/Jane-Doe"}\n{"email":"Opted@Example.com"}\n{"phone":"55 1234 5678"}\n');
    await list("dnc", ["../suppression/dnc.jsonl"], { defaultCountry: "MX" });
    await write("audiences/li.csv", "linkedin_url,email\nhttp://de.linkedin.com/in/jane-doe/?trk=x,\nhttps://www.linkedin.com/in/john,opted@example.com\nhttps://www.linkedin.com/in/kept,\n");
    await doc("li", {
      kind: "PuffleCampaign",
      metadata: { name: "li" },
      spec: { type: "linkedin", name: "LI", sender_account_ids: ["f0000000-0000-4000-8000-000000000001"] },
      audience: { files: ["../audiences/li.csv"] },
    });
    await write("audiences/calls.csv", "contact,name\n+525512345678,Listed\n+525512345679,Kept\n");
    await doc("calls", {
      kind: "AlturCampaign",
      metadata: { name: "calls" },
      spec: { name: "Calls", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" },
      audience: { files: ["../audiences/calls.csv"] },
    });
    const { campaigns, lines } = await load();
    expect(lines.filter((l) => !l.includes(" note "))).toEqual([]);
    expect(kept(campaigns.find((c) => c.name === "li"))).toEqual(["https://www.linkedin.com/in/kept"]);
    expect(kept(campaigns.find((c) => c.name === "calls"))).toEqual(["+525512345679"]);
    expect(campaigns.find((c) => c.name === "li")?.audience?.suppressed).toMatchObject({ rows: 2, lists: { dnc: 2 }, files: [{ path: "../audiences/li.csv", rows: 2 }] });
    expect(lines).toContain("audiences/li.csv:1:1: note AUDIENCE_SUPPRESSED - 2 suppressed (dnc: 2) for puffle/default/li");
    expect(lines).toContain("audiences/calls.csv:1:1: note AUDIENCE_SUPPRESSED - 1 suppressed (dnc: 1) for altur/default/calls");
  });

  it("a row on two lists counts for both; the email's domain matches exactly, not a subdomain or a look-alike", async () => {
    await write("suppression/a.csv", "domain\nacme.com\n");
    await write("suppression/b.csv", "email\nceo@acme.com\n");
    await list("customers", ["../suppression/a.csv"]);
    await list("opt-outs", ["../suppression/b.csv"]);
    await write("audiences/leads.csv", "email\nceo@acme.com\ncto@ACME.com\nx@mail.acme.com\ny@notacme.com\n");
    await doc("p", { kind: "PuffleCampaign", metadata: { name: "p" }, spec: { type: "email", name: "P", sender_account_ids: ["f0000000-0000-4000-8000-000000000002"] }, audience: { files: ["../audiences/leads.csv"] } });
    const { campaigns } = await load();
    const p = campaigns.find((c) => c.name === "p");
    expect(kept(p)).toEqual(["x@mail.acme.com", "y@notacme.com"]);
    expect(p?.audience?.suppressed).toMatchObject({ rows: 2, lists: { customers: 2, "opt-outs": 1 } });
  });

  it("no list: audiences are untouched and carry no suppression digest", async () => {
    await write("audiences/leads.csv", "email\na@b.com\n");
    await doc("p", { kind: "PuffleCampaign", metadata: { name: "p" }, spec: { type: "email", name: "P", sender_account_ids: ["f0000000-0000-4000-8000-000000000002"] }, audience: { files: ["../audiences/leads.csv"] } });
    const { campaigns } = await load();
    expect(campaigns[0]?.audience?.suppressed).toBeUndefined();
    expect(kept(campaigns[0])).toEqual(["a@b.com"]);
  });
});

describe("suppression lists: bad input is located, in the list's words", () => {
  it("every problem of the list files at once, each at its line and column", async () => {
    await write("suppression/dnc.csv", "email;phone;domain;linkedin_url;notes\nnot-an-email;;;;\n;12345;;;\n;;bad domain;;\n;;;https://example.com/x;\n;;;;x\n");
    await write("suppression/none.csv", "other\nx\n");
    await writeFile(join(dir, "suppression/latin1.csv"), Buffer.from([...Buffer.from("email\nca"), 0xe9, ...Buffer.from("@x.com\n")]));
    await list("dnc", ["../suppression/dnc.csv", "../suppression/none.csv", "../suppression/latin1.csv", "../suppression/gone.csv"]);
    await list("dnc2", ["../suppression/x.txt"]);
    const { lines } = await load();
    expect(lines).toEqual([
      'suppression/dnc.csv:1:33: error AUDIENCE_UNKNOWN_COLUMN unknown column "notes"; Suppression list entries take email, domain, phone, linkedin_url (or list the columns to read in spec.columns)',
      'suppression/dnc.csv:2:1: error AUDIENCE_INVALID_EMAIL "not-an-email" is not an email address (expected name@domain.tld)',
      'suppression/dnc.csv:3:2: error SUPPRESSION_INVALID_PHONE "12345" is not in E.164 form (a + and the country code, e.g. +12025550123; for national numbers set spec.defaultCountry)',
      'suppression/dnc.csv:4:3: error SUPPRESSION_INVALID_DOMAIN "bad domain" is not a domain name (expected e.g. acme.com)',
      'suppression/dnc.csv:5:4: error AUDIENCE_INVALID_LINKEDIN_URL "https://example.com/x" is not a LinkedIn profile URL (expected https://www.linkedin.com/in/<name>)',
      "suppression/dnc.csv:6:4: error AUDIENCE_IDENTITY_MISSING this row has none of email, domain, phone, linkedin_url; every suppression list row needs at least one",
      'suppression/none.csv:1:1: error AUDIENCE_UNKNOWN_COLUMN unknown column "other"; Suppression list entries take email, domain, phone, linkedin_url (or list the columns to read in spec.columns)',
      "suppression/none.csv:1:1: error AUDIENCE_IDENTITY_COLUMN the header row has none of the columns email, domain, phone, linkedin_url; a suppression list file needs at least one",
      "suppression/latin1.csv:2:3: error AUDIENCE_ENCODING file is not UTF-8 text: the byte 0xE9 is not valid UTF-8 (an export in Latin-1 or Windows-1252? save it as UTF-8 CSV or JSON Lines)",
      'campaigns/dnc.yaml:10:7: error AUDIENCE_FILE_NOT_FOUND suppression list file "../suppression/gone.csv" does not exist (relative to this suppression list file)',
      'campaigns/dnc2.yaml:7:7: error SCHEMA_FORMAT spec.files[0] must be a .csv or .jsonl file, got "../suppression/x.txt"',
    ]);
  });

  it("two lists with one name are a located error", async () => {
    await write("suppression/a.csv", "email\na@b.com\n");
    await list("dnc", ["../suppression/a.csv"]);
    await doc("other", { kind: "SuppressionList", metadata: { name: "dnc" }, spec: { files: ["../suppression/a.csv"] } });
    const { lines } = await load();
    expect(lines).toEqual(["campaigns/other.yaml:4:9: error DUPLICATE_SUPPRESSION_LIST suppression list \"dnc\" is already defined in campaigns/dnc.yaml; list names must be unique in the workspace"]);
  });
});
