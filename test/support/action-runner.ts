/**
 * Runs the composite action (action.yml) on this machine the way the GitHub runner does, step by step:
 * each `if:` and `${{ }}` evaluated with GitHub's own expression evaluator (@actions/expressions),
 * `run:` steps executed by `bash --noprofile --norc -eo pipefail` in their working-directory with
 * GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the step's env; outputs read back from GITHUB_OUTPUT. The
 * `uses:` steps are GitHub's own services and stand in locally: setup-node (the running node is used),
 * upload-artifact / download-artifact (a directory per artifact name), github-script (the script's
 * `require`d module from scripts/gitops/ called with the GitHub client the test passes).
 */
import { spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import { parse } from "yaml";

export const ACTION_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);

interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  "working-directory"?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface ActionFile {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export function loadAction(): ActionFile {
  return parse(readFileSync(join(ACTION_ROOT, "action.yml"), "utf8")) as ActionFile;
}

export interface RunOptions {
  workspace: string;
  inputs: Record<string, string>;
  /** The `github` context (event_name, sha, repository, run_id, event …); action_path is added. */
  github: Record<string, unknown>;
  /** Environment of the calling step (the provider keys). */
  env: Record<string, string>;
  /** Where artifacts live between jobs (one directory per name). */
  artifacts: string;
  /** The GitHub REST client the github-script steps get. */
  client: unknown;
}

export interface StepRecord { name: string; outcome: "success" | "failure" | "skipped"; code?: number; stdout: string; stderr: string }
export interface RunResult { steps: StepRecord[]; outputs: Record<string, string>; summary: string; failed: boolean }

function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function evaluate(expr: string, ctx: Record<string, unknown>): data.ExpressionData {
  const lexed = new Lexer(expr).lex();
  const parsed = new Parser(lexed.tokens, Object.keys(ctx), []).parse();
  const dict = new data.Dictionary(...Object.entries(ctx).map(([key, value]) => ({ key, value: toData(value) })));
  return new Evaluator(parsed, dict).evaluate();
}

/** `${{ … }}` inside a string, each replaced by its value as a string. */
function interpolate(text: string, ctx: Record<string, unknown>): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => evaluate(e.trim(), ctx).coerceString());
}

function parseOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

export async function runAction(opts: RunOptions): Promise<RunResult> {
  const action = loadAction();
  const tmp = mkdtempSync(join(tmpdir(), "campaignctl-runner-"));
  const summaryFile = join(tmp, "summary.md");
  writeFileSync(summaryFile, "");
  const inputs: Record<string, string> = {};
  const github: Record<string, unknown> = { ...opts.github, action_path: ACTION_ROOT, workspace: opts.workspace, server_url: "https://github.com", token: "t" };
  const steps: Record<string, { outcome: string; outputs: Record<string, string> }> = {};
  const base = { github, steps };
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = opts.inputs[k] ?? (v.default === undefined ? "" : interpolate(v.default, base));
  const ctx = { github, inputs, steps };
  const records: StepRecord[] = [];
  let failed = false;
  for (const [i, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.uses ?? `step ${i}`;
    const cond = step.if ?? "success()";
    const usesStatus = /always\(\)|cancelled\(\)|failure\(\)/.test(cond);
    const expr = cond.replace(/^\$\{\{([\s\S]*)\}\}$/, "$1").replace(/always\(\)/g, "true").replace(/!cancelled\(\)/g, "true").replace(/cancelled\(\)/g, "false").replace(/success\(\)/g, failed ? "false" : "true");
    const run = (!failed || usesStatus) && truthy(evaluate(expr, ctx));
    const record = (outcome: StepRecord["outcome"], extra: Partial<StepRecord> = {}, outputs: Record<string, string> = {}) => {
      records.push({ name, outcome, stdout: "", stderr: "", ...extra });
      if (step.id) steps[step.id] = { outcome, outputs };
      if (outcome === "failure") failed = true;
    };
    if (!run) {
      record("skipped");
      continue;
    }
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    const cwd = resolve(opts.workspace, interpolate(step["working-directory"] ?? ".", ctx));
    if (step.run !== undefined) {
      const outputFile = join(tmp, `output-${i}`);
      const r = await bash(interpolate(step.run, ctx), cwd, {
        ...(process.env as Record<string, string>),
        ...opts.env,
        ...env,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_ACTION_PATH: ACTION_ROOT,
        GITHUB_WORKSPACE: opts.workspace,
        NO_COLOR: "1",
      });
      record(r.code === 0 ? "success" : "failure", { code: r.code, stdout: r.stdout, stderr: r.stderr }, parseOutputs(outputFile));
    } else if (step.uses?.startsWith("actions/setup-node@")) {
      record("success");
    } else if (step.uses?.startsWith("actions/upload-artifact@")) {
      const dir = join(opts.artifacts, withs.name!);
      mkdirSync(dir, { recursive: true });
      const paths = withs.path!.split("\n").map((p) => p.trim()).filter((p) => p !== "").map((p) => resolve(opts.workspace, p));
      const found = paths.filter((p) => existsSync(p));
      if (found.length === 0 && withs["if-no-files-found"] === "error") record("failure", { stderr: `no files at ${paths.join(", ")}` });
      else {
        for (const p of found) cpSync(p, join(dir, basename(p)));
        record("success");
      }
    } else if (step.uses?.startsWith("actions/download-artifact@")) {
      const dir = join(opts.artifacts, withs.name!);
      if (!existsSync(dir)) record("failure", { stderr: `Artifact not found: ${withs.name}` });
      else {
        const dest = resolve(opts.workspace, withs.path ?? ".");
        for (const f of readdirSync(dir)) cpSync(join(dir, f), join(dest, f));
        record("success");
      }
    } else if (step.uses?.startsWith("actions/github-script@")) {
      const module = /scripts\/gitops\/[\w-]+\.cjs/.exec(withs.script!)?.[0];
      if (!module) throw new Error(`github-script step ${name} requires no scripts/gitops module`);
      const fn = require(join(ACTION_ROOT, module)) as (a: unknown) => Promise<unknown>;
      const logs: string[] = [];
      const core = { info: (s: string) => logs.push(s), warning: (s: string) => logs.push(`warning: ${s}`) };
      const event = (github as { event?: Record<string, unknown> }).event ?? {};
      const [owner, repo] = String(github.repository).split("/");
      const context = { eventName: github.event_name, sha: github.sha, payload: event, repo: { owner, repo } };
      // The runner's working directory is the workspace: relative paths resolve there.
      const at = (p: string) => resolve(opts.workspace, p);
      const fs = {
        existsSync: (p: string) => existsSync(at(p)),
        readFileSync: (p: string, enc: BufferEncoding) => readFileSync(at(p), enc),
        appendFileSync: (p: string, text: string) => appendFileSync(at(p), text),
      };
      try {
        await fn({ github: opts.client, context, core, fs, env: { ...opts.env, ...env, GITHUB_STEP_SUMMARY: summaryFile } });
        record("success", { stdout: logs.join("\n") });
      } catch (err) {
        record("failure", { stderr: String(err) });
      }
    } else {
      throw new Error(`the local runner does not know ${step.uses}`);
    }
  }
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([k, v]) => [k, interpolate(v.value, ctx)]));
  return { steps: records, outputs, summary: readFileSync(summaryFile, "utf8"), failed };
}
