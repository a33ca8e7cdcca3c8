import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { BIN, ensureBuilt } from "../support/cli-process.js";

const HEADINGS = [
  "Step 1: validate",
  "Step 2: plan",
  "Step 3: apply",
  "Step 4: plan",
  "Step 5: edit in the provider's UI",
  "Step 6: drift",
  "Step 7: apply",
  "Step 8: plan",
  "Demo finished",
];

function expectWalkthrough(out: string): void {
  let at = -1;
  for (const h of HEADINGS) {
    const i = out.indexOf(h);
    expect(i, `"${h}" missing or out of order`).toBeGreaterThan(at);
    at = i;
  }
  // The real output of the sub-commands, indented.
  expect(out).toMatch(/^ {2}\$ campaignctl apply --auto-approve$/m);
  expect(out).toMatch(/^ {4}Apply finished: /m);
  // The audiences go up with the campaigns: no prospect upload by hand, no blocked launch.
  expect(out).toMatch(/uploaded \d+ prospects/);
  expect(out).toMatch(/uploaded \d+ contacts/);
  expect(out).not.toMatch(/blocked launch|\/leads/);
  expect(out).toMatch(/^ {2}\$ curl -X PATCH http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0\/campaigns\/\d+ -H "Authorization: api-key \$ALTUR_API_KEY"/m);
  expect(out).toMatch(/out-of-band retries/);
  expect(out).toMatch(/No changes\. Live matches Git/);
  // Piped output: no ANSI escapes.
  expect(out).not.toMatch(/\u001b\[/);
}

describe("demo", () => {
  it("runs in-process: every step as expected, exit 0, temp workspace removed and sandbox stopped", async () => {
    let stdout = "";
    let stderr = "";
    const started = Date.now();
    const code = await main(["demo"], {
      cwd: tmpdir(),
      // No keys at all: the demo needs none.
      env: {},
      stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
      stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
    });
    expect(code, stdout + stderr).toBe(0);
    expectWalkthrough(stdout);
    expect(Date.now() - started).toBeLessThan(30_000);

    const workspace = /workspace: (\S+)/.exec(stdout)?.[1] as string;
    expect(workspace).toContain("campaignctl-demo-");
    expect(existsSync(workspace)).toBe(false);
    const altur = /Altur (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] as string;
    await expect(fetch(`${altur}/__sandbox/faults`)).rejects.toThrow();
  });

  it("runs as the built binary (node bin/campaignctl.js demo) from any directory, piped, within 60 s", async () => {
    ensureBuilt();
    const cwd = await mkdtemp(join(tmpdir(), "campaignctl-demo-cwd-"));
    try {
      const env = { PATH: process.env.PATH ?? "", HOME: cwd };
      const result = await new Promise<{ code: number; stdout: string; stderr: string; ms: number }>((done) => {
        const t0 = Date.now();
        execFile(process.execPath, [BIN, "demo"], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
          done({ code, stdout, stderr, ms: Date.now() - t0 });
        });
      });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expectWalkthrough(result.stdout);
      expect(result.ms).toBeLessThan(60_000);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
