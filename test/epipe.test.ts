/**
 * A reader that goes away (`campaignctl apply --help | head -1`) ends nothing but the output: no
 * "Unhandled 'error' event" stack trace, exit 0 (bin/campaignctl.js).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "..", "bin", "campaignctl.js");

function readerGone(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // Like `| head -0`: the reader closes its end before the CLI has written anything, so every write hits EPIPE.
    child.stdout.destroy();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed stdout pipe", () => {
  it.each([["apply", "--help"], ["plan", "--help"], ["--help"]])("%s %s: exit 0, nothing on stderr", async (...args) => {
    const run = await readerGone(args.filter((a) => a !== undefined));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });
});
