import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

function capture() {
  let text = "";
  return { write: (s: string) => ((text += s), true), get text() { return text; } };
}

describe("cli", () => {
  it("prints help listing every command and exits 0", async () => {
    const stdout = capture();
    const code = await main(["--help"], { stdout, stderr: capture() });
    expect(code).toBe(0);
    for (const c of ["validate", "plan", "apply", "drift", "import", "state", "sandbox", "demo"]) {
      expect(stdout.text).toContain(c);
    }
  });

  it("rejects an unknown command with exit 1 and a message on stderr", async () => {
    const stderr = capture();
    const code = await main(["frobnicate"], { stdout: capture(), stderr });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/unknown command/);
  });
});
