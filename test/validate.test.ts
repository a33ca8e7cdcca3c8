import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVALID_FIXTURES, REPO_ROOT, caseArgs, prepareCase, removeDir, runCli } from "./validate-support.js";

const CASES = readdirSync(INVALID_FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe("validate: every class of bad input gets exactly the expected located diagnostics", () => {
  it("has a fixture for every bad-input class and provider rule set", () => {
    expect(CASES).toEqual([
      "altur-rules",
      "audience-exports",
      "audiences",
      "binary",
      "campaign-set",
      "config-errors",
      "config-flag",
      "config-syntax",
      "config-unreadable",
      "duplicate-address",
      "duplicate-key",
      "empty-file",
      "envelope",
      "extrovert-rules",
      "missing-campaigns-dir",
      "missing-config",
      "missing-required",
      "multiple-documents",
      "not-a-mapping",
      "out-of-range",
      "puffle-rules",
      "schema-and-rules",
      "unknown-account",
      "unknown-fields",
      "unreadable-entries",
      "wrong-types",
      "yaml-syntax",
    ]);
  });

  it.each(CASES)("%s", async (name) => {
    const expected = readFileSync(join(INVALID_FIXTURES, name, "expected.txt"), "utf8");
    const dir = await prepareCase(name);
    try {
      const run = await runCli(["validate", ...(await caseArgs(name))], dir);
      expect(run.stdout).toBe(expected);
      // Warnings alone do not fail; any error does.
      expect(run.code).toBe(/: error /.test(expected) ? 1 : 0);
      expect(run.stderr).not.toMatch(/\bat .*\(.*:\d+:\d+\)|Error:|unexpected failure/);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await removeDir(dir);
    }
  });
});

describe("validate on the repository's examples", () => {
  it("finds all ten campaigns (eight files and a set of two) and the three objects they use valid, prints nothing on stdout and exits 0", async () => {
    const run = await runCli(["validate"], REPO_ROOT);
    expect(run).toEqual({ code: 0, stdout: "", stderr: "10 campaigns and 3 other objects valid\n" });
  });

  it("prints a versioned JSON document with no diagnostics and a github run prints nothing", async () => {
    expect(JSON.parse((await runCli(["validate", "--format", "json"], REPO_ROOT)).stdout)).toEqual({ formatVersion: 1, valid: true, errors: 0, warnings: 0, diagnostics: [] });
    expect((await runCli(["validate", "--format", "github"], REPO_ROOT)).stdout).toBe("");
  });

  it("--quiet drops the summary", async () => {
    expect(await runCli(["--quiet", "validate"], REPO_ROOT)).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

describe("validate output formats", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await prepareCase("extrovert-rules");
    await writeFile(
      join(dir, "campaigns", "broken.yaml"),
      'apiVersion: campaignctl/v1\nkind: ExtrovertCampaign\nmetadata:\n  name: "bad, name: here"\nspec:\n  ownerId: e0000000-0000-4000-8000-000000000001\n  type: TARGET_USER\n  name: "x"\n  postMaxAgeDays: 0\n' +
        "  userStyleId: e0000000-0000-4000-8000-000000000002\n  userContextId: e0000000-0000-4000-8000-000000000003\n  skipTeammatesLeads: true\n" +
        "  postActivityFilter: { emotionTypes: [], monitoredTopicIds: [], isShowImportantTargetUsersFirstEnabled: false, isShowDirectPostFirstEnabled: false, minPostLikes: 0 }\n",
    );
  });
  afterAll(() => removeDir(dir));

  it("github: workflow commands with escaped properties and data", async () => {
    const run = await runCli(["validate", "--format", "github"], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        '::error file=campaigns/broken.yaml,line=4,col=9::SCHEMA_FORMAT metadata.name must be lowercase letters, digits and \'-\' (1-63 characters, starting and ending with a letter or digit), got "bad, name: here"',
        "::error file=campaigns/broken.yaml,line=9,col=19::SCHEMA_RANGE spec.postMaxAgeDays must be an integer greater than 0, got 0",
        "::warning file=campaigns/interval.yaml,line=9,col=26::EXTROVERT_COMMENT_INTERVAL applyCommentIntervalH 36 is not a whole number of days; Extrovert's dashboard only offers multiples of 24 (24, 48, 72)",
        "::warning file=campaigns/keyword.yaml,line=9,col=23::EXTROVERT_KEYWORD_FIELD skipTeammatesLeads is true, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; set it to false",
        "::warning file=campaigns/keyword.yaml,line=10,col=32::EXTROVERT_KEYWORD_FIELD isIndirectEngagementEnabled is true, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; set it to false",
        "::warning file=campaigns/keyword.yaml,line=12,col=37::EXTROVERT_KEYWORD_FIELD connectingSettings.isSendConnectionRequestEnabled is true, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; set it to false",
        "::warning file=campaigns/keyword.yaml,line=20,col=26::EXTROVERT_KEYWORD_FIELD dmSettings.isGenerateDmEnabled is true, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; set it to false",
        "::warning file=campaigns/keyword.yaml,line=27,col=26::EXTROVERT_KEYWORD_FIELD applyCommentIntervalH is 48, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; leave it out",
        "",
      ].join("\n"),
    );
    expect(run.stderr).toBe("2 errors, 6 warnings in 3 files\n");
  });

  it("json: formatVersion 1, counts, and a stable list of {severity, code, message, file, line, col}", async () => {
    const run = await runCli(["validate", "--format", "json"], dir);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { diagnostics: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(["formatVersion", "valid", "errors", "warnings", "diagnostics"]);
    expect(doc).toMatchObject({ formatVersion: 1, valid: false, errors: 2, warnings: 6 });
    const list = doc.diagnostics;
    expect(list).toHaveLength(8);
    for (const entry of list) expect(Object.keys(entry)).toEqual(["severity", "code", "message", "file", "line", "col"]);
    expect(list[1]).toEqual({
      severity: "error",
      code: "SCHEMA_RANGE",
      message: "spec.postMaxAgeDays must be an integer greater than 0, got 0",
      file: "campaigns/broken.yaml",
      line: 9,
      col: 19,
    });
    expect(list.map((d) => d.severity)).toEqual(["error", "error", ...Array(6).fill("warning")]);
  });

  it("json: a problem without a place has null file/line/col parts", async () => {
    const empty = await mkdtemp(join(tmpdir(), "campaignctl-noconfig-"));
    try {
      const run = await runCli(["validate", "--format", "json"], empty);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).diagnostics).toEqual([
        {
          severity: "error",
          code: "CONFIG_NOT_FOUND",
          message: "no campaignctl.yaml in the current directory or a parent directory (up to the repository root); run `campaignctl init` to create a workspace, or pass --chdir DIR or --config FILE",
          file: "campaignctl.yaml",
          line: null,
          col: null,
        },
      ]);
    } finally {
      await removeDir(empty);
    }
  });

  it("rejects an unknown format with exit 1", async () => {
    const run = await runCli(["validate", "--format", "xml"], REPO_ROOT);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/argument 'xml' is invalid/);
  });

  it("--config given after the command is honoured too", async () => {
    const caseDir = await prepareCase("config-flag");
    try {
      const run = await runCli(["validate", "--config", "conf/workspace.yaml"], caseDir);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(readFileSync(join(INVALID_FIXTURES, "config-flag", "expected.txt"), "utf8"));
    } finally {
      await removeDir(caseDir);
    }
  });
});

describe("validate never touches the network", () => {
  let server: Server;
  let requests = 0;
  let baseUrl: string;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), "campaignctl-offline-"));
    await cp(join(REPO_ROOT, "campaigns"), join(dir, "campaigns"), { recursive: true });
    await cp(join(INVALID_FIXTURES, "puffle-rules", "campaigns"), join(dir, "campaigns", "broken"), { recursive: true });
    const accounts = ["extrovert", "puffle", "altur"]
      .map((p) => `  - provider: ${p}\n    apiKeyEnv: ${p.toUpperCase()}_API_KEY\n    baseUrl: ${baseUrl}\n`)
      .join("");
    await writeFile(join(dir, "campaignctl.yaml"), `apiVersion: campaignctl/v1\naccounts:\n${accounts}`);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await removeDir(dir);
  });

  it("sends zero requests to the configured provider URLs, with keys set, valid or not", async () => {
    const env = { EXTROVERT_API_KEY: "k1", PUFFLE_API_KEY: "k2", ALTUR_API_KEY: "k3" };
    const run = await runCli(["validate"], dir, env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("campaigns/broken/linkedin-wrong.yaml:");
    expect(run.stderr).toBe("12 errors, 3 warnings in 3 files\n");
    expect(requests).toBe(0);
  });
});

describe("one run reports every problem of a file (issue 24)", () => {
  it("an unknown field, a missing audience file and a dangling ref of the same file, with an unknown account, at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-onepass-"));
    try {
      await cp(join(REPO_ROOT, "campaignctl.yaml"), join(dir, "campaignctl.yaml"));
      await cp(join(REPO_ROOT, "campaigns"), join(dir, "campaigns"), { recursive: true });
      const file = join(dir, "campaigns", "extrovert", "founders-engagement.yaml");
      const text = readFileSync(file, "utf8")
        .replace("  postMaxAgeDays: 30\n", "  postMaxAgeDays: 30\n  colour: red\n")
        .replace("{ ref: founder-voice }", "{ ref: no-such-voice }")
        .replace("files: [../audiences/founders-emea.csv]", "files: [missing.csv]");
      expect(text).toContain("files: [missing.csv]");
      await writeFile(file, text);
      const other = join(dir, "campaigns", "altur", "q2-reactivation.yaml");
      await writeFile(other, readFileSync(other, "utf8").replace("  account: default\n", "  account: nowhere\n").replace(/\nspec:\n/, "\nspec:\n  retires: 2\n"));
      const run = await runCli(["validate", "--format", "json"], dir);
      expect(run.code).toBe(1);
      const found = (JSON.parse(run.stdout) as { diagnostics: { file: string; code: string; message: string }[] }).diagnostics.map((d) => `${d.file} ${d.code}`);
      expect(found).toEqual(
        expect.arrayContaining([
          "campaigns/extrovert/founders-engagement.yaml SCHEMA_UNKNOWN_FIELD",
          "campaigns/extrovert/founders-engagement.yaml AUDIENCE_FILE_NOT_FOUND",
          "campaigns/extrovert/founders-engagement.yaml REF_NOT_FOUND",
          "campaigns/altur/q2-reactivation.yaml SCHEMA_UNKNOWN_FIELD",
          "campaigns/altur/q2-reactivation.yaml UNKNOWN_ACCOUNT",
        ]),
      );
      expect(found).toHaveLength(5);
    } finally {
      await removeDir(dir);
    }
  });
});
