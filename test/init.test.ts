/**
 * `campaignctl init`: the files it writes, that they validate and plan, that it never overwrites, and
 * that the `$schema` references resolve from the installed package whatever the file's depth.
 * (The packed-tarball end-to-end run is test/init-pack.test.ts; the workflows it writes are linted in
 * test/workflows.test.ts.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { schemaRef } from "../src/cli/commands/init.js";
import { useSandbox } from "./support/sandbox.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "campaignctl-init-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd,
    env,
    stdin: Readable.from([]),
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
  });
  return { code, stdout, stderr };
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? (e.name === "node_modules" ? [] : listFiles(join(dir, e.name), base)) : [relative(base, join(dir, e.name))]))
    .sort();
}

const ALL_FILES = [
  ".github/dependabot.yml",
  ".github/workflows/apply.yml",
  ".github/workflows/drift.yml",
  ".github/workflows/plan.yml",
  ".gitignore",
  "campaignctl.yaml",
  "campaigns/altur/q2-reactivation.yaml",
  "campaigns/extrovert/ai-agents-topic.yaml",
  "campaigns/extrovert/shared/ai-agents.yaml",
  "campaigns/extrovert/shared/example-corp.yaml",
  "campaigns/extrovert/shared/founder-voice.yaml",
  "campaigns/puffle/linkedin-cto-outreach.yaml",
  "package.json",
];

describe("campaignctl init", () => {
  it("writes a campaigns repository in a new directory: package.json depends on this version's release tarball and nothing else", async () => {
    const cwd = tempDir();
    const r = await cli(["init", "My Campaigns"], cwd);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(cwd, "My Campaigns");
    expect(listFiles(dir)).toEqual(ALL_FILES);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.name).toBe("my-campaigns");
    expect(pkg.private).toBe(true);
    expect(pkg.dependencies).toEqual({ campaignctl: `https://github.com/campaignctl/campaignctl/releases/download/v${VERSION}/campaignctl-${VERSION}.tgz` });
    expect(pkg.devDependencies).toBeUndefined();
    expect(r.stdout).toContain("Next steps:");
    expect(r.stdout).toContain('cd "My Campaigns"');
    expect(r.stdout).toContain("npm install");
    // The workflows campaignctl's own repository runs, with its `uses: ./` pinned to this version's action.
    for (const f of ALL_FILES.filter((x) => x.startsWith(".github/workflows/"))) {
      expect(readFileSync(join(dir, f), "utf8"), f).toBe(readFileSync(join(ROOT, f), "utf8").replace(/uses: \.\/$/gm, `uses: campaignctl/campaignctl@v${VERSION}`));
    }
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toMatch(/^node_modules\/$/m);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).not.toMatch(/^campaignctl\.state\.json$/m);
  });

  it("the result validates, and every $schema reference resolves into the installed package whatever the depth", async () => {
    const dir = tempDir();
    expect((await cli(["init"], dir)).code).toBe(0);
    const v = await cli(["validate"], dir);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stderr).toContain("3 campaigns and 3 other objects valid");
    // As after `npm install`: node_modules/campaignctl is the package.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "campaignctl"));
    const yamls = listFiles(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith(".github/"));
    expect(yamls).toHaveLength(7);
    for (const f of yamls) {
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(join(dir, f), "utf8"))?.[1];
      expect(ref, f).toBeDefined();
      const target = resolve(dirname(join(dir, f)), ref!);
      expect(target.startsWith(join(dir, "node_modules", "campaignctl", "schemas")), `${f} -> ${ref}`).toBe(true);
      expect(existsSync(target), `${f} -> ${ref}`).toBe(true);
    }
    expect(schemaRef("campaignctl.yaml", "campaignctl.schema.json")).toBe("node_modules/campaignctl/schemas/campaignctl.schema.json");
    expect(schemaRef("campaigns/a/b/c.yaml", "campaign.schema.json")).toBe("../../../node_modules/campaignctl/schemas/campaign.schema.json");
  });

  it("--providers: only those accounts and examples; unknown names are refused", async () => {
    const dir = tempDir();
    const r = await cli(["init", "--providers", "altur, Puffle"], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(listFiles(join(dir, "campaigns"))).toEqual(["altur/q2-reactivation.yaml", "puffle/linkedin-cto-outreach.yaml"]);
    const config = readFileSync(join(dir, "campaignctl.yaml"), "utf8");
    expect(config).toContain("provider: altur");
    expect(config).toContain("provider: puffle");
    expect(config).not.toContain("extrovert");
    expect((await cli(["validate"], dir)).code).toBe(0);

    const bad = await cli(["init", "other", "--providers", "puffle,mailchimp"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: --providers: unknown provider "mailchimp" (choose from extrovert, puffle, altur)\n');
    expect(existsSync(join(dir, "other"))).toBe(false);
  });

  it("never overwrites: writes nothing and lists the files; --force refreshes the workflows and keeps the user's files", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "campaignctl.yaml"), "# mine\n");
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
    writeFileSync(join(dir, ".github", "workflows", "plan.yml"), "# mine too\n");
    const r = await cli(["init"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("init would overwrite 2 existing file(s)");
    expect(r.stderr).toContain("nothing was written");
    expect(r.stderr).toMatch(/^ {2}campaignctl\.yaml$/m);
    expect(r.stderr).toMatch(/^ {2}\.github\/workflows\/plan\.yml$/m);
    expect(r.stderr).toContain("--force");
    expect(listFiles(dir)).toEqual([".github/workflows/plan.yml", "campaignctl.yaml"]);
    expect(readFileSync(join(dir, "campaignctl.yaml"), "utf8")).toBe("# mine\n");

    const forced = await cli(["init", "--force"], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("campaignctl.yaml (kept: yours)");
    expect(forced.stdout).toContain(".github/workflows/plan.yml (overwritten)");
    expect(listFiles(dir)).toEqual(ALL_FILES);
    // An upgrade never touches the user's config (or campaigns, or package.json).
    expect(readFileSync(join(dir, "campaignctl.yaml"), "utf8")).toBe("# mine\n");
    expect(readFileSync(join(dir, ".github", "workflows", "plan.yml"), "utf8")).toContain("uses: campaignctl/campaignctl@v");
  });

  it("refuses a DIR that is a file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "");
    const r = await cli(["init", "f"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: f exists and is not a directory\n");
  });

  it("--help says what it writes and how to use it", async () => {
    const r = await cli(["init", "--help"], tempDir());
    expect(r.code).toBe(0);
    for (const s of ["--providers <list>", "--force", `campaignctl ${VERSION} (its release tarball)`, `campaignctl/campaignctl@v${VERSION}`, ".github/workflows/apply.yml", "campaignctl init my-campaigns"]) expect(r.stdout).toContain(s);
  });
});

describe("an init'd repository against the sandbox: plan needs no Extrovert key, apply does", () => {
  const sb = useSandbox({ rateLimits: false });

  it("plan with the Puffle and Altur keys only; apply asks for EXTROVERT_API_KEY", async () => {
    const dir = tempDir();
    expect((await cli(["init"], dir)).code).toBe(0);
    const config = readFileSync(join(dir, "campaignctl.yaml"), "utf8").replace(/apiKeyEnv: (\w+)_API_KEY/g, (m, p: string) => `${m}\n    baseUrl: "${sb.urls[p.toLowerCase() as "altur"]}"`);
    writeFileSync(join(dir, "campaignctl.yaml"), config);
    const plan = await cli(["plan", "--detailed-exitcode"], dir, { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey });
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain("extrovert/default/ai-agents-topic");
    expect(await sb.requests("extrovert")).toEqual([]);
    const apply = await cli(["apply", "--auto-approve"], dir, { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain("API key not set: export EXTROVERT_API_KEY (account extrovert/default)");
  });
});
