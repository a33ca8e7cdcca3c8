/**
 * The scripts the GitOps workflows run (scripts/gitops/, also written by `campaignctl init`):
 * the github-script modules against a recording GitHub client (GitHub's API is the only double), and
 * apply.sh running the real CLI against the in-process sandbox. commit-state.sh: test/commit-state.test.ts.
 */
import { execFile, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { useSandbox } from "./support/sandbox.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

type Script = (args: { github: unknown; context: unknown; core: unknown; env: Record<string, string>; fs: unknown }) => Promise<unknown>;
const planComment = require("../scripts/gitops/plan-comment.cjs") as Script & { isToolFile: (f: string) => boolean };
const driftIssue = require("../scripts/gitops/drift-issue.cjs") as Script & { driftedSet: (r: unknown) => string[] };

interface Comment { id: number; body: string; user: { type: string }; html_url: string }
interface Issue { number: number; body: string; state: string; labels: string[]; title: string; comments: string[]; pull_request?: unknown }

function fakeGitHub(opts: { files?: string[]; commentStatus?: number } = {}) {
  const calls: string[] = [];
  const comments: Comment[] = [];
  const issues: Issue[] = [];
  const labels = new Set<string>();
  let next = 1;
  const refuse = () => {
    if (opts.commentStatus) throw Object.assign(new Error("Resource not accessible by integration"), { status: opts.commentStatus });
  };
  const rest = {
    pulls: {
      listFiles: async () => ({ data: (opts.files ?? []).map((filename) => ({ filename })) }),
    },
    issues: {
      listComments: async () => ({ data: comments }),
      createComment: async (p: { issue_number: number; body: string }) => {
        calls.push(`createComment #${p.issue_number}`);
        const issue = issues.find((i) => i.number === p.issue_number);
        if (issue) issue.comments.push(p.body);
        else {
          refuse();
          comments.push({ id: next++, body: p.body, user: { type: "Bot" }, html_url: "u" });
        }
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

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "campaignctl-gitops-"));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Runs a module as the workflow's github-script step does, with files read from `dir`. */
async function runModule(fn: Script, opts: { github: unknown; dir: string; env: Record<string, string>; fork?: boolean }) {
  const logs: string[] = [];
  const warnings: string[] = [];
  const core = { info: (m: string) => logs.push(m), warning: (m: string) => warnings.push(m) };
  const head = { repo: opts.fork ? { full_name: "someone/campaigns" } : { full_name: "acme/campaigns" } };
  const context = { repo: { owner: "acme", repo: "campaigns" }, payload: { pull_request: { number: 7, head } } };
  const summary = join(opts.dir, "summary.md");
  const fs = {
    existsSync: (f: string) => existsSync(join(opts.dir, f)),
    readFileSync: (f: string, enc: BufferEncoding) => readFileSync(join(opts.dir, f), enc),
    appendFileSync: (f: string, text: string) => appendFileSync(f, text),
  };
  const result = await fn({ github: opts.github, context, core, env: { GITHUB_STEP_SUMMARY: summary, ...opts.env }, fs });
  return { result, logs, warnings, summary: existsSync(summary) ? readFileSync(summary, "utf8") : "" };
}

describe("plan-comment.cjs", () => {
  const base = { HEAD_SHA: "abc123", RUN_URL: "https://example.invalid/run/1" };

  it("creates one comment, then updates the same comment on the next push", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "### Plan: 1 to update\n~ altur/default/q2\n");
    const first = await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "2" } });
    expect(gh.calls).toEqual(["createComment #7"]);
    expect(gh.comments[0]!.body).toMatch(/^<!-- campaignctl-plan -->/);
    expect(gh.comments[0]!.body).toContain("Changes to apply");
    expect(gh.comments[0]!.body).toContain("~ altur/default/q2");
    expect(gh.comments[0]!.body).not.toContain("changes the tool");
    expect(first.summary).toContain("~ altur/default/q2");

    // A human comment quoting the marker is not ours to edit.
    gh.comments.unshift({ id: 99, body: "see <!-- campaignctl-plan -->", user: { type: "User" }, html_url: "h" });
    writeFileSync(join(dir, "plan.md"), "### Plan: 1 blocked\n! puffle/default/x\n");
    await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "3" } });
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
    await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "1" } });
    expect(gh.comments[0]!.body).toContain("The plan failed");
    expect(gh.comments[0]!.body).toContain("API key not set: export ALTUR_API_KEY");

    await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "failure", PLAN_EXITCODE: "" } });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain("Validation failed");
    expect(gh.comments[0]!.body).not.toContain("API key");
  });

  it("calls out a pull request that also changes the tool: its code ran with the keys", async () => {
    const gh = fakeGitHub({ files: ["campaigns/altur/q2.yaml", "package-lock.json", ".github/workflows/plan.yml", "scripts/gitops/install.sh", "README.md"] });
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "### Plan: no changes\n");
    const run = await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "0" } });
    const body = gh.comments[0]!.body;
    expect(body).toContain("This pull request also changes the tool");
    expect(body).toContain("`.github/workflows/plan.yml`, `package-lock.json`, `scripts/gitops/install.sh`");
    expect(body).not.toContain("`README.md`");
    expect(body).toContain("ran with the plan job's API keys");
    expect(run.warnings.join("\n")).toContain("changes the tool");
    for (const f of ["package.json", "package-lock.json", ".npmrc", "src/cli/main.ts", "bin/campaignctl.js"]) expect(planComment.isToolFile(f), f).toBe(true);
    for (const f of ["campaigns/a.yaml", "campaignctl.yaml", "campaignctl.state.json", "README.md"]) expect(planComment.isToolFile(f), f).toBe(false);
  });

  it("fork pull request: no comment (read-only token), a job summary and a warning saying why no plan", async () => {
    const gh = fakeGitHub({ files: ["campaigns/x.yaml"] });
    const dir = tempDir();
    const run = await runModule(planComment, { github: gh.github, dir, fork: true, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "" } });
    expect(gh.calls).toEqual([]);
    expect(run.summary).toContain("No plan: this pull request comes from a fork");
    expect(run.summary).toContain("no secrets");
    expect(run.warnings.join("\n")).toContain("forks get no secrets");
    expect(run.result).toMatchObject({ commented: false, fork: true });
  });

  it("a read-only token on a same-repository pull request (e.g. Dependabot): job summary instead of failing", async () => {
    const gh = fakeGitHub({ commentStatus: 403 });
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "### Plan: 1 to create\n+ puffle/default/x\n");
    const run = await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "2" } });
    expect(run.result).toMatchObject({ commented: false, fork: false });
    expect(run.summary).toContain("+ puffle/default/x");
    expect(run.warnings.join("\n")).toContain("read-only token");
  });

  it("keeps the comment under GitHub's 65,536-character limit", async () => {
    const gh = fakeGitHub({ files: ["package-lock.json"] });
    const dir = tempDir();
    writeFileSync(join(dir, "plan.md"), "x".repeat(100_000));
    await runModule(planComment, { github: gh.github, dir, env: { ...base, VALIDATE_OUTCOME: "success", PLAN_EXITCODE: "2" } });
    expect(gh.comments[0]!.body.length).toBeLessThanOrEqual(65_536);
    expect(gh.comments[0]!.body).toContain("cut: the full plan is in the workflow run");
    expect(gh.comments[0]!.body).toContain("changes the tool");
  });
});

describe("drift-issue.cjs", () => {
  const base = { RUN_URL: "https://example.invalid/run/2" };
  const report = (drifted: string[], inSync: string[] = []) =>
    JSON.stringify({
      formatVersion: 1,
      campaigns: [
        ...drifted.map((address) => ({ address, fields: [{ path: "retries", class: "out-of-band" }], notes: [] })),
        ...inSync.map((address) => ({ address, fields: [], notes: [] })),
      ],
      errors: [],
    });

  it("opens one issue; comments only when the set of drifted campaigns changes; closes when in sync", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    const write = (md: string, drifted: string[]) => {
      writeFileSync(join(dir, "drift.md"), md);
      writeFileSync(join(dir, "drift.json"), report(drifted, ["puffle/default/ok"]));
    };
    write("## Drift\naltur/default/q2 retries\n", ["altur/default/q2"]);
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls).toEqual(["createLabel drift", "create drift"]);
    expect(gh.issues[0]!.body).toContain("altur/default/q2 retries");

    // Same set, different details: the body is kept current, nobody is pinged.
    write("## Drift\naltur/default/q2 retries (now 5)\n", ["altur/default/q2"]);
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls.slice(2)).toEqual(["update #1"]);
    expect(gh.issues[0]!.body).toContain("(now 5)");

    // The set changed: body updated AND a comment naming what started and stopped drifting.
    write("## Drift\npuffle/default/x daily_limit\n", ["puffle/default/x"]);
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls.slice(3)).toEqual(["update #1", "createComment #1"]);
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0]!.body).toContain("puffle/default/x daily_limit");
    expect(gh.issues[0]!.comments[0]).toMatch(/Now drifting:\*\*\n- `puffle\/default\/x`/);
    expect(gh.issues[0]!.comments[0]).toMatch(/No longer drifting:\*\*\n- `altur\/default\/q2`/);

    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "0" } });
    expect(gh.calls.slice(5)).toEqual(["createComment #1", "update #1 closed/completed"]);
    expect(gh.issues[0]!.state).toBe("closed");
    expect(gh.issues[0]!.comments[1]).toContain("In sync again");

    // In sync with nothing open: no calls. Drift again: a fresh issue (the label now exists).
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "0" } });
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.calls.slice(7)).toEqual(["create drift"]);
  });

  it("shards: one issue per shard directory; one shard in sync closes its own issue only (and the root's is another)", async () => {
    const gh = fakeGitHub();
    const dir = tempDir();
    for (const shard of ["clients/acme", "clients/beta"]) {
      mkdirSync(join(dir, shard), { recursive: true });
      writeFileSync(join(dir, shard, "drift.md"), `## Drift\n${shard} altur/default/q2 retries\n`);
      writeFileSync(join(dir, shard, "drift.json"), report(["altur/default/q2"]));
    }
    writeFileSync(join(dir, "drift.md"), "## Drift\nroot\n");
    writeFileSync(join(dir, "drift.json"), report(["altur/default/q2"]));
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2", CAMPAIGNCTL_DIR: "clients/acme" } });
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2", CAMPAIGNCTL_DIR: "clients/beta" } });
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2" } });
    expect(gh.issues.map((i) => i.title)).toEqual([
      "campaignctl: drift detected in clients/acme",
      "campaignctl: drift detected in clients/beta",
      "campaignctl: drift detected",
    ]);
    expect(gh.issues[0]!.body).toContain("clients/acme altur/default/q2 retries");
    expect(gh.issues[0]!.body).not.toContain("clients/beta");
    // The same shard again: its own issue is updated, no new one.
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "2", CAMPAIGNCTL_DIR: "clients/beta" } });
    expect(gh.calls.slice(-1)).toEqual(["update #2"]);
    await runModule(driftIssue, { github: gh.github, dir, env: { ...base, DRIFT_EXITCODE: "0", CAMPAIGNCTL_DIR: "clients/acme" } });
    expect(gh.issues.map((i) => i.state)).toEqual(["closed", "open", "open"]);
    expect(gh.calls.slice(-2)).toEqual(["createComment #1", "update #1 closed/completed"]);
  });

  it("reads the set from the real `campaignctl drift --out` JSON shape (whole-campaign drift and errors count)", () => {
    const set = driftIssue.driftedSet({
      campaigns: [
        { address: "b/x/new", summary: "not created yet", fields: [] },
        { address: "a/x/ok", fields: [] },
        { address: "c/x/f", fields: [{}] },
      ],
      errors: [{ address: "d/x/e", message: "boom" }],
    });
    expect(set).toEqual(["b/x/new", "c/x/f", "d/x/e"]);
  });
});

describe("apply.sh", () => {
  const sb = useSandbox({ rateLimits: false });

  function workspace(): string {
    const dir = tempDir();
    mkdirSync(join(dir, "campaigns"));
    writeFileSync(
      join(dir, "campaignctl.yaml"),
      `apiVersion: campaignctl/v1\ncampaignsDir: campaigns\naccounts:\n  - { provider: altur, name: default, apiKeyEnv: ALTUR_API_KEY, baseUrl: "${sb.urls.altur}" }\n`,
    );
    for (const name of ["one", "two"]) {
      writeFileSync(
        join(dir, "campaigns", `${name}.yaml`),
        `apiVersion: campaignctl/v1\nkind: AlturCampaign\nmetadata:\n  name: ${name}\nspec:\n  name: "Apply script ${name}"\n  agent_id: agent_demo_01\n  integration_id: integ_phone_01\n  integration_type: phone_call\n  retries: 2\n  first_message: "Hello"\n`,
      );
    }
    return dir;
  }

  /** Runs the script asynchronously: the sandbox answers from this process's event loop. */
  function applySh(cwd: string, env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      execFile(
        "bash",
        [join(ROOT, "scripts", "gitops", "apply.sh")],
        { cwd, env: { ...process.env, NO_COLOR: "1", CAMPAIGNCTL: `${process.execPath} ${join(ROOT, "bin", "campaignctl.js")}`, ALTUR_API_KEY: sb.apiKey, ...env } },
        (error, stdout, stderr) => done({ status: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
      );
    });
  }

  it("a push run (no inputs) applies everything with --auto-approve", async () => {
    const r = await applySh(workspace(), {});
    expect(r.stdout, r.stderr).toContain("campaignctl apply --auto-approve\n");
    expect(r.status, r.stderr).toBe(0);
    expect((await sb.requests("altur")).filter((e) => e.method === "POST").length).toBe(2);
  });

  it("INPUT_PLAN: applies the saved plan (no --auto-approve), the JSON result in APPLY_JSON and stderr copied to APPLY_ERR", async () => {
    const dir = workspace();
    const plan = await new Promise<number>((done) =>
      execFile(process.execPath, [join(ROOT, "bin", "campaignctl.js"), "plan", "--out", "plan.json"], { cwd: dir, env: { ...process.env, ALTUR_API_KEY: sb.apiKey } }, (e) => done(e ? 1 : 0)),
    );
    expect(plan).toBe(0);
    await sb.clearRequests("altur");
    const r = await applySh(dir, { INPUT_PLAN: "plan.json", APPLY_JSON: "apply.json", APPLY_ERR: "apply.err" });
    expect(r.stdout, r.stderr).toContain("campaignctl apply plan.json --format json\n");
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, "apply.json"), "utf8")) as { exitCode: number; campaigns: { address: string; status: string }[] };
    expect(result.exitCode).toBe(0);
    expect(result.campaigns.map((c) => `${c.address} ${c.status}`).sort()).toEqual(["altur/default/one applied", "altur/default/two applied"]);
    expect((await sb.requests("altur")).filter((e) => e.method === "POST").length).toBe(2);
    // Applying the same saved plan again is refused: the state moved on since it was made.
    const again = await applySh(dir, { INPUT_PLAN: "plan.json", APPLY_JSON: "apply.json", APPLY_ERR: "apply.err" });
    expect(again.status).toBe(1);
    expect(readFileSync(join(dir, "apply.err"), "utf8")).toMatch(/older than the state/);
  });

  it("INPUT_PLAN naming a missing file (or an option) is refused before running anything", async () => {
    for (const plan of ["nope.json", "--auto-approve"]) {
      const r = await applySh(workspace(), { INPUT_PLAN: plan });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`saved plan "${plan}" not found`);
    }
    expect(await sb.requests("altur")).toEqual([]);
  });

  it("a manual run passes target (spaces or commas) and the boolean inputs as separate arguments", async () => {
    const dir = workspace();
    const r = await applySh(dir, { INPUT_TARGET: "altur/default/two,", INPUT_FORCE: "true", INPUT_PRUNE: "campaignctl.yaml", INPUT_ALLOW_REPLACE: "true" });
    expect(r.stdout).toContain("campaignctl apply --auto-approve --allow-replace --force --target altur/default/two\n");
    expect(r.status, r.stderr).toBe(0);
    const posts = (await sb.requests("altur")).filter((e) => e.method === "POST");
    expect(posts.map((e) => (e.body as { name: string }).name)).toEqual(["Apply script two"]);
  });

  it("a manual run's target takes what the CLI takes: prefixes, [!x] and {a,b} with its comma kept", async () => {
    const dir = workspace();
    const r = await applySh(dir, { INPUT_TARGET: "altur/default/[!o]*, {extrovert/default/style/nothing,altur/default/two}" });
    expect(r.stdout).toContain("campaignctl apply --auto-approve --target altur/default/[!o]* {extrovert/default/style/nothing,altur/default/two}\n");
    expect(r.status, r.stderr).toBe(0);
    const posts = (await sb.requests("altur")).filter((e) => e.method === "POST");
    expect(posts.map((e) => (e.body as { name: string }).name)).toEqual(["Apply script two"]);
    const prefix = await applySh(workspace(), { INPUT_TARGET: "altur" });
    expect(prefix.stdout).toContain("campaignctl apply --auto-approve --target altur\n");
    expect(prefix.status, prefix.stderr).toBe(0);
  });

  it("prune: true → --prune, false → --no-prune (whatever campaignctl.yaml says)", async () => {
    const dir = workspace();
    writeFileSync(join(dir, "campaignctl.yaml"), readFileSync(join(dir, "campaignctl.yaml"), "utf8") + "prune: true\n");
    const no = await applySh(dir, { INPUT_PRUNE: "false" });
    expect(no.stdout).toContain("campaignctl apply --auto-approve --no-prune\n");
    expect(no.status, no.stderr).toBe(0);
    const yes = await applySh(dir, { INPUT_PRUNE: "true", INPUT_TARGET: "altur/default/one" });
    expect(yes.stdout).toContain("campaignctl apply --auto-approve --prune --target altur/default/one\n");
    expect(yes.status, yes.stderr).toBe(0);
  });

  it("refuses a target that is not an address, and a non-boolean flag, before running anything", async () => {
    const dir = workspace();
    const cases: Record<string, string>[] = [{ INPUT_TARGET: "altur/default/one; rm -rf /" }, { INPUT_TARGET: "$(id)" }, { INPUT_PRUNE: "yes" }];
    for (const env of cases) {
      const r = await applySh(dir, env);
      expect(r.status, JSON.stringify(env)).toBe(1);
      expect(r.stderr + r.stdout).toMatch(/::error title=campaignctl apply::/);
    }
    expect(await sb.requests("altur")).toEqual([]);
  });

  it("refuses an adopt input that is not ADDRESS=ID pairs, before running anything", async () => {
    const dir = workspace();
    for (const adopt of ["altur/default/one", "altur/default/one=1;id", "altur/default/one=$(id)", "x=1"]) {
      const r = await applySh(dir, { INPUT_ADOPT: adopt });
      expect(r.status, adopt).toBe(1);
      expect(r.stderr, adopt).toContain(`::error title=campaignctl apply::adopt "${adopt}" is not ADDRESS=ID`);
    }
    const bad = await applySh(dir, { INPUT_RECREATE_PENDING: "yes" });
    expect(bad.status).toBe(1);
    expect(await sb.requests("altur")).toEqual([]);
  });

  it("adopt runs `state adopt ADDR --id ID` per pair (separate arguments) before the apply; recreate-pending → --recreate-pending", async () => {
    const dir = workspace();
    // "one" exists live but its state was lost: the id is known from the dashboard.
    expect((await applySh(dir, { INPUT_TARGET: "altur/default/one" })).status).toBe(0);
    const id = String(JSON.parse(readFileSync(join(dir, "campaignctl.state.json"), "utf8")).campaigns["altur/default/one"].id);
    rmSync(join(dir, "campaignctl.state.json"));
    await sb.clearRequests("altur");
    const r = await applySh(dir, { INPUT_ADOPT: `altur/default/one=${id}`, INPUT_RECREATE_PENDING: "true" });
    expect(r.stdout).toContain(`campaignctl state adopt altur/default/one --id ${id}\n`);
    expect(r.stdout).toContain("campaignctl apply --auto-approve --recreate-pending\n");
    expect(r.status, r.stderr).toBe(0);
    const posts = (await sb.requests("altur")).filter((e) => e.method === "POST" && (e.body as { name?: string } | null)?.name !== undefined);
    expect(posts.map((e) => (e.body as { name: string }).name)).toEqual(["Apply script two"]);
  });

  it("target and adopt take 4-segment addresses (provider/account/kind/name: a style, context or topic)", async () => {
    const dir = workspace();
    writeFileSync(
      join(dir, "campaignctl.yaml"),
      readFileSync(join(dir, "campaignctl.yaml"), "utf8") + `  - { provider: extrovert, name: default, apiKeyEnv: EXTROVERT_API_KEY, baseUrl: "${sb.urls.extrovert}" }\n`,
    );
    writeFileSync(
      join(dir, "campaigns", "voice.yaml"),
      `apiVersion: campaignctl/v1\nkind: ExtrovertStyle\nmetadata:\n  name: voice\nspec:\n  name: "Apply script voice"\n  userId: { teamMember: sandra.box@example.com }\n  isLearningModeEnabled: false\n`,
    );
    const env = { EXTROVERT_API_KEY: sb.apiKey };
    const created = await applySh(dir, { ...env, INPUT_TARGET: "extrovert/default/style/voice" });
    expect(created.stdout).toContain("campaignctl apply --auto-approve --target extrovert/default/style/voice\n");
    expect(created.status, created.stderr).toBe(0);
    const stylePosts = async () => (await sb.requests("extrovert")).filter((e) => e.method === "POST" && e.path.endsWith("/style"));
    expect((await stylePosts()).map((e) => (e.body as { name: string }).name)).toEqual(["Apply script voice"]);
    expect((await sb.requests("altur")).filter((e) => e.method === "POST")).toEqual([]);
    const id = String(JSON.parse(readFileSync(join(dir, "campaignctl.state.json"), "utf8")).campaigns["extrovert/default/style/voice"].id);

    // The state is lost; the style's id is known (the dashboard): adopt binds it, the apply creates no second style.
    rmSync(join(dir, "campaignctl.state.json"));
    await sb.clearRequests("extrovert");
    const r = await applySh(dir, { ...env, INPUT_ADOPT: `extrovert/default/style/voice=${id}`, INPUT_TARGET: "extrovert/default/style/voice" });
    expect(r.stdout).toContain(`campaignctl state adopt extrovert/default/style/voice --id ${id}\n`);
    expect(r.stdout).toContain("extrovert/default/style/voice is now bound to");
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(await stylePosts()).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, "campaignctl.state.json"), "utf8")).campaigns["extrovert/default/style/voice"].id).toBe(id);

    // Five segments, an upper-case kind, an empty segment: refused before anything runs.
    await sb.clearRequests("extrovert");
    for (const adopt of ["extrovert/default/style/voice/x=1", "extrovert/default/Style/voice=1", "extrovert/default//voice=1"]) {
      const bad = await applySh(dir, { ...env, INPUT_ADOPT: adopt });
      expect(bad.status, adopt).toBe(1);
      expect(bad.stderr, adopt).toContain(`::error title=campaignctl apply::adopt "${adopt}" is not ADDRESS=ID`);
    }
    // Characters no address or pattern has, a leading '-': refused by the script; a well-formed word the CLI
    // does not know (five segments): refused by the CLI, which names it. Nothing is sent either way.
    for (const target of ["extrovert/default/style/voice;x", "-rf", "extrovert/default/$(id)"]) {
      const bad = await applySh(dir, { ...env, INPUT_TARGET: target });
      expect(bad.status, target).toBe(1);
      expect(bad.stderr, target).toContain(`::error title=campaignctl apply::target "${target}" is not an address or pattern`);
    }
    const unknown = await applySh(dir, { ...env, INPUT_TARGET: "extrovert/default/style/voice/x" });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("unknown --target extrovert/default/style/voice/x");
    expect(await sb.requests("extrovert")).toEqual([]);
  });

  it("the CLI is exec'd: SIGINT sent ONLY to the apply.sh pid (as GitHub's runner does) stops campaignctl with 130", async () => {
    const dir = workspace();
    await sb.setFaults("altur", { latencyMs: 400 });
    try {
      const child = spawn("bash", [join(ROOT, "scripts", "gitops", "apply.sh")], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: "1", CAMPAIGNCTL: `${process.execPath} ${join(ROOT, "bin", "campaignctl.js")}`, ALTUR_API_KEY: sb.apiKey },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const done = new Promise<{ code: number | null; signal: string | null }>((res) => child.on("close", (code, signal) => res({ code, signal })));
      // Once a request of the CLI reached the sandbox it is refreshing (its handlers are set): signal the script's own pid, nothing else.
      while ((await sb.requests("altur")).length === 0) await new Promise((r) => setTimeout(r, 5));
      process.kill(child.pid as number, "SIGINT");
      const r = await done;
      expect(r, err).toEqual({ code: 130, signal: null });
    } finally {
      await sb.setFaults("altur", { latencyMs: 0 });
    }
  }, 30_000);

  it("exits with campaignctl's exit code", async () => {
    const dir = workspace();
    const r = await applySh(dir, { ALTUR_API_KEY: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("API key not set");
  });
});
