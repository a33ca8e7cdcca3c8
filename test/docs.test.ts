import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The repository explains itself: comments and docs cite files a reader of the repository can open —
 * docs/design.md (the product contract) and src/providers/<p>/README.md (each provider's rules) — and
 * every cited file and numbered section exists. scripts/docs/cite-in-repo.mjs rewrites old citations;
 * this test checks the sources on its own (it shares no code with the script).
 */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** This file and the script name the outside documents on purpose. */
const SKIP = new Set(["test/docs.test.ts", "scripts/docs/cite-in-repo.mjs"]);

/** Documents that are not in the repository: the design document, shared provider references, seeds, conventions. */
const OUTSIDE: readonly [RegExp, string][] = [
  [/\bDESIGN\b/, "the design document outside the repository (cite docs/design.md §N)"],
  [/(?<![\w./-])(?:providers\/)?(?:extrovert|puffle|altur)\.md\b/, "a provider reference outside the repository (cite src/providers/<p>/README.md §N)"],
  [/\/work\/shared|(?<![\w.-])(?:\.\.\/)*shared\/(?:providers|seeds|DESIGN|CONVENTIONS)|\bseeds\/\d{3}/, "a file under the shared folder outside the repository"],
  [/\bCONVENTIONS\b/, "the conventions document outside the repository"],
];
const MD_MENTION = /(?<![\w./:-])((?:[\w-]+\/|\.\.\/)*[\w.-]+\.md)\b/g;
const SECTION = /§\s?(\d+(?:\.\d+)*)/g;

function files(): string[] {
  const out = ["README.md", "CHANGELOG.md"];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "dist" && !e.name.startsWith(".")) walk(rel);
      } else if ((CODE.test(e.name) || e.name.endsWith(".sh") || e.name.endsWith(".md")) && !SKIP.has(rel)) {
        out.push(rel);
      }
    }
  };
  for (const d of ["src", "test", "scripts", "bin", "docs"]) walk(d);
  return out.sort();
}

interface Unit {
  line: number;
  text: string;
}

/** Comments of a code or shell file (consecutive line comments together); paragraphs of a Markdown file. */
function units(file: string, text: string): Unit[] {
  const lineAt = (pos: number): number => text.slice(0, pos).split("\n").length;
  if (CODE.test(file)) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const seen = new Map<number, ts.CommentRange>();
    const visit = (node: ts.Node): void => {
      for (const c of [...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []), ...(ts.getTrailingCommentRanges(text, node.getEnd()) ?? [])]) {
        seen.set(c.pos, c);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const out: (Unit & { end: number; single: boolean })[] = [];
    for (const c of [...seen.values()].sort((a, b) => a.pos - b.pos)) {
      const single = c.kind === ts.SyntaxKind.SingleLineCommentTrivia;
      const last = out.at(-1);
      if (last?.single && single && /^[ \t]*\r?\n[ \t]*$/.test(text.slice(last.end, c.pos))) {
        last.text += text.slice(last.end, c.end);
        last.end = c.end;
      } else {
        out.push({ line: lineAt(c.pos), text: text.slice(c.pos, c.end), end: c.end, single });
      }
    }
    return out;
  }
  if (file.endsWith(".sh")) {
    return text.split("\n").flatMap((l, i) => (/^\s*#(?!!)/.test(l) ? [{ line: i + 1, text: l }] : []));
  }
  return [...text.matchAll(/(?:[^\n]+\n?)+/g)].map((m) => ({ line: lineAt(m.index), text: m[0] }));
}

const headingCache = new Map<string, Set<string>>();
/**
 * The numbered sections of a Markdown file: headings ("## 4. Endpoints" → 4, "### 4.3 Update" → 4.3) and
 * the items of a numbered list right under a numbered heading ("## 9. Unknowns", "8. …" → 9.8).
 */
function sections(file: string): Set<string> {
  let found = headingCache.get(file);
  if (!found) {
    found = new Set<string>();
    let heading: string | undefined;
    for (const line of readFileSync(join(ROOT, file), "utf8").split("\n")) {
      const h = /^#{1,6}\s+(?:(\d+(?:\.\d+)*)\.?(?=\s))?/.exec(line);
      if (h) {
        heading = h[1];
        if (heading) found.add(heading);
        continue;
      }
      const item = /^(\d+)\.\s/.exec(line);
      if (item && heading) found.add(`${heading}.${item[1]}`);
    }
    headingCache.set(file, found);
  }
  return found;
}

/** A Markdown path as written, resolved against the citing file's folder, then the repository root. */
function resolveDoc(file: string, cited: string): string | undefined {
  for (const candidate of [normalize(join(dirname(file), cited)), normalize(cited)]) {
    if (!candidate.startsWith("..") && existsSync(join(ROOT, candidate))) return candidate.split("\\").join("/");
  }
  return undefined;
}

/** Every citation problem of one file's text. */
function problems(file: string, text: string): string[] {
  const out: string[] = [];
  for (const u of units(file, text)) {
    const where = `${file}:${u.line}`;
    for (const [pattern, what] of OUTSIDE) if (pattern.test(u.text)) out.push(`${where}: cites ${what}: ${u.text.trim().split("\n")[0]}`);
    const mentions = [...u.text.matchAll(MD_MENTION)]
      .filter((m) => !/^[\w-]+\.[a-z]{2,}\//.test(m[1] ?? "")) // a URL's host, e.g. docs.altur.io/…/x.md
      .map((m) => ({ at: m.index, cited: m[1] ?? "", doc: resolveDoc(file, m[1] ?? "") }));
    // A path, or a name followed by a section, is a citation; a bare name such as plan.md may be a file the tool writes.
    const citation = (m: { at: number; cited: string }): boolean => m.cited.includes("/") || /^\s?§/.test(u.text.slice(m.at + m.cited.length));
    for (const m of mentions) {
      if (m.doc === undefined && citation(m) && !OUTSIDE.some(([p]) => p.test(m.cited))) out.push(`${where}: cites ${m.cited}, which is not in the repository`);
    }
    for (const s of u.text.matchAll(SECTION)) {
      const before = mentions.filter((m) => m.at < s.index).at(-1);
      // In Markdown a bare § means the file itself; in code it must name its document.
      const doc = before ? before.doc : file.endsWith(".md") ? file : undefined;
      if (before && doc === undefined) {
        if (!citation(before) && !OUTSIDE.some(([p]) => p.test(before.cited))) out.push(`${where}: §${s[1]} cites ${before.cited}, which is not in the repository`);
        continue;
      }
      if (doc === undefined) out.push(`${where}: §${s[1]} names no document (write e.g. docs/design.md §${s[1]})`);
      else if (!doc.endsWith(".md")) out.push(`${where}: §${s[1]} cites ${doc}, not a Markdown document`);
      else if (!sections(doc).has(s[1] ?? "")) out.push(`${where}: ${doc} has no section §${s[1]}`);
    }
  }
  return out;
}

describe("citations stay inside the repository", () => {
  it("the checker catches each kind of bad citation", () => {
    expect(problems("src/x.ts", "// see DESIGN §5\nconst a = 1;\n")[0]).toContain("the design document outside the repository");
    expect(problems("src/x.ts", "/** [D, providers/puffle.md §4.3] */\nconst a = 1;\n")[0]).toContain("provider reference outside");
    expect(problems("src/x.ts", "// (/work/shared/seeds/002_x.txt)\nconst a = 1;\n")[0]).toContain("shared folder");
    expect(problems("src/x.ts", "// docs/design.md §99\nconst a = 1;\n")).toEqual(["src/x.ts:1: docs/design.md has no section §99"]);
    expect(problems("src/x.ts", "// docs/missing.md §1\nconst a = 1;\n")).toEqual(["src/x.ts:1: cites docs/missing.md, which is not in the repository"]);
    expect(problems("src/x.ts", "// the rule (§4.2)\nconst a = 1;\n")[0]).toContain("§4.2 names no document");
    // Citations in strings are code, not comments; "README.md §4.3" from a provider folder is that folder's README.
    expect(problems("src/x.ts", 'const s = "DESIGN §5";\n')).toEqual([]);
    expect(problems("src/providers/puffle/x.ts", "// README.md §4.3, §7 and §14\nconst a = 1;\n")).toEqual([]);
    expect(problems("src/providers/puffle/x.ts", "// README.md §4.3 and §16\nconst a = 1;\n")).toEqual(["src/providers/puffle/x.ts:1: src/providers/puffle/README.md has no section §16"]);
  });

  it("no comment or document cites a file outside the repository, and every cited file and section exists", () => {
    const all = files();
    expect(all.length).toBeGreaterThan(100);
    const found = all.flatMap((f) => problems(f, readFileSync(join(ROOT, f), "utf8")));
    expect(found).toEqual([]);
  });

  it("the contract and every provider have their in-repo document with numbered sections", () => {
    expect([...sections("docs/design.md")].filter((s) => !s.includes("."))).toEqual(Array.from({ length: 19 }, (_, i) => String(i + 1)));
    for (const p of ["extrovert", "puffle", "altur"]) {
      const readme = readFileSync(join(ROOT, `src/providers/${p}/README.md`), "utf8");
      expect(sections(`src/providers/${p}/README.md`).size).toBeGreaterThan(8);
      for (const mark of ["[D]", "[A]", "[K]", "https://"]) expect(readme).toContain(mark);
    }
  });

  it("scripts/docs/cite-in-repo.mjs has nothing left to rewrite (re-running it after a merge is a no-op)", () => {
    const out = execFileSync(process.execPath, ["scripts/docs/cite-in-repo.mjs", "--check"], { cwd: ROOT, encoding: "utf8" });
    expect(out).toContain("0 file(s) to rewrite, 0 unresolved citation(s)");
  });
});
