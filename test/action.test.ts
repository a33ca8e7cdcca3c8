/**
 * The install path the README documents and the action (action.yml) end to end, from a PACKED artifact:
 * npm pack → the tarball served over HTTP on 127.0.0.1 (as a GitHub release asset is) → the packed
 * `init` writes a campaigns repository → its package.json depends on the tarball URL → npm install
 * writes the lockfile → the action's steps run locally (test/support/action-runner.ts): install
 * (`npm ci --omit=dev --ignore-scripts`), plan on a push (job summary, saved plan as an artifact),
 * then apply of that saved plan (`campaignctl apply plan.json`), its result in the job summary and as a
 * comment on the merged pull request, and the state committed back to a bare origin.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, createReadStream } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_ROOT, runAction } from "./support/action-runner.js";
import { useSandbox } from "./support/sandbox.js";

const NPM = "npm";
function run(cmd: string, args: string[], cwd: string, timeout = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr }),
    );
  });
}
const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

describe("packed campaignctl, installed from a release-tarball URL, run through the action: plan → saved plan → apply PLANFILE", () => {
  const sb = useSandbox({ rateLimits: false });
  let work: string;
  let repo: string;
  let server: Server;
  let url: string;
  const comments: { issue_number: number; body: string }[] = [];
  const issues: { title: string; body: string; labels: string[] }[] = [];
  const client = {
    rest: {
      repos: { listPullRequestsAssociatedWithCommit: async () => ({ data: [{ number: 7, merged_at: "2026-12-07T00:00:00Z", merge_commit_sha: "x" }] }) },
      issues: {
        createComment: async (p: { issue_number: number; body: string }) => (comments.push(p), { data: { html_url: "u" } }),
        getLabel: async () => ({ data: {} }),
        create: async (p: { title: string; body: string; labels: string[] }) => (issues.push(p), { data: { number: 9 } }),
      },
    },
    paginate: async () => [],
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "campaignctl-action-"));
    const packed = await run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], ACTION_ROOT);
    expect(packed.code, packed.stderr).toBe(0);
    const file = (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename;
    server = createServer((req, res) => {
      if (req.url === `/download/${file}`) createReadStream(join(work, file)).pipe(res.writeHead(200, { "content-type": "application/octet-stream" }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/download/${file}`;

    const pkgDir = join(work, "pkg");
    mkdirSync(pkgDir);
    execFileSync("tar", ["-xzf", join(work, file), "-C", pkgDir]);
    symlinkSync(join(ACTION_ROOT, "node_modules"), join(pkgDir, "package", "node_modules"));
    repo = join(work, "campaigns");
    const init = await run(process.execPath, [join(pkgDir, "package", "bin", "campaignctl.js"), "init", repo, "--providers", "puffle,altur"], work);
    expect(init.code, init.stderr).toBe(0);
    // The dependency init wrote is the release URL; here the same tarball from a local URL.
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.campaignctl).toMatch(/^https:\/\/github\.com\/[^/]+\/campaignctl\/releases\/download\/v[\d.]+\/campaignctl-[\d.]+\.tgz$/);
    pkg.dependencies.campaignctl = url;
    writeFileSync(join(repo, "package.json"), JSON.stringify(pkg, null, 2));
    const lock = await run(NPM, ["install", "--package-lock-only", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], repo);
    expect(lock.code, lock.stderr).toBe(0);
    writeFileSync(
      join(repo, "campaignctl.yaml"),
      readFileSync(join(repo, "campaignctl.yaml"), "utf8").replace(/apiKeyEnv: (\w+)_API_KEY/g, (m, p: string) => `${m}\n    baseUrl: "${sb.urls[p.toLowerCase() as "altur"]}"`),
    );
    git(work, "init", "-q", "--bare", "-b", "main", "origin.git");
    git(repo, "init", "-q", "-b", "main");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "add", "-A");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "campaigns");
    git(repo, "remote", "add", "origin", join(work, "origin.git"));
    git(repo, "push", "-q", "origin", "main");
  }, 600_000);

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("plan job: installs from the lockfile, validates, plans read-only, writes the summary and saves the plan; apply job applies exactly it", async () => {
    const artifacts = join(work, "artifacts");
    const keys = { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey };
    const github = { event_name: "push", sha: git(repo, "rev-parse", "HEAD"), repository: "acme/campaigns", run_id: "1", run_attempt: "1", job: "plan", event: {} };
    const plan = await runAction({ workspace: repo, inputs: { command: "plan" }, github, env: keys, artifacts, client });
    const byName = Object.fromEntries(plan.steps.map((s) => [s.name, s]));
    expect(plan.failed, JSON.stringify(plan.steps, null, 1)).toBe(false);
    const install = byName["Install campaignctl (from the lockfile, production dependencies only, no install scripts)"]!;
    expect(install.stdout).toMatch(/campaignctl \d+\.\d+\.\d+ \(\d+ packages installed\)/);
    expect(install.stdout + install.stderr).not.toContain("::warning");
    expect(plan.outputs).toMatchObject({ exitcode: "2", changes: "true", "plan-artifact": "campaignctl-plan" });
    expect(plan.summary).toContain("campaignctl plan for");
    expect(plan.summary).toContain("The apply job applies exactly this plan");
    expect(plan.summary).toContain("puffle/default/linkedin-cto-outreach");
    for (const p of ["puffle", "altur"] as const) expect((await sb.requests(p)).every((e) => e.method === "GET"), p).toBe(true);
    expect(JSON.parse(readFileSync(join(artifacts, "campaignctl-plan", "plan.json"), "utf8"))).toHaveProperty("campaigns");
    rmSync(join(repo, "plan.json"));

    const apply = await runAction({ workspace: repo, inputs: { command: "apply" }, github: { ...github, job: "apply" }, env: keys, artifacts, client });
    const names = Object.fromEntries(apply.steps.map((s) => [s.name, s]));
    expect(apply.failed, JSON.stringify(apply.steps, null, 1)).toBe(false);
    expect(names["Apply"]!.stdout).toContain("campaignctl apply plan.json --format json");
    expect(apply.outputs.exitcode).toBe("");
    expect(apply.summary).toContain("✅ **Applied.** campaignctl applied the saved plan `plan.json`");
    expect(apply.summary).toMatch(/\| ✅ \| `puffle\/default\/linkedin-cto-outreach` \| applied \|/);
    expect(comments.map((c) => c.issue_number)).toEqual([7]);
    expect(comments[0]!.body).toContain("altur/default/q2-reactivation");
    for (const p of ["puffle", "altur"] as const) expect((await sb.requests(p)).some((e) => e.method === "POST"), p).toBe(true);
    // State committed back to origin/main on top of the applied commit.
    expect(git(join(work, "origin.git"), "log", "-1", "--format=%s", "main")).toContain("campaignctl: record state after apply of");
    expect(git(join(work, "origin.git"), "show", "main:campaignctl.state.json")).toContain("puffle/default/linkedin-cto-outreach");
  }, 600_000);

  it("a saved plan older than the state is refused, with the reason in the job summary, nothing written", async () => {
    const artifacts = join(work, "artifacts"); // holds the plan applied above: made at the previous state serial
    const keys = { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey };
    git(repo, "checkout", "-q", "main");
    git(repo, "pull", "-q", "--ff-only", "origin", "main");
    await sb.clearRequests("puffle");
    const github = { event_name: "push", sha: git(repo, "rev-parse", "HEAD"), repository: "acme/campaigns", run_id: "2", run_attempt: "1", job: "apply", event: {} };
    const apply = await runAction({ workspace: repo, inputs: { command: "apply", "commit-state": "false" }, github, env: keys, artifacts, client });
    expect(apply.failed).toBe(true);
    expect(apply.steps.find((s) => s.name === "Apply")!.code).toBe(1);
    expect(apply.summary).toContain("❌ **Nothing was applied**");
    expect(apply.summary).toMatch(/older than the state/);
  }, 300_000);

  it("drift: nothing applied yet in a fresh sandbox, so drift exits 2 (pending) and the action opens the drift issue", async () => {
    // The sandbox is reset before each test: start from no state, as a repository before its first apply.
    rmSync(join(repo, "campaignctl.state.json"), { force: true });
    const github = { event_name: "schedule", sha: git(repo, "rev-parse", "HEAD"), repository: "acme/campaigns", run_id: "3", run_attempt: "1", job: "drift", event: {} };
    const drift = await runAction({ workspace: repo, inputs: { command: "drift" }, github, env: { PUFFLE_API_KEY: sb.apiKey, ALTUR_API_KEY: sb.apiKey }, artifacts: join(work, "artifacts"), client });
    expect(drift.failed, JSON.stringify(drift.steps.filter((s) => s.outcome === "failure"))).toBe(false);
    expect(drift.outputs.exitcode).toBe("2");
    expect(issues.map((i) => i.labels)).toEqual([["drift"]]);
    expect(issues[0]!.body).toContain("puffle/default/linkedin-cto-outreach");
    for (const p of ["puffle", "altur"] as const) expect((await sb.requests(p)).every((e) => e.method === "GET"), p).toBe(true);
  }, 300_000);
});
