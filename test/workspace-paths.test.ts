import { execFileSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInProcess } from "./support/cli-inprocess.js";
import { puffleEmail } from "./e2e/specs.js";

/**
 * Issue 31: stateFile and campaignsDir stay inside the workspace (the directory of campaignctl.yaml)
 * unless the config says `allowOutsideWorkspace: true`; `/` and `..` are never walked; a state file's
 * content is never quoted; a state path that is not a regular file is refused without being read.
 */

const TOKEN = "ghp_notjson_token_1234567890";
let base = "";

afterEach(async () => {
  if (base) await rm(base, { recursive: true, force: true });
  base = "";
});

/** `<base>/ws/campaignctl.yaml` with one campaign, and `<base>/outside/` beside the workspace. */
async function layout(config: Record<string, unknown>): Promise<string> {
  base = await mkdtemp(join(tmpdir(), "campaignctl-paths-"));
  const ws = join(base, "ws");
  await mkdir(join(ws, "campaigns"), { recursive: true });
  await mkdir(join(base, "outside", "defs"), { recursive: true });
  await writeFile(join(base, "outside", "token"), TOKEN);
  const doc = stringify({ apiVersion: "campaignctl/v1", kind: "PuffleCampaign", metadata: { name: "email-nurture" }, spec: puffleEmail });
  await writeFile(join(ws, "campaigns", "email.yaml"), doc);
  await writeFile(join(base, "outside", "defs", "email.yaml"), doc);
  await writeFile(
    join(ws, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", ...config, accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: "http://127.0.0.1:9" }] }),
  );
  return ws;
}

/** The 1-based line of `key:` in the config file. */
async function lineOf(ws: string, key: string): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  return (await readFile(join(ws, "campaignctl.yaml"), "utf8")).split("\n").findIndex((l) => l.startsWith(`${key}:`)) + 1;
}

const run = (ws: string, args: string[]) => runInProcess(args, { cwd: ws, env: { PUFFLE_API_KEY: "puffle-key-for-paths-test" } });

describe("campaignsDir", () => {
  it.each(["/", "..", "../.."])("%s contains the workspace: refused with a located error, even with allowOutsideWorkspace", async (dir) => {
    for (const allowOutsideWorkspace of [false, true]) {
      const ws = await layout({ campaignsDir: dir, allowOutsideWorkspace });
      const r = await run(ws, ["validate"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^campaignctl\\.yaml:${await lineOf(ws, "campaignsDir")}:\\d+: error CAMPAIGNS_DIR_CONTAINS_WORKSPACE campaignsDir `, "m"));
      // Nothing was walked: no other file is named.
      expect(r.stdout.trim().split("\n")).toHaveLength(1);
      expect(r.ms).toBeLessThan(10_000);
      await rm(base, { recursive: true, force: true });
    }
  });

  it("../outside/defs needs the opt-in; with it the campaigns there are read", async () => {
    let ws = await layout({ campaignsDir: "../outside/defs" });
    const refused = await run(ws, ["validate"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^campaignctl\.yaml:\d+:\d+: error PATH_OUTSIDE_WORKSPACE campaignsDir "\.\.\/outside\/defs" is outside the workspace .*allowOutsideWorkspace: true/m);
    await rm(base, { recursive: true, force: true });
    ws = await layout({ campaignsDir: "../outside/defs", allowOutsideWorkspace: true });
    const ok = await run(ws, ["validate"]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stderr).toContain("1 campaign valid");
  });

  it("an absolute path outside is not an opt-in by itself", async () => {
    const ws = await layout({});
    await writeFile(
      join(ws, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", campaignsDir: join(base, "outside", "defs"), accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY" }] }),
    );
    const r = await run(ws, ["validate"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error PATH_OUTSIDE_WORKSPACE campaignsDir/);
  });
});

describe("stateFile", () => {
  it("a path outside the workspace is refused (located) and never read", async () => {
    const ws = await layout({ stateFile: "../outside/token" });
    for (const args of [["validate"], ["state", "list"], ["plan"]]) {
      const r = await run(ws, args);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toMatch(new RegExp(`campaignctl\\.yaml:${await lineOf(ws, "stateFile")}:\\d+: error PATH_OUTSIDE_WORKSPACE stateFile "\\.\\./outside/token" is outside the workspace`));
      expect(r.stdout + r.stderr).not.toContain(TOKEN.slice(0, 5));
    }
  });

  it("with the opt-in, a file that is not JSON is an error that quotes none of its content", async () => {
    const ws = await layout({ stateFile: "../outside/token", allowOutsideWorkspace: true });
    const r = await run(ws, ["state", "list"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/token: not valid JSON( \(at character \d+\))?; its content is not shown; restore it from Git/);
    for (let n = 4; n <= TOKEN.length; n++) expect(r.stdout + r.stderr).not.toContain(TOKEN.slice(0, n));
  });

  it("/proc/self/environ is refused without reading it, opt-in or not", async () => {
    for (const allowOutsideWorkspace of [false, true]) {
      const ws = await layout({ stateFile: "/proc/self/environ", allowOutsideWorkspace });
      const r = await run(ws, ["state", "list"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(allowOutsideWorkspace ? /error NOT_A_REGULAR_FILE stateFile "\/proc\/self\/environ" is on a system pseudo file system/ : /error PATH_OUTSIDE_WORKSPACE stateFile/);
      expect(r.stdout + r.stderr).not.toMatch(/PATH=|HOME=/);
      await rm(base, { recursive: true, force: true });
    }
  });

  it.each(["fifo", "directory"])("a %s inside the workspace is refused without opening it (no hang)", async (kind) => {
    const ws = await layout({ stateFile: "state.json" });
    if (kind === "fifo") execFileSync("mkfifo", [join(ws, "state.json")]);
    else await mkdir(join(ws, "state.json"));
    const r = await run(ws, ["state", "list"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/campaignctl\.yaml:\d+:\d+: error NOT_A_REGULAR_FILE stateFile is a/);
    expect(r.ms).toBeLessThan(10_000);
  });
});
