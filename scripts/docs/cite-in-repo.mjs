#!/usr/bin/env node
/**
 * Rewrites comments that cite documents outside the repository so they cite the in-repo copies:
 *   the design document (any section)     → docs/design.md §N
 *   the shared provider references        → src/providers/<p>/README.md §N   (README.md §N inside that folder)
 *   the seed excerpts                     → the provider README section that summarises them
 * and makes a bare "§N" explicit where the file or the comment says which provider it means.
 * Only comments change: TypeScript/JavaScript comments (found with the TypeScript scanner), full-line
 * shell comments, and paragraphs of Markdown files under src/, test/ and scripts/. Code is never touched.
 *
 *   node scripts/docs/cite-in-repo.mjs            rewrite in place, list the files changed
 *   node scripts/docs/cite-in-repo.mjs --check    change nothing; exit 1 if anything would change or stay unresolved
 *
 * Safe to re-run (a second run changes nothing). test/docs.test.ts checks the result independently.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PROVIDERS = ["extrovert", "puffle", "altur"];
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SCANNED_DIRS = ["src", "test", "scripts", "bin"];
/** Documents that cite themselves with a bare §: the contract and the provider references. */
const SELF_CITING = /^(docs\/design\.md|src\/providers\/[a-z]+\/README\.md)$/;
/** This script and its test talk about the outside documents on purpose. */
const SKIP = new Set(["scripts/docs/cite-in-repo.mjs", "test/docs.test.ts"]);

/** The seed excerpts, by number: the provider README section that carries their facts. */
const SEEDS = {
  "000": ["extrovert", "4"], // update-campaign page
  "001": ["extrovert", "4"], // create-campaign page
  "002": ["puffle", "1"], // update-campaign page: cited for its UUID path-id pattern
  "003": ["altur", "4.4"], // update page
};

/** One-off rewrites no general rule can decide (file, exact comment text, replacement). */
const OVERRIDES = [
  ["test/layers.test.ts", "Dependencies point down the layers (CONVENTIONS):", "Dependencies point down the layers:"],
  ["test/e2e/references.test.ts", "right after its create (§5, §8)", "right after its create (src/providers/extrovert/README.md §5, §8)"],
  [
    "test/fixtures/conformance/README.md",
    "(`/work/shared/seeds/`, summarised in\n`providers/*.md`)",
    "(the original API excerpts, summarised in\n`src/providers/<provider>/README.md`)",
  ],
];

const providerDoc = (p, file) => (file.startsWith(`src/providers/${p}/`) ? "README.md" : `src/providers/${p}/README.md`);

/** The provider a file is about, from its path (provider folder, simulator folder, provider test). */
function providerOfFile(file) {
  const m = /^src\/(?:providers|sandbox)\/([a-z]+)\//.exec(file) ?? /^test\/(?:sandbox|conformance)-([a-z]+)\./.exec(file);
  return m && PROVIDERS.includes(m[1]) ? m[1] : undefined;
}

/** An in-repo Markdown path mentioned in text (not part of a URL). */
export const MD_MENTION = /(?<![\w./:-])((?:[\w-]+\/|\.\.\/)*[\w.-]+\.md)\b/g;
const SECTION = /§\s?\d+(?:\.\d+)*/g;

function rewriteUnit(text, file) {
  let out = text;
  for (const [f, from, to] of OVERRIDES) if (f === file) out = out.split(from).join(to);
  // "§3.3 of altur.md" → "src/providers/altur/README.md §3.3"
  out = out.replace(/(§\s?\d+(?:\.\d+)*) of (?:providers\/)?(extrovert|puffle|altur)\.md\b/g, (_m, s, p) => `${providerDoc(p, file)} ${s}`);
  // The design document: "DESIGN §8", "DESIGN.md §8", "DESIGN.md section 8", "DESIGN.md".
  out = out.replace(/\bDESIGN(?:\.md)?(?:\s+section\s+(\d+))?/g, (_m, n) => (n ? `docs/design.md §${n}` : "docs/design.md"));
  // The shared provider references.
  out = out.replace(
    /(?<![\w./-])(?:\/work\/shared\/|(?:\.\.\/)*shared\/)?(?:providers\/)?(extrovert|puffle|altur)\.md\b/g,
    (_m, p) => providerDoc(p, file),
  );
  // The seed excerpts: "seeds/001", "seeds/001_*", "/work/shared/seeds/001_97a4….txt".
  out = out.replace(/(?<![\w.-])(?:\/work\/shared\/)?seeds\/(\d{3})(?:_[\w*]*)?(?:\.txt)?/g, (m, n) => {
    const seed = SEEDS[n];
    return seed ? `${providerDoc(seed[0], file)} §${seed[1]}` : m;
  });
  return makeExplicit(out, file);
}

/** A bare § (no document named before it in the same comment) gets the document it means, when known. */
function makeExplicit(text, file) {
  if (SELF_CITING.test(file) || file.endsWith(".md") && !providerOfFile(file) && !file.startsWith("test/")) return text;
  const first = firstBareSection(text);
  if (first === undefined) return text;
  let p = providerOfFile(file);
  if (!p) {
    const named = PROVIDERS.filter((x) => new RegExp(`\\b${x}\\b`, "i").test(text));
    if (named.length === 1) p = named[0];
  }
  if (!p) return text;
  const doc = providerDoc(p, file);
  const before = text.slice(0, first);
  const bracket = /\[([DAK])\s$/.exec(before);
  const head = bracket ? `${before.slice(0, -bracket[0].length)}[${bracket[1]}, ${doc} ` : `${before}${doc} `;
  return head + text.slice(first);
}

/** Index of the first § with no Markdown document mentioned before it, or undefined. */
export function firstBareSection(text) {
  for (const m of text.matchAll(SECTION)) {
    const before = text.slice(0, m.index);
    if (![...before.matchAll(MD_MENTION)].some((d) => !/^[\w-]+\.[a-z]{2,}\//.test(d[1]))) return m.index;
  }
  return undefined;
}

/** Comment ranges [start, end) of one file: consecutive line comments form one range. */
export function commentRanges(file, text) {
  if (CODE.test(file)) {
    // Every comment the parser attaches to a node (leading or trailing), so strings, templates and
    // regular expressions that contain "//" are never taken for comments.
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const found = new Map();
    const visit = (node) => {
      for (const c of [...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []), ...(ts.getTrailingCommentRanges(text, node.getEnd()) ?? [])]) {
        found.set(c.pos, c);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    const ranges = [];
    for (const c of [...found.values()].sort((a, b) => a.pos - b.pos)) {
      const line = c.kind === ts.SyntaxKind.SingleLineCommentTrivia;
      const last = ranges.at(-1);
      if (last && line && last.line && /^[ \t]*\r?\n[ \t]*$/.test(text.slice(last.end, c.pos))) last.end = c.end;
      else ranges.push({ start: c.pos, end: c.end, line });
    }
    return ranges;
  }
  if (file.endsWith(".sh")) {
    const ranges = [];
    let pos = 0;
    for (const line of text.split("\n")) {
      const m = /^\s*#(?!!)/.exec(line);
      if (m) ranges.push({ start: pos, end: pos + line.length });
      pos += line.length + 1;
    }
    return ranges;
  }
  if (file.endsWith(".md")) {
    const ranges = [];
    const re = /(?:[^\n]+\n?)+/g;
    for (const m of text.matchAll(re)) ranges.push({ start: m.index, end: m.index + m[0].length });
    return ranges;
  }
  return [];
}

export function sourceFiles(root = ROOT) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && e.name !== "dist" && !e.name.startsWith(".")) walk(rel);
      } else if ((CODE.test(e.name) || e.name.endsWith(".sh") || e.name.endsWith(".md")) && !SKIP.has(rel)) {
        out.push(rel);
      }
    }
  };
  for (const d of SCANNED_DIRS) walk(d);
  return out.sort();
}

function main() {
  const check = process.argv.includes("--check");
  const changed = [];
  const unresolved = [];
  for (const file of sourceFiles()) {
    const text = readFileSync(join(ROOT, file), "utf8");
    let out = text;
    for (const r of commentRanges(file, text).reverse()) {
      const unit = out.slice(r.start, r.end);
      const next = rewriteUnit(unit, file);
      if (next !== unit) out = out.slice(0, r.start) + next + out.slice(r.end);
    }
    for (const r of commentRanges(file, out)) {
      const unit = out.slice(r.start, r.end);
      if (!SELF_CITING.test(file) && !(file.endsWith(".md") && !providerOfFile(file) && !file.startsWith("test/")) && firstBareSection(unit) !== undefined) {
        const line = out.slice(0, r.start).split("\n").length;
        unresolved.push(`${file}:${line}: a § with no document named before it: ${unit.trim().split("\n")[0].slice(0, 100)}`);
      }
    }
    if (out !== text) {
      changed.push(file);
      if (!check) writeFileSync(join(ROOT, file), out);
    }
  }
  for (const f of changed) console.log(`${check ? "would rewrite" : "rewrote"} ${f}`);
  for (const u of unresolved) console.error(`unresolved: ${u}`);
  console.log(`${changed.length} file(s) ${check ? "to rewrite" : "rewritten"}, ${unresolved.length} unresolved citation(s)`);
  if (unresolved.length > 0 || (check && changed.length > 0)) process.exitCode = 1;
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === "") main();
