/**
 * The commands and conventions a Terraform user reaches for (issue 24): version, state rm, force-unlock,
 * single-dash hints, FORCE_COLOR, config search upwards and --chdir, shell completion. In-process, offline.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { colorWanted, main } from "../src/cli/main.js";
import { PACKAGE } from "../src/cli/package-info.js";

const REPO_ROOT = new URL("..", import.meta.url).pathname;
let ws: string;

async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: string[]; tty?: boolean } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd: opts.cwd ?? ws,
    env: opts.env ?? {},
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: Object.assign(Readable.from(opts.stdin ?? []), { isTTY: opts.tty === true }),
  });
  return { code, stdout, stderr };
}

const ENTRY = { provider: "altur", account: "default", kind: "AlturCampaign", id: "cmp_1", appliedAt: "2026-12-01T00:00:00.000Z", applied: { name: "Q2" } };

beforeAll(async () => {
  ws = await mkdtemp(join(tmpdir(), "campaignctl-cli-"));
  await cp(join(REPO_ROOT, "campaignctl.yaml"), join(ws, "campaignctl.yaml"));
  await cp(join(REPO_ROOT, "campaigns"), join(ws, "campaigns"), { recursive: true });
});
afterAll(async () => rm(ws, { recursive: true, force: true }));

describe("version", () => {
  it("prints campaignctl's and Node's versions, and a versioned JSON document", async () => {
    const text = await cli(["version"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`campaignctl v${PACKAGE.version}\non node v${process.versions.node} ${process.platform}_${process.arch}\n`);
    const json = await cli(["version", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toEqual({ formatVersion: 1, version: PACKAGE.version, node: process.versions.node, platform: `${process.platform}_${process.arch}` });
  });
});

describe("state rm", () => {
  it("is forget: removes the address from the state file", async () => {
    const stateFile = join(ws, "campaignctl.state.json");
    await writeFile(stateFile, JSON.stringify({ version: 1, serial: 3, lineage: "l-1", campaigns: { "altur/default/q2-reactivation": ENTRY } }));
    const run = await cli(["state", "rm", "altur/default/q2-reactivation"]);
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    const after = JSON.parse(await readFile(stateFile, "utf8")) as { campaigns: object; serial: number };
    expect(after.campaigns).toEqual({});
    expect(after.serial).toBe(4);
    expect((await cli(["state", "rm", "altur/default/q2-reactivation"])).code).toBe(1);
    await rm(stateFile);
  });
});

describe("force-unlock", () => {
  const lockFile = () => join(ws, "campaignctl.state.json.lock");
  const holder = { pid: 4242, host: "ci-runner-7", startedAt: "2026-12-07T09:00:00.000Z", command: "apply", token: "tok-1" };

  it("shows the holder and refuses without a terminal unless --force", async () => {
    await writeFile(lockFile(), JSON.stringify(holder));
    const refused = await cli(["force-unlock"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("campaignctl apply (pid 4242 on host ci-runner-7");
    expect(refused.stderr).toContain("token tok-1");
    expect(refused.stderr).toContain("pass --force (-y)");
    expect(existsSync(lockFile())).toBe(true);
  });

  it("asks on a terminal: anything but yes keeps the lock, yes removes it", async () => {
    await writeFile(lockFile(), JSON.stringify(holder));
    const no = await cli(["force-unlock"], { tty: true, stdin: ["y\n"] });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain("Only 'yes' will be accepted");
    expect(existsSync(lockFile())).toBe(true);
    const yes = await cli(["force-unlock"], { tty: true, stdin: ["yes\n"] });
    expect(yes.code).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });

  it("-y removes only the lock with the token given; no lock is nothing to do", async () => {
    await writeFile(lockFile(), JSON.stringify(holder));
    const wrong = await cli(["force-unlock", "tok-2", "-y"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("not by token tok-2; nothing removed");
    expect(existsSync(lockFile())).toBe(true);
    expect((await cli(["force-unlock", "tok-1", "-y"])).code).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
    const none = await cli(["force-unlock", "-y"]);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("is not locked");
  });

  it("warns when the holder still runs on this host", async () => {
    await writeFile(lockFile(), JSON.stringify({ ...holder, pid: process.pid, host: hostname() }));
    const run = await cli(["force-unlock", "--force"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: process ${process.pid} is still running on this host`);
  });
});

describe("Terraform spellings", () => {
  it.each([
    [["plan", "-detailed-exitcode"], "did you mean --detailed-exitcode?"],
    [["plan", "-target=altur/default/q2-reactivation"], "did you mean --target=altur/default/q2-reactivation?"],
    [["validate", "-format=json"], "did you mean --format=json?"],
  ])("%j gets a hint", async (args, hint) => {
    const run = await cli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(hint);
  });

  it("a single-dash word that is no long option gets no made-up hint", async () => {
    const run = await cli(["plan", "-frobnicate"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("unknown option '-frobnicate'");
    expect(run.stderr).not.toContain("did you mean");
  });
});

describe("colour", () => {
  it.each([
    [true, {}, false, false],
    [true, {}, true, true],
    [true, { NO_COLOR: "1" }, true, false],
    [true, { FORCE_COLOR: "1" }, false, true],
    [true, { FORCE_COLOR: "" }, false, true],
    [true, { FORCE_COLOR: "0" }, true, false],
    [true, { FORCE_COLOR: "1", NO_COLOR: "1" }, false, true],
    [false, { FORCE_COLOR: "1" }, true, false],
  ])("flag %s env %j tty %s → %s", (flag, env, tty, want) => {
    expect(colorWanted(flag, env, tty)).toBe(want);
  });

  it("FORCE_COLOR colours validate's output in a pipe", async () => {
    await writeFile(join(ws, "campaigns", "broken.yaml"), "apiVersion: campaignctl/v1\nkind: AlturCampaign\nmetadata: { name: broken }\nspec: {}\n");
    const plain = await cli(["validate"]);
    const forced = await cli(["validate"], { env: { FORCE_COLOR: "1" } });
    await rm(join(ws, "campaigns", "broken.yaml"));
    expect(plain.stdout).not.toContain("\u001b[31m");
    expect(forced.stdout).toContain("\u001b[31merror\u001b[0m");
  });
});

describe("where the workspace is", () => {
  it("finds campaignctl.yaml in a parent directory, and prints paths from where it runs", async () => {
    const run = await cli(["validate"], { cwd: join(ws, "campaigns", "altur") });
    expect(run.stderr).toContain("valid");
    expect(run.code).toBe(0);
  });

  it("--chdir DIR works as if started there; a missing DIR is a one-line error", async () => {
    const from = await mkdtemp(join(tmpdir(), "campaignctl-elsewhere-"));
    try {
      const nowhere = await cli(["validate"], { cwd: from });
      expect(nowhere.code).toBe(1);
      expect(nowhere.stdout).toContain("CONFIG_NOT_FOUND");
      expect(nowhere.stdout).toContain("campaignctl init");
      expect((await cli(["--chdir", ws, "validate"], { cwd: from })).code).toBe(0);
      const missing = await cli(["--chdir", "no-such-dir", "validate"], { cwd: from });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toBe("error: --chdir no-such-dir: no such directory\n");
    } finally {
      await rm(from, { recursive: true, force: true });
    }
  });
});

describe("completion", () => {
  async function bashComplete(line: string): Promise<string[]> {
    const script = (await cli(["completion", "bash"])).stdout;
    const words = line.split(" ");
    const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _campaignctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync("bash", ["-c", program], { encoding: "utf8" }).split("\n").filter(Boolean);
  }

  it("bash completes commands, subcommands, aliases, options and option choices from the program", async () => {
    expect(await bashComplete("campaignctl ")).toEqual(expect.arrayContaining(["validate", "plan", "apply", "state", "version", "force-unlock", "--chdir"]));
    expect(await bashComplete("campaignctl st")).toEqual(["state"]);
    expect(await bashComplete("campaignctl state ")).toEqual(expect.arrayContaining(["list", "forget", "rm", "adopt"]));
    expect(await bashComplete("campaignctl plan --det")).toEqual(["--detailed-exitcode"]);
    expect(await bashComplete("campaignctl plan --format ")).toEqual(["text", "json", "markdown"]);
    expect(await bashComplete("campaignctl state rm --unt")).toEqual(["--untracked"]);
  });

  it("zsh reuses the bash function; fish lists the same commands and options with descriptions", async () => {
    const zsh = await cli(["completion", "zsh"]);
    expect(zsh.stdout).toContain("bashcompinit");
    expect(zsh.stdout).toContain("complete -F _campaignctl campaignctl");
    const fish = (await cli(["completion", "fish"])).stdout;
    expect(fish).toContain("complete -c campaignctl -n 'not __fish_seen_subcommand_from validate plan render apply");
    expect(fish).toMatch(/-n '__fish_seen_subcommand_from plan' -l detailed-exitcode -d '/);
    expect(fish).toMatch(/-n '__fish_seen_subcommand_from state; and not __fish_seen_subcommand_from list .*' -a rm -d 'remove ADDR/);
    const bad = await cli(["completion", "tcsh"]);
    expect(bad.code).toBe(1);
  });
});
