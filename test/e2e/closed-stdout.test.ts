/**
 * A reader that goes away mid-output (`campaignctl plan --format json | head -c 10`,
 * `campaignctl apply --auto-approve | head -1`): the rest of the output is dropped and the command goes
 * on — the plan's exit code is its own, the apply finishes and writes its state. Waiting for a closed
 * pipe to drain ended the process with exit 13 and nothing more done (src/cli/pipeline.ts writeDrained).
 * The built CLI in a child process whose stdout is a pipe closed after its first bytes.
 */
import { spawn } from "node:child_process";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BIN, ensureBuilt } from "../support/cli-process.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone } from "./specs.js";
import { KEYS, TestWorkspace } from "./workspace.js";

// No rate limits on either side: 300 campaigns apply in a blink (as test/e2e/campaign-set.test.ts does).
const sb = useSandbox({ rateLimits: false });
let ws: TestWorkspace;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(async () => {
  const u = sb.urls;
  ws = await TestWorkspace.create(sb, {
    accounts: [
      { provider: "extrovert", apiKeyEnv: "EXTROVERT_API_KEY", baseUrl: u.extrovert, requestsPerSecond: 1000 },
      { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: u.puffle, requestsPerSecond: 1000 },
      { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: u.altur, requestsPerSecond: 1000 },
    ],
  });
  // Enough campaigns that the JSON plan and the text plan are several 64 KB pieces each.
  for (let i = 0; i < 300; i++) await ws.write(`call-${i}`, "AlturCampaign", { ...alturPhone, name: `Call ${i}` });
});
afterEach(async () => {
  await ws.dispose();
});

/** Run the CLI with stdout read until `keep` bytes arrived, then closed (as `head -c` does). */
function withReaderGone(args: string[], keep: number): Promise<{ code: number | null; got: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ws.dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...KEYS }, stdio: ["ignore", "pipe", "pipe"] });
    let got = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      got += d.toString("utf8");
      if (got.length >= keep) child.stdout.destroy();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, got: got.slice(0, keep), stderr }));
  });
}

describe("stdout closed by its reader mid-output", () => {
  it("plan --format json --detailed-exitcode: the plan's own exit code (2: changes), no stack trace", async () => {
    const run = await withReaderGone(["plan", "--format", "json", "--detailed-exitcode"], 10);
    expect(run.got).toBe('{\n  "forma');
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+|Unhandled|EPIPE/);
  });

  it("apply --auto-approve --force: every campaign is created and recorded, exit 0", async () => {
    const run = await withReaderGone(["apply", "--auto-approve", "--force"], 1);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/altur\/default\/call-299: created id/);
    expect(Object.keys((await ws.state()).campaigns)).toHaveLength(300);
    expect((await sb.campaigns("altur")).length).toBe(300);
  });
});
