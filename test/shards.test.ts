/**
 * `campaignctl shards` and `campaignctl init --shard` (docs/design.md §18) on real git repositories: a bare
 * origin, a clone on a feature branch, `--changed origin/main` as a pull request's job would run it.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runInProcess } from "./support/cli-inprocess.js";
import { git, repositoryWithOrigin, tempDirs, writeIn } from "./support/git-repo.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const tempDir = tempDirs("campaignctl-shards-");
const write = writeIn;

function shardConfig(keyEnv = "PUFFLE_API_KEY"): string {
  return ["apiVersion: campaignctl/v1", "allowOutsideWorkspace: true", "accounts:", "  - provider: puffle", "    name: default", `    apiKeyEnv: ${keyEnv}`, ""].join("\n");
}

/** A Puffle campaign with an audience file (the repository's example, the audience path replaced). */
function campaign(name: string, audience?: string): string {
  const text = readFileSync(join(REPO, "campaigns/puffle/email-renewal-nudge.yaml"), "utf8").replace(/^# yaml-language-server.*\n/m, "");
  const named = text.replace("name: email-renewal-nudge", `name: ${name}`);
  return audience === undefined ? named.replace(/\naudience:.*(\n[ #].*)*\n?$/, "\n") : named.replace("[../audiences/renewal-nudge.csv]", `[${audience}]`);
}

/**
 * origin (bare) ← seed: shards clients/acme and clients/beta use shared/audiences/renewal.csv; clients/gamma
 * uses none. Returns a clone on a feature branch.
 */
function seedRepository(): { work: string; origin: string } {
  const { work, origin } = repositoryWithOrigin(tempDir());
  write(work, "shared/audiences/renewal.csv", readFileSync(join(REPO, "campaigns/audiences/renewal-nudge.csv"), "utf8"));
  for (const shard of ["acme", "beta"]) {
    write(work, `clients/${shard}/campaignctl.yaml`, shardConfig());
    write(work, `clients/${shard}/campaigns/renewal.yaml`, campaign(`${shard}-renewal`, "../../../shared/audiences/renewal.csv"));
  }
  write(work, "clients/gamma/campaignctl.yaml", shardConfig());
  write(work, "clients/gamma/campaigns/nudge.yaml", campaign("gamma-nudge"));
  // Skipped: dot folders and node_modules.
  write(work, ".hidden/campaignctl.yaml", shardConfig());
  write(work, "node_modules/x/campaignctl.yaml", shardConfig());
  write(work, ".gitignore", "node_modules/\n");
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "seed");
  git(work, "push", "--quiet", "-u", "origin", "main");
  git(work, "checkout", "--quiet", "-b", "feature");
  return { work, origin };
}

function commitAll(work: string, message: string): void {
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", message);
}

interface ShardsJson {
  formatVersion: number;
  changed: { ref: string; base: string; files: number } | null;
  total: number;
  count: number;
  shards: { dir: string; name: string; environment: string; concurrency: string; loads: boolean; reasons: string[] | null; changedFiles: string[] | null }[];
  removed: string[];
  matrix: { include: { dir: string; name: string; environment: string }[] };
  batches: { include: { dir: string; name: string; environment: string }[] }[];
  diagnostics: { severity: string; code: string; message: string; file: string | null }[];
}

async function shardsJson(cwd: string, ...args: string[]): Promise<{ code: number; doc: ShardsJson; stderr: string }> {
  const run = await runInProcess(["shards", "--format", "json", ...args], { cwd });
  return { code: run.code, doc: JSON.parse(run.stdout) as ShardsJson, stderr: run.stderr };
}

describe("campaignctl shards", () => {
  it("lists every shard below the root (dot folders and node_modules skipped), with matrix entries and the versioned JSON shape", async () => {
    const { work } = seedRepository();
    const text = await runInProcess(["shards"], { cwd: work });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe("clients/acme\nclients/beta\nclients/gamma\n");
    expect(text.stderr).toContain("3 shard(s)");

    const { code, doc } = await shardsJson(join(work, "clients"), "--root", "..");
    expect(code).toBe(0);
    expect(doc.formatVersion).toBe(1);
    expect(doc.changed).toBeNull();
    expect(doc.total).toBe(3);
    expect(doc.count).toBe(3);
    expect(doc.shards[0]).toEqual({
      dir: "clients/acme",
      name: "clients-acme",
      environment: "campaignctl-clients-acme",
      concurrency: "campaignctl-clients-acme",
      loads: true,
      reasons: null,
      changedFiles: null,
      changedCount: null,
    });
    expect(doc.matrix.include.map((e) => e.name)).toEqual(["clients-acme", "clients-beta", "clients-gamma"]);
    expect(doc.batches).toEqual([doc.matrix]);
    expect(doc.removed).toEqual([]);
    expect(doc.diagnostics).toEqual([]);
  });

  it("--changed: an edit of a shared audience file lists the two shards that use it, and only them", async () => {
    const { work } = seedRepository();
    const csv = join(work, "shared/audiences/renewal.csv");
    writeFileSync(csv, readFileSync(csv, "utf8").replace(/\n$/, "\nlate.row@example.com,Late,2027-01-01\n"));
    commitAll(work, "one more row in the shared audience");
    const { code, doc } = await shardsJson(work, "--changed", "origin/main");
    expect(code).toBe(0);
    expect(doc.changed).toMatchObject({ ref: "origin/main", files: 1 });
    expect(doc.changed!.base).toBe(git(work, "rev-parse", "origin/main"));
    expect(doc.shards.map((s) => [s.dir, s.reasons, s.changedFiles])).toEqual([
      ["clients/acme", ["USES_FILE"], ["shared/audiences/renewal.csv"]],
      ["clients/beta", ["USES_FILE"], ["shared/audiences/renewal.csv"]],
    ]);
    expect(doc.total).toBe(3);
    expect(doc.matrix.include.map((e) => e.environment)).toEqual(["campaignctl-clients-acme", "campaignctl-clients-beta"]);

    const text = await runInProcess(["shards", "--changed", "origin/main"], { cwd: work });
    expect(text.stdout).toBe("clients/acme\ta file it uses changed\nclients/beta\ta file it uses changed\n");
    expect(text.stderr).toContain("2 of 3 shard(s) changed since origin/main");
  });

  it("--changed: an edit of a suppression list file outside the shard lists the shard whose list reads it", async () => {
    const { work } = seedRepository();
    write(work, "shared/suppression/dnc.csv", "email\nopted.out@example.com\n");
    write(
      work,
      "clients/gamma/campaigns/dnc.yaml",
      ["apiVersion: campaignctl/v1", "kind: SuppressionList", "metadata: { name: do-not-contact }", "spec:", "  files: [../../../shared/suppression/dnc.csv]", ""].join("\n"),
    );
    commitAll(work, "gamma: a shared do-not-contact list");
    git(work, "push", "--quiet", "origin", "feature:main");
    git(work, "fetch", "--quiet", "origin");
    write(work, "shared/suppression/dnc.csv", "email\nopted.out@example.com\nsecond@example.com\n");
    commitAll(work, "one more person opted out");
    const { code, doc } = await shardsJson(work, "--changed", "origin/main");
    expect(code, JSON.stringify(doc.diagnostics)).toBe(0);
    expect(doc.shards.map((s) => [s.dir, s.reasons, s.changedFiles])).toEqual([["clients/gamma", ["USES_FILE"], ["shared/suppression/dnc.csv"]]]);
  });

  it("--changed: an edit in one shard lists that shard only; a file nobody uses lists none; uncommitted and untracked files count", async () => {
    const { work } = seedRepository();
    const file = join(work, "clients/gamma/campaigns/nudge.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("daily_limit: 40", "daily_limit: 45"));
    write(work, "docs/notes.md", "not used by any shard\n");
    commitAll(work, "gamma: daily limit");
    let { doc } = await shardsJson(work, "--changed", "origin/main");
    expect(doc.shards.map((s) => [s.dir, s.reasons, s.changedFiles])).toEqual([["clients/gamma", ["IN_SHARD"], ["clients/gamma/campaigns/nudge.yaml"]]]);

    // The base is the merge base: main moving on (another shard merged) does not list that shard here.
    git(work, "checkout", "--quiet", "main");
    write(work, "clients/beta/campaigns/extra.yaml", campaign("beta-extra"));
    commitAll(work, "beta: extra campaign on main");
    git(work, "checkout", "--quiet", "feature");
    ({ doc } = await shardsJson(work, "--changed", "main"));
    expect(doc.shards.map((s) => s.dir)).toEqual(["clients/gamma"]);

    // Work not committed yet: a modified tracked file and an untracked one.
    writeFileSync(join(work, "clients/acme/campaignctl.state.json"), '{"version":1}\n');
    ({ doc } = await shardsJson(work, "--changed", "HEAD"));
    expect(doc.shards.map((s) => [s.dir, s.changedFiles])).toEqual([["clients/acme", ["clients/acme/campaignctl.state.json"]]]);
  });

  it("--changed: a deleted shard is reported as removed, not listed; a shard that does not load is listed with a warning", async () => {
    const { work } = seedRepository();
    git(work, "rm", "--quiet", "-r", "clients/beta");
    write(work, "clients/gamma/campaignctl.yaml", "apiVersion: campaignctl/v1\naccounts: 3\n");
    commitAll(work, "beta leaves; gamma broken");
    const { code, doc } = await shardsJson(work, "--changed", "origin/main");
    expect(code).toBe(0);
    expect(doc.removed).toEqual(["clients/beta"]);
    expect(doc.shards.map((s) => [s.dir, s.loads, s.reasons])).toEqual([["clients/gamma", false, ["DOES_NOT_LOAD", "IN_SHARD"]]]);
    expect(doc.diagnostics.map((d) => [d.severity, d.code, d.file])).toEqual([["warning", "SHARD_DOES_NOT_LOAD", "clients/gamma/campaignctl.yaml"]]);
    const text = await runInProcess(["shards", "--changed", "origin/main"], { cwd: work });
    expect(text.stdout).toContain("clients/beta\tremoved");
  });

  it("bad root, a ref git does not know, no repository, an option for a ref: one located line, exit 1", async () => {
    const { work } = seedRepository();
    const cases: [string[], string, string][] = [
      [["shards", "--root", "nope"], work, "error: --root nope: no such directory\n"],
      [["shards", "--root", ".gitignore"], work, "error: --root .gitignore: not a directory\n"],
      [["shards", "--changed", "origin/nope"], work, `error: --changed origin/nope: git does not know this ref in `],
      [["shards", "--changed", "--output=x"], work, `error: --changed "--output=x": not a git ref\n`],
    ];
    const outside = tempDir();
    write(outside, "a/campaignctl.yaml", shardConfig());
    cases.push([["shards", "--changed", "main"], outside, `error: --changed needs a git repository: `]);
    for (const [args, cwd, message] of cases) {
      const run = await runInProcess(args, { cwd });
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr.startsWith(message), `${args.join(" ")}: ${run.stderr}`).toBe(true);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stdout).toBe("");
    }
  });

  it("one provider account in two shards (the same key under two variables) is an error; the key is never shown", async () => {
    const { work } = seedRepository();
    write(work, "clients/acme/campaignctl.yaml", shardConfig("ACME_PUFFLE_KEY"));
    write(work, "clients/beta/campaignctl.yaml", shardConfig("BETA_PUFFLE_KEY"));
    const key = "pk_live_shared_0123456789abcdef";
    const same = await runInProcess(["shards"], { cwd: work, env: { ACME_PUFFLE_KEY: key, BETA_PUFFLE_KEY: key } });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("clients/beta/campaignctl.yaml: error SHARED_ACCOUNT puffle account \"default\" of shard clients/beta (BETA_PUFFLE_KEY) has the same API key as account \"default\" of shard clients/acme (ACME_PUFFLE_KEY)");
    expect(same.stderr + same.stdout).not.toContain(key);
    const apart = await runInProcess(["shards"], { cwd: work, env: { ACME_PUFFLE_KEY: key, BETA_PUFFLE_KEY: `${key}x` } });
    expect(apart.code, apart.stderr).toBe(0);
  });

  it("a synthetic 200-shard repository: a commit touching 3 shards lists exactly those 3; 257 shards make 2 drift batches", async () => {
    const root = tempDir();
    git(root, "init", "--quiet", "-b", "main");
    const count = 200;
    for (let i = 0; i < count; i++) {
      const dir = `clients/c${String(i).padStart(3, "0")}`;
      write(root, `${dir}/campaignctl.yaml`, shardConfig());
      write(root, `${dir}/campaigns/nudge.yaml`, campaign(`c${i}-nudge`));
    }
    commitAll(root, "200 shards");
    for (const i of [7, 99, 180]) {
      const file = join(root, `clients/c${String(i).padStart(3, "0")}/campaigns/nudge.yaml`);
      writeFileSync(file, readFileSync(file, "utf8").replace("daily_limit: 40", "daily_limit: 41"));
    }
    commitAll(root, "three clients");
    const { code, doc } = await shardsJson(root, "--changed", "HEAD~1");
    expect(code).toBe(0);
    expect(doc.total).toBe(count);
    expect(doc.shards.map((s) => s.dir)).toEqual(["clients/c007", "clients/c099", "clients/c180"]);
    expect(doc.batches).toHaveLength(1);

    for (let i = count; i < 257; i++) write(root, `clients/c${i}/campaignctl.yaml`, shardConfig());
    const all = await shardsJson(root);
    expect(all.doc.total).toBe(257);
    expect(all.doc.batches.map((b) => b.include.length)).toEqual([256, 1]);
    expect(all.doc.batches.flatMap((b) => b.include)).toEqual(all.doc.matrix.include);
  });
});

describe("audience files shared by shards", () => {
  it("are read from anywhere in the repository only with allowOutsideWorkspace: true, and never from outside it", async () => {
    const { work } = seedRepository();
    const validate = (shard: string) => runInProcess(["--chdir", `clients/${shard}`, "validate"], { cwd: work });
    expect((await validate("acme")).code).toBe(0);
    write(work, "clients/acme/campaignctl.yaml", shardConfig().replace("allowOutsideWorkspace: true\n", ""));
    const closed = await validate("acme");
    expect(closed.code).toBe(1);
    expect(closed.stdout).toContain("AUDIENCE_OUTSIDE_WORKSPACE");
    const elsewhere = tempDir();
    write(elsewhere, "list.csv", readFileSync(join(work, "shared/audiences/renewal.csv"), "utf8"));
    write(work, "clients/beta/campaigns/renewal.yaml", campaign("beta-renewal", join(elsewhere, "list.csv")));
    const outside = await validate("beta");
    expect(outside.code).toBe(1);
    expect(outside.stdout).toContain("AUDIENCE_OUTSIDE_WORKSPACE");
  });
});

describe("campaignctl init --shard", () => {
  it("adds a shard that validates and is listed; refuses to overwrite, to nest, and outside a repository", async () => {
    const { work } = seedRepository();
    const added = await runInProcess(["init", "--shard", "clients/delta", "--providers", "puffle,altur"], { cwd: work });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("campaignctl-clients-delta");
    const config = readFileSync(join(work, "clients/delta/campaignctl.yaml"), "utf8");
    expect(config).toContain("$schema=../../node_modules/campaignctl/schemas/campaignctl.schema.json");
    expect(config).toContain("provider: altur");
    expect(existsSync(join(work, "clients/delta/campaigns/puffle/linkedin-cto-outreach.yaml"))).toBe(true);
    // The shard workflows (one job per shard), written once for the repository: test/shard-workflows.test.ts.
    expect(readdirSync(join(work, ".github", "workflows")).sort()).toEqual(["apply.yml", "drift.yml", "plan.yml"]);
    const valid = await runInProcess(["--chdir", "clients/delta", "validate"], { cwd: work });
    expect(valid.code, valid.stdout).toBe(0);
    const listed = await runInProcess(["shards"], { cwd: work });
    expect(listed.stdout).toContain("clients/delta\n");

    const before = readFileSync(join(work, "clients/acme/campaignctl.yaml"), "utf8");
    const refusals: [string[], string, RegExp][] = [
      [["init", "--shard", "clients/acme"], work, /clients\/acme is already a shard/],
      [["init", "--shard", "clients/acme/eu"], work, /clients\/acme\/eu is inside the shard clients\/acme/],
      [["init", "--shard", "eu"], join(work, "clients/acme"), /clients\/acme\/eu is inside the shard clients\/acme/],
      [["init", "--shard", "clients"], work, /clients already holds the shard\(s\) clients\/acme, clients\/beta, clients\/delta, clients\/gamma/],
      [["init", "--shard", "x", "--force"], work, /never overwrites/],
      [["init", "--shard", "../elsewhere"], work, /outside the repository/],
    ];
    const outside = tempDir();
    refusals.push([["init", "--shard", "acme"], outside, /not inside a git repository/]);
    for (const [args, cwd, message] of refusals) {
      const run = await runInProcess(args, { cwd });
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toMatch(message);
    }
    expect(readFileSync(join(work, "clients/acme/campaignctl.yaml"), "utf8")).toBe(before);
    expect(existsSync(join(work, "clients/acme/eu"))).toBe(false);
    expect(existsSync(join(outside, "acme"))).toBe(false);

    // A file in the way (a campaigns folder already there): nothing written.
    write(work, "clients/omega/campaigns/puffle/linkedin-cto-outreach.yaml", "mine\n");
    const blocked = await runInProcess(["init", "--shard", "clients/omega", "--providers", "puffle"], { cwd: work });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("would overwrite 1 existing file(s)");
    expect(existsSync(join(work, "clients/omega/campaignctl.yaml"))).toBe(false);
    expect(readFileSync(join(work, "clients/omega/campaigns/puffle/linkedin-cto-outreach.yaml"), "utf8")).toBe("mine\n");
  });
});
