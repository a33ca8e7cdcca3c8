import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FastSourceUnsure, parseYamlFast } from "./fast-yaml.js";
import { parseYamlMapping, type DocPath, type Target } from "./source.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every path of the value, plus a missing child under every collection and a path through every scalar. */
function paths(value: unknown, prefix: DocPath = []): DocPath[] {
  const out: DocPath[] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
    out.push([...prefix, value.length], [...prefix, "x"]);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
    out.push([...prefix, "no_such_key"], [...prefix, 0]);
  } else {
    out.push([...prefix, "below"]);
  }
  return out;
}

/** Compares the fast scan's positions with the positional parser's for every path; returns [answered, declined]. */
function comparePositions(text: string, label: string): [number, number] {
  const fast = parseYamlFast(text);
  if (!fast) return [0, 0];
  const positional = parseYamlMapping(text, "x.yaml").source!;
  let answered = 0;
  let declined = 0;
  for (const path of paths(fast.value)) {
    for (const target of ["value", "key"] as Target[]) {
      let got;
      try {
        got = fast.source.locate(path, target);
      } catch (err) {
        if (!(err instanceof FastSourceUnsure)) throw err;
        declined += 1;
        continue;
      }
      answered += 1;
      expect(got, `${label} ${JSON.stringify(path)} ${target}`).toEqual(positional.locate(path, target));
    }
  }
  return [answered, declined];
}

const TRICKY = [
  "a: 1\nb:\n  # comment\n  c: 2\n  d:\n    - x\n    -   y # after\n    - [p, q]\n",
  "a:\nb: ~\nc: null\nd: ''\ne: |\n  text\n  more\nf: >-\n  folded\ng: \"quoted\"\nh: 'single'\n",
  "list:\n- a: 1\n  b: 2\n-   c: 3\n- - nested\n  - two\n",
  "flow: {a: 1, b: [x, y], c: {d: e}}\nseq: [1, 2, {k: v}]\n",
  "x:\n  [a, b]\ny:\n  {c: d}\nz:\n  \"text on\n  two lines\"\nw:\n  plain on\n  two lines\n",
  "# leading comment\n\n---\nkey: value\n\"quoted key\": 1\n'single key': 2\n1: one\n2.0: two\ntrue: yes\n",
  "a:\r\n  b: 1\r\n  c:\r\n    - d\r\n",
  "a: [\n    1, 2 ]\nb: {c: \n    d}\n",
  "outer:\n  inner:\n    deep:\n      deeper: 1\n  after: 2\nlast:\n",
  "a:   \n  - \n  - b\n",
  "a: 1 # c\n#x\nb:    # c\n  c: 1\n",
  "é: ü\nname: \"😀\"\nx: y\n",
];

describe("positions from the fast scan", () => {
  it("are the positional parser's for every path and target of every example, fixture and tricky file", () => {
    const files = [...yamlFiles(join(REPO_ROOT, "campaigns")), ...yamlFiles(join(REPO_ROOT, "test", "fixtures"))];
    let answered = 0;
    let declined = 0;
    for (const file of files) {
      const [a, d] = comparePositions(readFileSync(file, "utf8"), file);
      answered += a;
      declined += d;
    }
    TRICKY.forEach((text, i) => {
      const [a, d] = comparePositions(text, `tricky ${i}`);
      answered += a;
      declined += d;
    });
    expect(TRICKY.filter((t) => parseYamlFast(t)).length, "every tricky file takes the fast scan").toBe(TRICKY.length);
    // The scan answers almost everything (it declines only where it cannot be sure, e.g. an empty list item).
    expect(answered).toBeGreaterThan(1000);
    expect(declined / (answered + declined)).toBeLessThan(0.01);
  });
});
