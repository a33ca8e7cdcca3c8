import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { detectDelimiter } from "../src/config/audience.js";
import { loadWorkspace } from "../src/config/index.js";
import { canonicalLinkedinUrl } from "../src/providers/roster-cells.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "campaignctl-audience-"));
  await mkdir(join(dir, "campaigns"), { recursive: true });
  await mkdir(join(dir, "audiences"), { recursive: true });
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "P" }, { provider: "altur", apiKeyEnv: "A" }] }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function puffle(files: string[], type: "email" | "linkedin" = "email"): Promise<void> {
  await writeFile(
    join(dir, "campaigns", "p.yaml"),
    stringify({
      apiVersion: "campaignctl/v1",
      kind: "PuffleCampaign",
      metadata: { name: "p" },
      spec: { type, name: "P", sender_account_ids: [type === "email" ? "f0000000-0000-4000-8000-000000000002" : "f0000000-0000-4000-8000-000000000001"] },
      audience: { files },
    }),
  );
}

async function altur(files: string[]): Promise<void> {
  await writeFile(
    join(dir, "campaigns", "a.yaml"),
    stringify({
      apiVersion: "campaignctl/v1",
      kind: "AlturCampaign",
      metadata: { name: "a" },
      spec: { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" },
      audience: { files, mode: "exact" },
    }),
  );
}

describe("audience files", () => {
  it("become provider rows: values normalised, empty cells left out, groups nested, duplicates counted across files", async () => {
    await writeFile(
      join(dir, "audiences", "a.csv"),
      'contact,name,context,extracted_data.plan\n+1 202-555-0100,"Ada, the first","said ""call me""\nafter 5",gold\n+12025550101,Bo,,\n',
    );
    await writeFile(join(dir, "audiences", "b.jsonl"), '{"contact":"+12025550100","name":"again"}\n\n{"contact":"+12025550102","extracted_data":{"plan":"silver"}}\n');
    await altur(["../audiences/a.csv", "../audiences/b.jsonl"]);
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(["1:1 AUDIENCE_DUPLICATE"]);
    const audience = workspace!.campaigns[0]!.audience!;
    expect(audience.mode).toBe("exact");
    expect(audience.duplicates).toBe(1);
    expect(audience.files.map((f) => [f.path, f.rows, f.digest.length])).toEqual([
      ["../audiences/a.csv", 2, 32],
      ["../audiences/b.jsonl", 2, 32],
    ]);
    expect(audience.rows).toEqual([
      { file: 0, line: 2, identity: "+12025550100", row: { contact: "+12025550100", name: "Ada, the first", context: 'said "call me"\nafter 5', extracted_data: { plan: "gold" } } },
      // The quoted line break above moves the next record to line 4.
      { file: 0, line: 4, identity: "+12025550101", row: { contact: "+12025550101", name: "Bo" } },
      { file: 1, line: 3, identity: "+12025550102", row: { contact: "+12025550102", extracted_data: { plan: "silver" } } },
    ]);
  });

  it("locates a bad cell after a multi-line quoted field by line and column", async () => {
    await writeFile(join(dir, "audiences", "p.csv"), 'first_name,email\n"Ada\nLovelace",ada@example.com\n"Bo",not-an-email\n');
    await puffle(["../audiences/p.csv"]);
    const { diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.map((d) => `${d.file?.endsWith("p.csv")}:${d.line}:${d.col} ${d.code}`)).toEqual(["true:4:6 AUDIENCE_INVALID_EMAIL"]);
  });

  it("refuses more rows than the provider documents, once, at the first row over the limit (100,001 Puffle prospects)", async () => {
    const lines = ["email,first_name"];
    for (let i = 0; i <= 100_000; i++) lines.push(`person${i}@example.com,P${i}`);
    await writeFile(join(dir, "audiences", "big.csv"), `${lines.join("\n")}\n`);
    await puffle(["../audiences/big.csv"]);
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(workspace).toBeUndefined();
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(["100002:1 AUDIENCE_TOO_MANY_ROWS"]);
    expect(diagnostics[0]!.message).toMatch(/more than 100,000 prospects/);
  });

  it("stops reading at the documented row maximum: what follows the first row over it is never parsed (issue 30)", async () => {
    const head = ["email,first_name"];
    for (let i = 0; i <= 100_000; i++) head.push(`person${i}@example.com,P${i}`);
    // After the limit: a row of the wrong width, a bad email and an unclosed quote — none of them reported.
    const tail = ["too,many,fields", "x@,Bad", '"never closed,Q'];
    await writeFile(join(dir, "audiences", "big.csv"), `${[...head, ...tail].join("\n")}\n`);
    const json = [...head.slice(1).map((l) => JSON.stringify({ email: l.split(",")[0], first_name: l.split(",")[1] })), "{not json"];
    await writeFile(join(dir, "audiences", "big.jsonl"), `${json.join("\n")}\n`);
    for (const file of ["big.csv", "big.jsonl"]) {
      await puffle([`../audiences/${file}`]);
      const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
      expect(workspace).toBeUndefined();
      expect(diagnostics.map((d) => `${d.file?.endsWith(file)}:${d.line}:${d.col} ${d.code}`)).toEqual([`true:${file.endsWith("csv") ? 100_002 : 100_001}:1 AUDIENCE_TOO_MANY_ROWS`]);
    }
  });

  it("a named pipe or a directory given as an audience file is a located error, never a hang", async () => {
    execFileSync("mkfifo", [join(dir, "audiences", "pipe.csv")]);
    await mkdir(join(dir, "audiences", "dir.csv"));
    await puffle(["../audiences/pipe.csv", "../audiences/dir.csv"]);
    const started = performance.now();
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(workspace).toBeUndefined();
    expect(diagnostics.map((d) => `${d.file?.endsWith("p.yaml")} ${d.code} ${d.message}`)).toEqual([
      'true NOT_A_REGULAR_FILE audience file "../audiences/pipe.csv": this audience file is a named pipe (FIFO), not a regular file',
      'true NOT_A_REGULAR_FILE audience file "../audiences/dir.csv": this audience file is a directory, not a regular file',
    ]);
  });

  it("caps the problems reported per file and says how many more there are", async () => {
    const lines = ["email"];
    for (let i = 0; i < 600; i++) lines.push(`bad${i}`);
    await writeFile(join(dir, "audiences", "bad.csv"), `${lines.join("\n")}\n`);
    await puffle(["../audiences/bad.csv"]);
    const { diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.filter((d) => d.code === "AUDIENCE_INVALID_EMAIL")).toHaveLength(500);
    expect(diagnostics.find((d) => d.code === "AUDIENCE_TOO_MANY_PROBLEMS")?.message).toBe("100 more problems in this file are not shown");
  });

  it("compares LinkedIn URLs in one canonical form: one person written five ways is one person", async () => {
    await writeFile(
      join(dir, "audiences", "l.csv"),
      "linkedin_url\nhttps://www.linkedin.com/in/ada\nhttp://linkedin.com/in/Ada/?trk=x\nhttps://de.linkedin.com/in/ada#about\nHTTPS://WWW.LINKEDIN.COM/IN/ADA/\nwww.linkedin.com/in/ada\nhttps://www.linkedin.com/in/bo\n",
    );
    await puffle(["../audiences/l.csv"], "linkedin");
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.map((d) => `${d.line} ${d.code}`)).toEqual(["3 AUDIENCE_DUPLICATE", "4 AUDIENCE_DUPLICATE", "5 AUDIENCE_DUPLICATE", "6 AUDIENCE_DUPLICATE"]);
    const rows = workspace!.campaigns[0]!.audience!.rows;
    expect(rows.map((r) => r.identity)).toEqual(["https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/bo"]);
    // Uploaded in the same form as compared.
    expect(rows.map((r) => r.row.linkedin_url)).toEqual(["https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/bo"]);
  });

  it.each([
    ["https://www.linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/ada-lovelace"],
    ["http://www.linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/ada-lovelace"],
    ["linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/ada-lovelace"],
    ["www.linkedin.com/in/ada-lovelace/", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://de.linkedin.com/in/ada-lovelace", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://mx.linkedin.com/in/Ada-Lovelace-12AB/", "https://www.linkedin.com/in/ada-lovelace-12ab"],
    ["HTTPS://WWW.LINKEDIN.COM/IN/ADA-LOVELACE", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://www.linkedin.com/in/ada-lovelace?trk=public_profile", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://www.linkedin.com/in/ada-lovelace/#experience", "https://www.linkedin.com/in/ada-lovelace"],
    ["  https://www.linkedin.com/in/ada-lovelace//  ", "https://www.linkedin.com/in/ada-lovelace"],
    ["https://www.linkedin.com/in/Jos%C3%A9", "https://www.linkedin.com/in/jos%C3%A9"],
    ["https://www.linkedin.com/in/JOSÉ", "https://www.linkedin.com/in/jos%C3%A9"],
    ["https://www.linkedin.com/company/acme", undefined],
    ["https://www.linkedin.com/in/", undefined],
    ["https://www.linkedin.com/in/ada/details/experience", undefined],
    ["https://example.com/in/ada", undefined],
    ["https://www.linkedin.com.evil.example/in/ada", undefined],
    ["ftp://www.linkedin.com/in/ada", undefined],
  ])("canonical LinkedIn URL of %j is %j", (input, expected) => {
    expect(canonicalLinkedinUrl(input)).toBe(expected);
  });

  it.each([
    ["email,first_name\na@x.io,A\n", ","],
    ["email;first_name;company\na@x.io;A, B;C\n", ";"],
    ["email\tfirst_name\na@x.io\tA\n", "\t"],
    ['"Name; with semicolon",email\nA,a@x.io\n', ","],
    ["email\n", ","],
  ])("detects the delimiter of %j from its header line", (text, expected) => {
    expect(detectDelimiter(text)).toBe(expected);
  });

  it("reads a semicolon export with national numbers (defaultCountry) and leaves out blank and invalid rows (invalidRows: skip), each listed once", async () => {
    await writeFile(join(dir, "audiences", "mx.csv"), "\uFEFFContact;Name;Context\r\n55 1234 5678;Ana;debe 120\r\n;Luis;debe 80\r\n33 1234 567;Eva;x\r\n+52 55 8765 4321;Sol;debe 5\r\n(55) 1234-5678;Ana otra vez;dup\r\n");
    await writeFile(
      join(dir, "campaigns", "a.yaml"),
      stringify({
        apiVersion: "campaignctl/v1",
        kind: "AlturCampaign",
        metadata: { name: "a" },
        spec: { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" },
        audience: { files: ["../audiences/mx.csv"], defaultCountry: "MX", invalidRows: "skip" },
      }),
    );
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code}`)).toEqual([
      "1:1 note AUDIENCE_COLUMNS_MAPPED",
      "3:1 warning AUDIENCE_ROW_SKIPPED",
      "4:1 warning AUDIENCE_ROW_SKIPPED",
      "6:1 warning AUDIENCE_DUPLICATE",
    ]);
    const audience = workspace!.campaigns[0]!.audience!;
    expect(audience.skipped).toBe(2);
    expect(audience.rows.map((r) => [r.line, r.row])).toEqual([
      [2, { contact: "+525512345678", name: "Ana", context: "debe 120" }],
      [5, { contact: "+525587654321", name: "Sol", context: "debe 5" }],
    ]);
  });

  it("changing how a file is read (columns, defaultCountry, invalidRows) changes its digest, so the next plan reads the roster", async () => {
    await writeFile(join(dir, "audiences", "a.csv"), "contact,name\n+12025550100,Ada\n");
    const digest = async (audience: Record<string, unknown>) => {
      await writeFile(
        join(dir, "campaigns", "a.yaml"),
        stringify({
          apiVersion: "campaignctl/v1",
          kind: "AlturCampaign",
          metadata: { name: "a" },
          spec: { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call" },
          audience: { files: ["../audiences/a.csv"], ...audience },
        }),
      );
      const { workspace } = await loadWorkspace({ cwd: dir });
      return workspace!.campaigns[0]!.audience!.files[0]!.digest;
    };
    const plain = await digest({});
    const { createHash } = await import("node:crypto");
    // Unchanged for files read as before: states written by earlier versions stay valid.
    expect(plain).toBe(createHash("sha256").update("contact,name\n+12025550100,Ada\n").digest("hex").slice(0, 32));
    const digests = [plain, await digest({ defaultCountry: "MX" }), await digest({ invalidRows: "skip" }), await digest({ columns: { contact: "contact" } })];
    expect(new Set(digests).size).toBe(4);
  });
});
