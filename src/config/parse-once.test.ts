import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkCampaignText } from "./campaign.js";
import { yamlParses } from "./yaml-lib.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
// A valid Extrovert campaign (no audience: no files to read); applyCommentIntervalH: 48 is clean, 25 draws one warning.
const EXAMPLE = readFileSync(join(REPO_ROOT, "campaigns", "extrovert", "founders-engagement.yaml"), "utf8").replace(/^audience:[\s\S]*$/m, "");
const WARNING_LINE = EXAMPLE.split("\n").findIndex((l) => l.includes("applyCommentIntervalH")) + 1;

/** Runs checkCampaignText and counts the parser calls it made. */
function counted(text: string): { result: ReturnType<typeof checkCampaignText>; fast: number; positional: number } {
  const before = { ...yamlParses };
  const result = checkCampaignText(text, "c.yaml");
  return { result, fast: yamlParses.fast - before.fast, positional: yamlParses.positional - before.positional };
}

describe("one parse per campaign file", () => {
  it("a clean file is parsed once, by the fast scan", () => {
    const { result, fast, positional } = counted(EXAMPLE);
    expect(result.diagnostics).toEqual([]);
    expect(result.decl?.name).toBe("founders-engagement");
    expect({ fast, positional }).toEqual({ fast: 1, positional: 0 });
  });

  it("a file with one warning is parsed once, and the warning is located as the positional parser locates it", () => {
    const { result, fast, positional } = counted(EXAMPLE.replace("applyCommentIntervalH: 48", "applyCommentIntervalH: 25"));
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ severity: "warning", code: "EXTROVERT_COMMENT_INTERVAL", file: "c.yaml", line: WARNING_LINE, col: 26 }),
    ]);
    expect(result.decl?.name).toBe("founders-engagement");
    expect({ fast, positional }).toEqual({ fast: 1, positional: 0 });
  });

  it("a file with schema errors is parsed once; an unknown field is located at its key", () => {
    const text = EXAMPLE.replace("  postMaxAgeDays: 30\n", "  postMaxAgeDays: -3\n  colour: blue\n");
    const { result, fast, positional } = counted(text);
    const lines = text.split("\n");
    const codes = result.diagnostics.map((d) => [d.line, d.col]);
    expect(codes).toContainEqual([lines.findIndex((l) => l.includes("postMaxAgeDays")) + 1, 19]);
    expect(codes).toContainEqual([lines.findIndex((l) => l.includes("colour")) + 1, 3]);
    expect(result.decl).toBeUndefined();
    expect({ fast, positional }).toEqual({ fast: 1, positional: 0 });
  });

  it("the positional parser takes over when it has a diagnostic of its own (a size limit)", () => {
    // 1,001 lines of 100 characters: 101,101 characters, over the 100,000 per value (lines stay short for the scan).
    const text = EXAMPLE.replace('name: "Founders - SaaS Series A (EMEA)"', `name: |\n${`    ${"x".repeat(100)}\n`.repeat(1001)}`);
    const { result, fast, positional } = counted(text);
    expect(result.diagnostics.map((d) => [d.code, d.line, d.col])).toEqual([["LIMIT_STRING", 10, 9]]);
    expect({ fast, positional }).toEqual({ fast: 1, positional: 1 });
  });

  it("the positional parser takes over where the scan cannot place a diagnostic (an empty list item)", () => {
    const text = EXAMPLE.replace("    emotionTypes: []", "    emotionTypes:\n    -\n    - LIKE");
    const { result, fast, positional } = counted(text);
    const line = text.split("\n").findIndex((l) => l === "    -") + 1;
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0]).toEqual(expect.objectContaining({ severity: "error", line }));
    expect({ fast, positional }).toEqual({ fast: 1, positional: 1 });
  });
});
