import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInProcess } from "./support/cli-inprocess.js";
import { puffleEmail } from "./e2e/specs.js";

/**
 * The hostile-input corpus (issue 17): each case builds a workspace, runs the real CLI in-process and
 * expects exit 1 within 10 s, a located error with the given code and words, no stack trace and
 * nothing from outside the workspace in the output.
 */

const SECRET = "sk-live-outside-0123456789abcdef";
const roots: string[] = [];

afterAll(async () => {
  for (const dir of roots) await rm(dir, { recursive: true, force: true });
});

interface Ws {
  /** The workspace (cwd of the CLI). */
  dir: string;
  /** A folder next to it, outside the workspace, holding a secret. */
  outside: string;
}

async function workspace(config: Record<string, unknown> = {}, accounts?: unknown[]): Promise<Ws> {
  const root = await mkdtemp(join(tmpdir(), "campaignctl-hostile-input-"));
  roots.push(root);
  const dir = join(root, "ws");
  const outside = join(root, "outside");
  await mkdir(join(dir, "campaigns"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, "secret.env"), `ALTUR_API_KEY=${SECRET}\n`);
  await writeFile(join(dir, ".env"), `ALTUR_API_KEY=${SECRET}\n`);
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", accounts: accounts ?? [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: "http://127.0.0.1:9/" }], ...config }),
  );
  await writeFile(join(dir, "campaigns", "ok.yaml"), campaign("ok"));
  return { dir, outside };
}

function campaign(name: string, spec: Record<string, unknown> = puffleEmail): string {
  return stringify({ apiVersion: "campaignctl/v1", kind: "PuffleCampaign", metadata: { name }, spec });
}

const run = (dir: string, args: string[]) => runInProcess(args, { cwd: dir, env: { PUFFLE_API_KEY: "sandbox" } });

interface Case {
  name: string;
  setup(ws: Ws): Promise<void>;
  args?: string[];
  /** A line of `validate` text output (or of stderr for other commands) that must appear. */
  expected: RegExp;
}

const keys = (n: number): string => Array.from({ length: n }, (_, i) => `k${i}: 1`).join("\n");

const CASES: Case[] = [
  {
    name: "campaigns/x.yaml -> ../.env (inside the workspace: read, never quoted)",
    setup: async ({ dir }) => symlink("../.env", join(dir, "campaigns", "x.yaml")),
    expected: /^campaigns\/x\.yaml:1:1: error YAML_NOT_MAPPING expected a mapping with apiVersion, kind, metadata and spec, got plain text \(\d+ characters, not shown\)$/m,
  },
  {
    name: "campaigns/x.yaml -> a file outside the workspace",
    setup: async ({ dir, outside }) => symlink(join(outside, "secret.env"), join(dir, "campaigns", "x.yaml")),
    expected: /^campaigns\/x\.yaml: error SYMLINK_OUTSIDE_WORKSPACE this is a symbolic link to a file outside the workspace; it is not followed/m,
  },
  {
    name: "campaigns/passwd.yaml -> /etc/passwd",
    setup: async ({ dir }) => symlink("/etc/passwd", join(dir, "campaigns", "passwd.yaml")),
    expected: /^campaigns\/passwd\.yaml: error SYMLINK_OUTSIDE_WORKSPACE /m,
  },
  {
    name: "campaigns/root -> / (not walked)",
    setup: async ({ dir }) => symlink("/", join(dir, "campaigns", "root")),
    expected: /^campaigns\/root: error SYMLINK_OUTSIDE_WORKSPACE this is a symbolic link to a place outside the workspace; it is not followed/m,
  },
  {
    name: "campaigns/zero.yaml -> /dev/zero",
    setup: async ({ dir }) => symlink("/dev/zero", join(dir, "campaigns", "zero.yaml")),
    expected: /^campaigns\/zero\.yaml: error SYMLINK_OUTSIDE_WORKSPACE /m,
  },
  {
    name: "campaigns dir itself -> outside",
    setup: async ({ dir, outside }) => {
      await rm(join(dir, "campaigns"), { recursive: true });
      await writeFile(join(outside, "c.yaml"), campaign("c"));
      await symlink(outside, join(dir, "campaigns"));
    },
    expected: /^campaignctl\.yaml:\d+:\d+: error SYMLINK_OUTSIDE_WORKSPACE campaigns directory campaigns is a symbolic link to a place outside the workspace/m,
  },
  {
    name: "a FIFO named pipe.yaml (never opened, no hang)",
    setup: async ({ dir }) => {
      execFileSync("mkfifo", [join(dir, "campaigns", "pipe.yaml")]);
    },
    expected: /^campaigns\/pipe\.yaml: error NOT_A_REGULAR_FILE this is a named pipe \(FIFO\), not a campaign file/m,
  },
  {
    name: "a directory named dir.yaml",
    setup: async ({ dir }) => {
      await mkdir(join(dir, "campaigns", "dir.yaml"));
      await writeFile(join(dir, "campaigns", "dir.yaml", "inner.yaml"), campaign("inner"));
    },
    expected: /^campaigns\/dir\.yaml: error NOT_A_REGULAR_FILE this is a directory, not a campaign file/m,
  },
  {
    name: "a link inside the workspace to a FIFO",
    setup: async ({ dir }) => {
      execFileSync("mkfifo", [join(dir, "fifo")]);
      await symlink("../fifo", join(dir, "campaigns", "f.yaml"));
    },
    expected: /^campaigns\/f\.yaml: error NOT_A_REGULAR_FILE this is a symbolic link to a named pipe \(FIFO\), not a campaign file/m,
  },
  {
    name: "a 2 MiB file",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "big.yaml"), `${campaign("big")}# ${"x".repeat(2 * 1024 * 1024)}\n`),
    expected: /^campaigns\/big\.yaml: error FILE_TOO_LARGE this campaign file is 2(\.\d+)? MiB; the limit is 1 MiB per file/m,
  },
  {
    name: "a 50 MB string value",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "s.yaml"), `${campaign("s")}  signature: ${"x".repeat(50_000_000)}\n`),
    expected: /^campaigns\/s\.yaml: error FILE_TOO_LARGE this campaign file is over 4 MiB; the limit is 1 MiB per file/m,
  },
  {
    name: "1,000,000 unknown fields",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "keys.yaml"), `${campaign("keys")}${keys(1_000_000)}\n`),
    expected: /^campaigns\/keys\.yaml: error FILE_TOO_LARGE /m,
  },
  {
    name: "100,000 unknown fields in one mapping (within 1 MiB: refused before parsing)",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "keys.yaml"), `${keys(100_000)}\n`),
    expected: /^campaigns\/keys\.yaml:10001:1: error LIMIT_LINES the file has more than 10000 lines; the limit is 10000 per file$/m,
  },
  {
    name: "5,000 keys in one mapping",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "keys.yaml"), `${campaign("keys")}extra:\n${keys(5000).replace(/^/gm, "  ")}\n`),
    expected: /^campaigns\/keys\.yaml:\d+:3: error LIMIT_KEYS this mapping has 5000 keys; the limit is 1000 per mapping$/m,
  },
  {
    name: "900 unknown fields (under the key limit: diagnostics capped, linear)",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "keys.yaml"), `${campaign("keys")}${keys(900)}\n`),
    expected: /^campaigns\/keys\.yaml:\d+:1: error TOO_MANY_PROBLEMS 800 more problems in this file not listed \(the first 100 are shown\)$/m,
  },
  {
    name: "a 1,000,000-node sequence",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "seq.yaml"), `${campaign("seq")}extra:\n${"- 1\n".repeat(1_000_000)}`),
    expected: /^campaigns\/seq\.yaml: error FILE_TOO_LARGE /m,
  },
  {
    name: "a 400,000-item flow sequence (within 1 MiB: refused before parsing)",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "seq.yaml"), `${campaign("seq")}extra: [${"1,".repeat(400_000)}1]\n`),
    expected: /^campaigns\/seq\.yaml:\d+:\d+: error LIMIT_ITEMS the file has more than 10000 commas; flow lists and mappings/m,
  },
  {
    name: "a 6,000-item sequence",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "seq.yaml"), `${campaign("seq")}extra: [${"1,".repeat(6_000)}1]\n`),
    expected: /^campaigns\/seq\.yaml:\d+:8: error LIMIT_ITEMS this list has 6001 items; the limit is 5000 per list$/m,
  },
  {
    name: "a 200,000-character string",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "s.yaml"), `${campaign("s")}  signature: ${"x".repeat(200_000)}\n`),
    expected: /^campaigns\/s\.yaml:\d+:\d+: error LIMIT_STRING this text is 200000 characters long; the limit is 100000 per value$/m,
  },
  {
    name: "a 100,000-character unknown key (no quadratic suggestion)",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "k.yaml"), `${campaign("k")}? ${"q".repeat(99_000)}\n: 1\n`),
    expected: /^campaigns\/k\.yaml:\d+:\d+: error SCHEMA_UNKNOWN_FIELD unknown field "q{79}…" at the top level/m,
  },
  {
    name: "requestsPerSecond: 1e-300",
    setup: async ({ dir }) =>
      writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", requestsPerSecond: 1e-300 }] })),
    expected: /^campaignctl\.yaml:\d+:\d+: error SCHEMA_RANGE accounts\[0\]\.requestsPerSecond must be .*0\.1/m,
  },
  {
    name: "requestsPerSecond: 1e9",
    setup: async ({ dir }) =>
      writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", requestsPerSecond: 1e9 }] })),
    expected: /^campaignctl\.yaml:\d+:\d+: error SCHEMA_RANGE accounts\[0\]\.requestsPerSecond must be .*1000/m,
  },
  {
    name: "concurrency: 1000000",
    setup: async ({ dir }) =>
      writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", concurrency: 1_000_000 }] })),
    expected: /^campaignctl\.yaml:\d+:\d+: error SCHEMA_RANGE accounts\[0\]\.concurrency must be .*100/m,
  },
  {
    name: "baseUrl with user:password@",
    setup: async ({ dir }) =>
      writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: "http://user:pass@127.0.0.1:9/" }] })),
    expected: /^campaignctl\.yaml:\d+:\d+: error SCHEMA_FORMAT accounts\[0\]\.baseUrl must be an absolute http\(s\) URL without user:password@/m,
  },
  {
    name: "stateFile -> a file outside the workspace",
    setup: async ({ dir, outside }) => {
      await writeFile(join(dir, "campaignctl.yaml"), stringify({ apiVersion: "campaignctl/v1", stateFile: "state.json", accounts: [{ provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY" }] }));
      await symlink(join(outside, "secret.env"), join(dir, "state.json"));
    },
    expected: /^campaignctl\.yaml:\d+:\d+: error SYMLINK_OUTSIDE_WORKSPACE stateFile ".*state\.json" is a symbolic link to a file outside the workspace/m,
  },
  {
    name: "a file name with a newline and a workflow command",
    setup: async ({ dir }) => writeFile(join(dir, "campaigns", "a\n::error file=x.yaml::pwned.yaml"), "just text\n"),
    expected: /^campaigns\/a\\n::error file=x\.yaml::pwned\.yaml:1:1: error YAML_NOT_MAPPING /m,
  },
  {
    name: "import --dir through a symlink out of the workspace",
    // A hidden folder: the campaign listing skips it, so only import's own check stands in the way.
    setup: async ({ dir, outside }) => symlink(outside, join(dir, "campaigns", ".out")),
    args: ["import", "--provider", "puffle", "--all", "--dir", "campaigns/.out/imported"],
    expected: /^error: --dir campaigns\/\.out\/imported is outside the workspace's campaigns directory/m,
  },
];

const timings: Record<string, number> = {};

describe("hostile input corpus", () => {
  afterAll(() => console.log(`hostile input timings (ms): ${JSON.stringify(timings)}`));

  for (const c of CASES) {
    it(c.name, async () => {
      const ws = await workspace();
      await c.setup(ws);
      const r = await run(ws.dir, c.args ?? ["validate"]);
      timings[c.name] = Math.round(r.ms);
      const out = r.stdout + r.stderr;
      expect(r.code).toBe(1);
      expect(c.args ? r.stderr : r.stdout).toMatch(c.expected);
      expect(r.ms).toBeLessThan(10_000);
      expect(out).not.toContain(SECRET);
      expect(out).not.toMatch(/\n\s+at |unexpected failure/);
      expect(out).not.toMatch(/^::/m);
      expect(existsSync(join(ws.dir, "campaignctl.state.json"))).toBe(false);
    }, 20_000);
  }

  it("plan refuses the same workspace before any request (a symlink out of it)", async () => {
    const ws = await workspace();
    await symlink("/etc/passwd", join(ws.dir, "campaigns", "passwd.yaml"));
    const r = await run(ws.dir, ["plan"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/campaigns\/passwd\.yaml: error SYMLINK_OUTSIDE_WORKSPACE/);
    expect(r.stderr).not.toMatch(/root:x:0:0/);
  });

  it("--request-timeout and CAMPAIGNCTL_TIMEOUT out of range are usage errors", async () => {
    const ws = await workspace();
    const r = await run(ws.dir, ["--request-timeout", "1e-300", "plan"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: --request-timeout must be a number of seconds from 0.1 to 86400, got "1e-300"\n');
  });
});
