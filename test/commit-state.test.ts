/**
 * scripts/gitops/commit-state.sh — the apply workflow's commit-back — against a local bare repository
 * standing in for GitHub: another push lands on main between the apply run's checkout and its push.
 * Every run must end either pushed or failed with its message, and never with a rebase (or merge) in
 * progress.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../scripts/gitops/commit-state.sh", import.meta.url));
const CLI = `${process.execPath} ${fileURLToPath(new URL("../bin/campaignctl.js", import.meta.url))}`;
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

/** A bare "GitHub" repository with main holding a state file (or none), and a clone of it: the apply run's checkout. */
function setup(initialState: string | undefined, extra: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), "campaignctl-commit-"));
  dirs.push(root);
  const origin = join(root, "origin.git");
  execFileSync("git", ["init", "--quiet", "--bare", "-b", "main", origin]);
  const seed = join(root, "seed");
  git(root, "clone", "--quiet", origin, seed);
  git(seed, "checkout", "--quiet", "-b", "main");
  if (initialState !== undefined) writeFileSync(join(seed, "campaignctl.state.json"), initialState);
  writeFileSync(join(seed, "campaign.yaml"), "name: one\n");
  for (const [f, text] of Object.entries(extra)) {
    mkdirSync(dirname(join(seed, f)), { recursive: true });
    writeFileSync(join(seed, f), text);
  }
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
    git(other, "add", "-A");
    git(other, "commit", "--quiet", "-m", message);
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

  it("a concurrent push of a NEWER state that cannot be merged (another lineage): refuses loudly, leaves main and the checkout clean", () => {
    const { run, origin, otherPush } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", mine: "2" }));
    otherPush("campaignctl.state.json", state(2, { a: "1", theirs: "3" }).replace('"l-1"', '"l-2"'), "another apply run recorded state");
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=campaignctl state::main has a newer campaignctl\.state\.json than the one this apply started from/);
    expect(r.stdout).toContain("campaignctl-state artifact");
    expect(r.summary).toContain("state file NOT committed");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(2, { a: "1", theirs: "3" }).replace('"l-1"', '"l-2"'));
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

describe("commit-state.sh: no previous state", () => {
  it("a state file new on the branch (first apply of a repository) is committed", () => {
    const { run, origin } = setup(undefined);
    writeFileSync(join(run, "campaignctl.state.json"), state(1, { a: "1" }));
    const r = commitState(run);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Committed campaignctl.state.json to main");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(1, { a: "1" }));
    expectNothingInProgress(run);
  });

  it("new on the branch while main moved on with other files: committed on top of the new head", () => {
    const { run, origin, otherPush } = setup(undefined);
    writeFileSync(join(run, "campaignctl.state.json"), state(1, { a: "1" }));
    otherPush("campaign.yaml", "name: two\n", "merge a pull request");
    const r = commitState(run);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Push rejected (attempt 1 of 3)");
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(1, { a: "1" }));
    expect(remoteFile(origin, "campaign.yaml")).toBe("name: two\n");
    expectNothingInProgress(run);
  });

  it("new on the branch while another run committed a first state too (another lineage): refused with the message, ours kept", () => {
    const { run, origin, otherPush } = setup(undefined);
    writeFileSync(join(run, "campaignctl.state.json"), state(1, { mine: "1" }));
    otherPush("campaignctl.state.json", state(1, { theirs: "2" }).replace('"l-1"', '"l-9"'), "another first apply");
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=campaignctl state::main has a newer campaignctl\.state\.json than the one this apply started from/);
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(1, { theirs: "2" }).replace('"l-1"', '"l-9"'));
    expect(readFileSync(join(run, "campaignctl.state.json"), "utf8")).toBe(state(1, { mine: "1" }));
    expectNothingInProgress(run);
  });

  it("main's state file removed meanwhile (none at the fetched head): a change of the state since BASE, refused with its message", () => {
    const { run, origin, root } = setup(state(1, { a: "1" }));
    const other = join(root, "remover");
    git(root, "clone", "--quiet", "--branch", "main", origin, other);
    git(other, "rm", "--quiet", "campaignctl.state.json");
    git(other, "commit", "--quiet", "-m", "remove the state by hand");
    git(other, "push", "--quiet", "origin", "main");
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    const r = commitState(run);
    // A deletion is a change of the state since BASE: refused like any other newer state, with its message.
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=campaignctl state::");
    expect(readFileSync(join(run, "campaignctl.state.json"), "utf8")).toBe(state(2, { a: "1", b: "2" }));
  });

  it("a state file without serial and lineage replacing one that had none: committed", () => {
    const { run, origin } = setup(state(undefined, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(1, { a: "1", b: "2" }));
    const r = commitState(run);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(remoteFile(origin, "campaignctl.state.json")).toBe(state(1, { a: "1", b: "2" }));
  });

  it("an unexpected failure names the failing command in a ::error line (never a bare exit code)", () => {
    const { run } = setup(state(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), state(2, { a: "1", b: "2" }));
    // The commit cannot be made: the index is locked.
    writeFileSync(join(run, ".git", "index.lock"), "");
    const r = commitState(run);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/::error title=campaignctl state::unexpected failure \(exit \d+\) at line \d+ of commit-state\.sh: git /);
    expect(readFileSync(join(run, "campaignctl.state.json"), "utf8")).toBe(state(2, { a: "1", b: "2" }));
  });
});

describe("commit-state.sh: the journal of an interrupted apply is folded and committed", () => {
  const CONFIG = "apiVersion: campaignctl/v1\naccounts:\n  - { provider: altur, apiKeyEnv: ALTUR_API_KEY }\n";
  const CAMPAIGN = (name: string) =>
    `apiVersion: campaignctl/v1\nkind: AlturCampaign\nmetadata:\n  name: ${name}\nspec:\n  name: "${name}"\n  agent_id: agent_demo_01\n  integration_id: integ_phone_01\n  integration_type: phone_call\n  retries: 1\n`;
  const entry = (id: string, name: string) => ({ provider: "altur", account: "default", kind: "AlturCampaign", id, appliedAt: "2026-01-01T00:00:00Z", applied: { name } });
  const pendingOf = (name: string) => ({ provider: "altur", account: "default", kind: "AlturCampaign", name, digest: "d", idempotencyKey: "k", at: "2026-01-01T00:00:00Z" });
  const workspaceFiles = { "campaignctl.yaml": CONFIG, "campaigns/one.yaml": CAMPAIGN("one"), "campaigns/two.yaml": CAMPAIGN("two") };

  it("fold (entries and pending creates), take over the dead apply's lock, commit; journal and lock never committed", () => {
    const { run, origin } = setup(undefined, workspaceFiles);
    const journal = [
      { op: "begin", lineage: "l-7", base: 0, pid: 999_999, at: "2026-01-01T00:00:00Z" },
      { op: "set", address: "altur/default/one", entry: entry("41", "one") },
      { op: "pending", address: "altur/default/two", pending: pendingOf("two") },
    ];
    writeFileSync(join(run, "campaignctl.state.json.journal"), journal.map((l) => JSON.stringify(l)).join("\n") + '\n{"op":"set","addr');
    // The killed apply's lock: same host, a pid that no longer runs.
    writeFileSync(
      join(run, "campaignctl.state.json.lock"),
      JSON.stringify({ pid: 999_999, host: execFileSync("hostname", { encoding: "utf8" }).trim(), startedAt: "2026-01-01T00:00:00Z", command: "apply", token: "t" }),
    );
    const r = commitState(run, { CAMPAIGNCTL: CLI, APPLY_OUTCOME: "cancelled" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("An interrupted apply left campaignctl.state.json.journal: folding it into campaignctl.state.json.");
    expect(r.stdout).toContain("1 entry recorded, 0 removed, 1 pending create.");
    expect(r.stdout).toContain("recorded altur/default/one = 41");
    expect(r.stdout).toContain('pending  altur/default/two ("two"');
    expect(r.stderr).toContain("took over the state lock of campaignctl apply (pid 999999");
    const committed = JSON.parse(remoteFile(origin, "campaignctl.state.json"));
    expect(committed).toMatchObject({ serial: 1, lineage: "l-7", campaigns: { "altur/default/one": { id: "41" } }, pending: { "altur/default/two": { name: "two" } } });
    expect(git(origin, "ls-tree", "--name-only", "main").split("\n").sort()).toEqual(["campaign.yaml", "campaignctl.state.json", "campaignctl.yaml", "campaigns"]);
    expect(existsSync(join(run, "campaignctl.state.json.journal"))).toBe(false);
    expect(existsSync(join(run, "campaignctl.state.json.lock"))).toBe(false);
    expect(git(origin, "log", "-1", "--format=%b", "main")).toContain("Apply outcome: cancelled.");
  });

  it("a journal that only re-states the committed state: nothing to commit", () => {
    const { run } = setup(state(3, { }), workspaceFiles);
    // A journal extending an older serial: the state file already holds it (crash between write and removal).
    writeFileSync(join(run, "campaignctl.state.json.journal"), JSON.stringify({ op: "begin", lineage: "l-1", base: 2, pid: 1, at: "x" }) + "\n");
    const r = commitState(run, { CAMPAIGNCTL: CLI });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Nothing to fold");
    expect(r.stdout).toContain("unchanged; nothing to commit");
  });

  it("a journal that cannot be folded (another state's lineage): ::error saying so, nothing committed", () => {
    const { run, origin } = setup(state(1, {}), workspaceFiles);
    writeFileSync(join(run, "campaignctl.state.json.journal"), JSON.stringify({ op: "begin", lineage: "l-other", base: 1, pid: 1, at: "x" }) + "\n");
    const r = commitState(run, { CAMPAIGNCTL: CLI });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("belongs to another state (lineage l-other");
    expect(r.stdout).toContain("::error title=campaignctl state::campaignctl state fold could not fold campaignctl.state.json.journal");
    expect(git(origin, "log", "--format=%s", "main")).toBe("seed");
  });
});

describe("commit-state.sh: another run committed a newer state of the same lineage → 3-way merge by address", () => {
  const e = (id: string) => ({ provider: "altur", account: "default", kind: "AlturCampaign", id, appliedAt: "2026-01-01T00:00:00Z", applied: {} });
  const doc = (serial: number, ids: Record<string, string>) =>
    `${JSON.stringify({ version: 1, serial, lineage: "l-1", campaigns: Object.fromEntries(Object.entries(ids).map(([n, id]) => [`altur/default/${n}`, e(id)])) }, null, 2)}\n`;

  it("takes what only ours added, keeps theirs where both bound an address, records ours as untracked", () => {
    const { run, origin, otherPush } = setup(doc(1, { a: "1" }));
    writeFileSync(join(run, "campaignctl.state.json"), doc(2, { a: "1", mine: "10", both: "11" }));
    otherPush("campaignctl.state.json", doc(2, { a: "1", theirs: "20", both: "21" }), "another apply run recorded state");
    const r = commitState(run, { CAMPAIGNCTL: CLI });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Merged this run's state into the newer one (serial 2 → 3): 1 address(es) taken from this run, 1 conflict(s).");
    const merged = JSON.parse(remoteFile(origin, "campaignctl.state.json"));
    expect(merged.serial).toBe(3);
    expect(Object.fromEntries(Object.entries(merged.campaigns as Record<string, { id: string }>).map(([a, v]) => [a, v.id]))).toEqual({
      "altur/default/a": "1",
      "altur/default/mine": "10",
      "altur/default/theirs": "20",
      "altur/default/both": "21",
    });
    expect(merged.untracked).toEqual([{ address: "altur/default/both", ...e("11") }]);
    expectNothingInProgress(run);
  });
});

describe("commit-state.sh with a split state (head + campaignctl.state.d/ parts)", () => {
  const e = (id: string) => ({ provider: "altur" as const, account: "default", kind: "AlturCampaign", id, appliedAt: "2026-01-01T00:00:00Z", applied: {} });
  const docOf = (serial: number, ids: Record<string, string>) => ({
    version: 1 as const,
    serial: serial - 1, // writeState writes the next serial
    lineage: "l-1",
    campaigns: Object.fromEntries(Object.entries(ids).map(([n, id]) => [`altur/default/${n}`, e(id)])),
  });
  /** The files of a split state (every part, however small: the threshold is 1 byte here). */
  async function splitFiles(serial: number, ids: Record<string, string>): Promise<Record<string, string>> {
    const { writeState, partsDirOf } = await import("../src/state/state-file.js");
    const tmp = mkdtempSync(join(tmpdir(), "campaignctl-split-"));
    dirs.push(tmp);
    const file = join(tmp, "campaignctl.state.json");
    const before = process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES;
    process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = "1";
    try {
      await writeState(file, docOf(serial, ids));
    } finally {
      if (before === undefined) delete process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES;
      else process.env.CAMPAIGNCTL_STATE_SPLIT_BYTES = before;
    }
    const out: Record<string, string> = { "campaignctl.state.json": readFileSync(file, "utf8") };
    for (const p of readdirSync(partsDirOf(file))) out[`campaignctl.state.d/${p}`] = readFileSync(join(partsDirOf(file), p), "utf8");
    return out;
  }
  const place = (dir: string, files: Record<string, string>) => {
    rmSync(join(dir, "campaignctl.state.d"), { recursive: true, force: true });
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), text);
    }
  };
  /** The state at main, read back through the real reader (head + parts) from a fresh clone. */
  async function stateAtMain(root: string, origin: string) {
    const { readState } = await import("../src/state/journal.js");
    const { catalog } = await import("../src/providers/registry.js");
    const check = join(root, `check-${Date.now()}`);
    git(root, "clone", "--quiet", "--branch", "main", origin, check);
    return readState(join(check, "campaignctl.state.json"), catalog);
  }

  it("commits the head with its parts (added and removed), and 3-way merges split states", async () => {
    const base = await splitFiles(1, { a: "1" });
    const { root, run, origin } = setup(undefined, base);
    // Ours: a new part content (the old part file goes, a new one comes).
    place(run, await splitFiles(2, { a: "1", mine: "10", both: "11" }));
    // Theirs, pushed meanwhile by another run: the same lineage, serial 2.
    const other = join(root, "other-split");
    git(root, "clone", "--quiet", "--branch", "main", origin, other);
    place(other, await splitFiles(2, { a: "1", theirs: "20", both: "21" }));
    git(other, "add", "-A");
    git(other, "commit", "--quiet", "-m", "another apply run recorded state");
    git(other, "push", "--quiet", "origin", "main");
    const r = commitState(run, { CAMPAIGNCTL: CLI, CAMPAIGNCTL_STATE_SPLIT_BYTES: "1" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Merged this run's state into the newer one (serial 2 → 3): 1 address(es) taken from this run, 1 conflict(s).");
    const head = JSON.parse(remoteFile(origin, "campaignctl.state.json"));
    expect(head).toMatchObject({ version: 2, serial: 3, lineage: "l-1" });
    // Exactly the parts the head lists are committed: none left over from base, ours or theirs.
    expect(git(origin, "ls-tree", "--name-only", "main:campaignctl.state.d").split("\n").sort()).toEqual([...head.parts].sort());
    const merged = await stateAtMain(root, origin);
    expect(Object.fromEntries(Object.entries(merged.campaigns).map(([a, v]) => [a, v.id]))).toEqual({
      "altur/default/a": "1",
      "altur/default/both": "21",
      "altur/default/mine": "10",
      "altur/default/theirs": "20",
    });
    expect(merged.untracked?.map((u) => u.id)).toEqual(["11"]);
    expectNothingInProgress(run);
  });

  it("a split state shrunk back to one file: the parts directory is removed in the same commit", async () => {
    const { root, run, origin } = setup(undefined, await splitFiles(1, { a: "1" }));
    rmSync(join(run, "campaignctl.state.d"), { recursive: true, force: true });
    writeFileSync(join(run, "campaignctl.state.json"), `${JSON.stringify({ version: 1, serial: 2, lineage: "l-1", campaigns: { "altur/default/a": e("1") } }, null, 2)}\n`);
    const r = commitState(run);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(git(origin, "ls-tree", "--name-only", "main").split("\n").sort()).toEqual(["campaign.yaml", "campaignctl.state.json"]);
    expect((await stateAtMain(root, origin)).serial).toBe(2);
  });
});
