/**
 * scripts/gitops/commit-state.sh — the apply workflow's commit-back — against a local bare repository
 * standing in for GitHub: another push lands on main between the apply run's checkout and its push.
 * Every run must end either pushed or failed with its message, and never with a rebase (or merge) in
 * progress.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../scripts/gitops/commit-state.sh", import.meta.url));
const GIT_ENV = {
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@example.invalid",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...GIT_ENV } }).trim();
}

const state = (serial: number | undefined, ids: Record<string, string>) =>
  `${JSON.stringify({ version: 1, ...(serial === undefined ? {} : { serial, lineage: "l-1" }), campaigns: ids }, null, 2)}\n`;

/** A bare "GitHub" repository with main holding a state file, and a clone of it: the apply run's checkout. */
function setup(initialState: string) {
  const root = mkdtempSync(join(tmpdir(), "campaignctl-commit-"));
  dirs.push(root);
  const origin = join(root, "origin.git");
  execFileSync("git", ["init", "--quiet", "--bare", "-b", "main", origin]);
  const seed = join(root, "seed");
  git(root, "clone", "--quiet", origin, seed);
  git(seed, "checkout", "--quiet", "-b", "main");
  writeFileSync(join(seed, "campaignctl.state.json"), initialState);
  writeFileSync(join(seed, "campaign.yaml"), "name: one\n");
  git(seed, "add", "-A");
  git(seed, "commit", "--quiet", "-m", "seed");
  git(seed, "push", "--quiet", "origin", "main");
  const run = join(root, "run");
  git(root, "clone", "--quiet", "--depth", "1", "--branch", "main", origin, run);
  /** Another actor pushes to main (a merge, or another apply run's state commit). */
  const otherPush = (file: string, text: string, message: string) => {
    const other = join(root, `other-${Math.random().toString(36).slice(2)}`);
    git(root, "clone", "--quiet", "--branch", "main", origin, other);
    writeFileSync(join(other, file), text);
    git(other, "commit", "--quiet", "-am", message);
    git(other, "push", "--quiet", "origin", "main");
  };
  return { root, origin, run, otherPush };
}

function commitState(cwd: string, env: Record<string, string> = {}) {
  const summary = join(cwd, "..", "summary.md");
  const r = spawnSync("bash", [SCRIPT], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...GIT_ENV, APPLY_OUTCOME: "success", RUN_URL: "https://example.invalid/run/9", GITHUB_STEP_SUMMARY: summary, ...env },
  });
  return { ...r, summary: existsSync(summary) ? readFileSync(summary, "utf8") : "" };
}

/** No rebase, merge, cherry-pick or am in progress, and nothing staged or modified. */
function expectNothingInProgress(run: string): void {
  const gitDir = git(run, "rev-parse", "--git-dir");
  for (const d of ["rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD"]) expect(existsSync(join(run, gitDir, d)), d).toBe(false);
  expect(git(run, "status", "--porcelain", "--untracked-files=no")).toBe("");
}

const remoteFile = (origin: string, file: string) => git(origin, "show", `main:${file}`) + "\n";

describe("commit-state.sh against a local bare repository", () => {
  it("nothing to commit when apply left the state file unchanged", () => {
    const { run } = setup(state(1, { a: "1" }));
    const r = commitState(run);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("unchanged; nothing to commit");
  });

  it("pushes the state commit, with the message and the run link", () => {
    const { run, origin } = setup(state(1, { a: "1" }));
    const applied = git(run, "rev-parse", "HEAD");
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    const r = commitState(run);
    expect(r.status, r.stderr).toBe(0);
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(2, { a: "1", b: "2" }));
    expect(git(origin, "log", "-1", "--format=%s%n%b", "main")).toBe(
      `campaignctl: record state after apply of ${applied} [skip ci]\nApply outcome: success. Workflow run: https://example.invalid/run/9`,
    );
    expect(git(origin, "log", "-1", "--format=%an <%ae>", "main")).toBe("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>");
    expectNothingInProgress(run);
  });

  it("a concurrent push of other files: re-commits the state on top of the new main and pushes", () => {
    const { run, origin, otherPush } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    otherPush("campaign.yaml", "name: one, edited\n", "merge a pull request");
    const r = commitState(run);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain("Push rejected (attempt 1 of 3)");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(2, { a: "1", b: "2" }));
    expect(remoteFile(origin, "campaign.yaml")).toBe("name: one, edited\n");
    expect(git(origin, "log", "--format=%s", "main").split("\n").slice(0, 2)).toEqual([
      expect.stringMatching(/^campaignctl: record state after apply of /),
      "merge a pull request",
    ]);
    expectNothingInProgress(run);
  });

  it("a concurrent push of a NEWER state (higher serial): refuses loudly, leaves main and the checkout clean", () => {
    const { run, origin, otherPush } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", mine: "2" }));
    otherPush("campaignctl.state.json", state(2, { a: "1", theirs: "3" }), "another apply run recorded state");
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=campaignctl state::main has a newer campaignctl\.state\.json than the one this apply started from/);
    expect(r.stdout).toContain("campaignctl-state artifact");
    expect(r.summary).toContain("state file NOT committed");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(2, { a: "1", theirs: "3" }));
    expectNothingInProgress(run);
    // Ours is still in the working tree, for the artifact upload.
    expect(readFileSync(join(run, "campaignctl.state.json"), "utf8")).toBe(state(2, { a: "1", mine: "2" }));
  });

  it("a state whose serial is not newer than main's is refused before any push (an older state never replaces a newer one)", () => {
    const { run, origin } = setup(state(5, { a: "1", b: "2" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(3, { a: "1" }));
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=campaignctl state::campaignctl.state.json written by this apply has serial 3, not newer than serial 5 on main");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(5, { a: "1", b: "2" }));
    expect(git(origin, "log", "--format=%s", "main")).toBe("seed");
    // Nothing committed; ours stays in the working tree for the artifact upload.
    expect(git(run, "log", "--format=%s")).toBe("seed");
    expect(readFileSync(join(run, "campaignctl.state.json"), "utf8")).toBe(state(3, { a: "1" }));
  });

  it("a state of another lineage is refused, naming both lineages", () => {
    const { run, origin } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1" }).replace('"l-1"', '"l-2"'));
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("has lineage l-2, but the one on main (commit");
    expect(r.stdout).toContain("has lineage l-1: it is a different state history");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(1, { a: "1" }));
    expect(git(run, "log", "--format=%s")).toBe("seed");
  });

  it("state files without a serial: any change to the state on main since the checkout is refused", () => {
    const { run, origin, otherPush } = setup(state(undefined, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(undefined, { a: "1", mine: "2" }));
    otherPush("campaignctl.state.json", state(undefined, { a: "1", theirs: "3" }), "hand edit");
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=campaignctl state::main has a newer campaignctl.state.json");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(undefined, { a: "1", theirs: "3" }));
    expectNothingInProgress(run);
  });

  it("a push that keeps being rejected: fails after the attempts with the message, nothing in progress", () => {
    const { run, origin } = setup(state(1, { a: "1" }));
    writeFileSync(join(origin, "hooks", "pre-receive"), "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n");
    chmodSync(join(origin, "hooks", "pre-receive"), 0o755);
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    const r = commitState(run, { ATTEMPTS: "2" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("Push rejected (attempt 2 of 2)");
    expect(r.stdout).toContain("::error title=campaignctl state::Could not push campaignctl.state.json to main after 2 attempts");
    expectNothingInProgress(run);
  });

  it("hands a token to git through GIT_CONFIG_* only, never to .git/config", () => {
    const { run } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    const r = commitState(run, { PUSH_TOKEN: "ghs_not_a_real_token" });
    expect(r.status, r.stderr).toBe(0);
    const header = `AUTHORIZATION: basic ${Buffer.from("x-access-token:ghs_not_a_real_token").toString("base64")}`;
    expect(r.stdout).toContain(`::add-mask::${header}`);
    expect(readFileSync(join(run, ".git", "config"), "utf8")).not.toContain("extraheader");
  });
});
