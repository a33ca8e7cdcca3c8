import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseYamlFast } from "./fast-yaml.js";
import { parseYamlMapping } from "./source.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The fast parse may decline; when it answers, it must give the positional parser's value and start. */
function expectAgrees(text: string, label: string): boolean {
  const fast = parseYamlFast(text);
  if (!fast) return false;
  const positional = parseYamlMapping(text, "x.yaml");
  expect(positional.diagnostics, `${label}: fast parse accepted a file the positional parser flags`).toEqual([]);
  expect(fast.value, label).toEqual(positional.value);
  expect(fast.start, label).toEqual(positional.source?.start());
  return true;
}

describe("fast YAML parse", () => {
  it("agrees with the positional parser on every example and fixture file it accepts, and accepts the examples", () => {
    const examples = yamlFiles(join(REPO_ROOT, "campaigns"));
    expect(examples.length).toBeGreaterThan(3);
    for (const file of examples) expect(expectAgrees(readFileSync(file, "utf8"), relative(REPO_ROOT, file)), file).toBe(true);
    for (const file of yamlFiles(join(REPO_ROOT, "test", "fixtures"))) {
      const text = readFileSync(file);
      if (text.includes(0)) continue;
      expectAgrees(text.toString("utf8"), relative(REPO_ROOT, file));
    }
  });

  it("declines what the two parsers read differently, agrees on the rest", () => {
    const declined = [
      "v: 0b101\n", "v: +0x10\n", "v: -0x10\n", "v: +.5\n", "v: -.5\n", "v: -0\n", "~: x\n", "null: x\n", "[a]: b\n", "{a: 1}: b\n", "? a\n: b\n",
      "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: !foo 1\n", "%YAML 1.1\n---\na: yes\n", "--- a: 1\n", "a: 1\na: 2\n",
      "a: 1\n---\nb: 2\n", "", "# only a comment\n", "- a\n", "just text\n", `${"k".repeat(1100)}: 1\n`,
    ];
    for (const doc of declined) expect(parseYamlFast(doc), JSON.stringify(doc)).toBeUndefined();
    const scalars = [
      "0o17", "0x1F", "017", "+12", "-12", "1_000", ".inf", "-.Inf", ".NaN", "1e3", "1.", "True", "TRUE", "yes", "on",
      "~", "Null", "", "12:30", "2026-01-01", "2026-01-01T10:00:00Z", "'q'", '"d"', "a #c", "3 #c", "\"\\u00e9\\x41\"", "'it''s'",
      "x:y", "http://x.y/z?q=1#f", "Q&A", "you & me", "5 * 3", "Hi! there", "what? yes", "[1, 2]", "{b: 1, c: 2}",
    ];
    for (const s of scalars) expect(expectAgrees(`# c\n---\n  v: ${s}\n  w: 1\n`, s), s).toBe(true);
    for (const doc of ["a: |\n  x\n  y\n", "a: >\n  x\n  y\n\n", "a: |-\n  x\n", "a:\n- 1\n- 2\n", "a: x\n  y\n", "a: 1\r\nb: 2\r\n", "a: 1\n...\n", "<<: {a: 1}\n"]) {
      expect(expectAgrees(doc, JSON.stringify(doc)), doc).toBe(true);
    }
  });
});
