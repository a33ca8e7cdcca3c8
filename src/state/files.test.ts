import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRegularFile } from "./files.js";

const dir = mkdtempSync(join(tmpdir(), "campaignctl-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readRegularFile", () => {
  it("reads a file whole, in one buffer of its size: empty, small, and larger than one read, multi-byte text intact", () => {
    const cases = { empty: "", small: '{"a":1}', large: `${"é€🙂 state ".repeat(40_000)}end` };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(join(dir, name), text);
      expect(readRegularFile(join(dir, name))).toBe(text);
    }
    expect(readRegularFile(join(dir, "absent"))).toBeUndefined();
  });
});
