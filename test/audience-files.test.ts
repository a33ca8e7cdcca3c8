import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadWorkspace } from "../src/config/index.js";

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

  it("compares LinkedIn URLs the way Puffle does (no query string, fragment or trailing slash)", async () => {
    await writeFile(
      join(dir, "audiences", "l.csv"),
      "linkedin_url\nhttps://www.linkedin.com/in/ada\nhttps://www.linkedin.com/in/ada/?trk=x\nhttps://www.linkedin.com/in/ada#about\nhttps://www.linkedin.com/in/bo\n",
    );
    await puffle(["../audiences/l.csv"], "linkedin");
    const { workspace, diagnostics } = await loadWorkspace({ cwd: dir });
    expect(diagnostics.map((d) => `${d.line} ${d.code}`)).toEqual(["3 AUDIENCE_DUPLICATE", "4 AUDIENCE_DUPLICATE"]);
    expect(workspace!.campaigns[0]!.audience!.rows.map((r) => r.identity)).toEqual(["https://www.linkedin.com/in/ada", "https://www.linkedin.com/in/bo"]);
  });
});
