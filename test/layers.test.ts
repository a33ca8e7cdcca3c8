import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { providers } from "../src/providers/registry.js";

/**
 * Dependencies point down the layers: cli → engine → core, with providers, http, state and
 * config below the engine. Checked on the sources: every relative import (static, dynamic, re-export;
 * type-only imports included, since they couple the code as much) of every non-test module.
 */
const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Which top-level folders each layer may import from (its own always allowed). */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ["engine", "core", "config", "providers", "http", "state", "sandbox"],
  engine: ["core", "config", "providers", "http", "state"],
  config: ["core", "providers"],
  providers: ["core", "http"],
  state: ["core"],
  http: ["core"],
  sandbox: ["core", "http"],
  core: [],
};

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? modules(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => resolve(dirname(file), m[1] as string));
}

const layerOf = (path: string): string => relative(SRC, path).split("/")[0] as string;

describe("layering", () => {
  it("every module imports only from its own layer or the layers below it", () => {
    const files = modules(SRC);
    expect(files.length).toBeGreaterThan(50);
    const violations: string[] = [];
    const layers = new Set<string>();
    for (const file of files) {
      const from = layerOf(file);
      layers.add(from);
      for (const target of imports(file)) {
        const to = layerOf(target);
        if (to === from) continue;
        if (!(ALLOWED[from] ?? []).includes(to)) violations.push(`${relative(SRC, file)} imports ${relative(SRC, target)} (${from} → ${to})`);
      }
    }
    // A new top-level folder must be placed in a layer here.
    expect([...layers].filter((l) => !(l in ALLOWED) && !l.endsWith(".ts"))).toEqual([]);
    expect(violations).toEqual([]);
  });

  it("the checker sees a violation (an engine module importing the CLI would be caught)", () => {
    const probe = join(SRC, "engine", "probe.ts");
    const target = resolve(dirname(probe), "../cli/io.js");
    expect(layerOf(target)).toBe("cli");
    expect(ALLOWED.engine).not.toContain(layerOf(target));
  });
});

// ---------------------------------------------------------------------------------------------------
// No provider above the providers: the core, the engine and the state decide nothing by a provider's
// name (issue 21). Comments may name providers (examples help a reader); code may not.

/** The source without comments (printed back from its syntax tree; types, strings and templates kept). */
function codeOf(file: string, text: string = readFileSync(file, "utf8")): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return ts.createPrinter({ removeComments: true }).printFile(source);
}

/** Lines of `code` that name one of `names` (case-insensitive, also inside longer words: ExtrovertStyle). */
function namedIn(code: string, names: readonly string[]): string[] {
  const pattern = new RegExp(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "i");
  return code.split("\n").filter((line) => pattern.test(line));
}

const GENERIC_LAYERS = ["core", "engine", "state"];

describe("no provider names in the generic layers", () => {
  const names = [...new Set(providers().flatMap((p) => [p.id, p.displayName]))];

  it("no registered provider's id or display name appears in code lines of src/core, src/engine, src/state", () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
    const files = GENERIC_LAYERS.flatMap((layer) => modules(join(SRC, layer)));
    expect(files.length).toBeGreaterThan(15);
    const found = files.flatMap((file) => namedIn(codeOf(file), names).map((line) => `${relative(SRC, file)}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it("the check sees a name in code, in a type or a template, and not in a comment", () => {
    const snippet = [
      "// Extrovert has no read API: a comment may say so",
      "/** Puffle, Altur */",
      'const readable = provider !== "extrovert";',
      "type K = `${string}Campaign` | 'PuffleCampaign';",
      "const url = `https://${host}/altur`;",
    ].join("\n");
    const lines = namedIn(codeOf("probe.ts", snippet), names);
    expect(lines).toHaveLength(3);
    expect(lines.join("\n")).not.toMatch(/comment|Puffle, Altur/);
  });
});

// ---------------------------------------------------------------------------------------------------
// No run-time import cycles: a module of a cycle can run before what it imports is initialised
// (undefined at first use, or a TDZ error), depending on which module is loaded first.

/** Relative imports that exist at run time: not `import type`, not `export type`, not dynamic `import()` (lazy). */
function runtimeImports(file: string, text: string = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const stmt of source.statements) {
    let spec: ts.Expression | undefined;
    if (ts.isImportDeclaration(stmt) && !stmt.importClause?.isTypeOnly) spec = stmt.moduleSpecifier;
    if (ts.isExportDeclaration(stmt) && !stmt.isTypeOnly) spec = stmt.moduleSpecifier;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith(".")) out.push(resolve(dirname(file), spec.text.replace(/\.js$/, ".ts")));
  }
  return out;
}

/** Every cycle's modules (strongly connected components with more than one module, or a self-import). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

describe("no run-time import cycles in src/", () => {
  it("no module reaches itself through run-time imports", () => {
    const graph = new Map(modules(SRC).map((file) => [file, runtimeImports(file)]));
    const found = cycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(" ↔ "));
    expect(found).toEqual([]);
  });

  it("the finder sees a cycle, and ignores type-only and dynamic imports", () => {
    const a = join(SRC, "a.ts");
    const b = join(SRC, "b.ts");
    const c = join(SRC, "c.ts");
    expect(runtimeImports(a, 'import type { X } from "./b.js";\nexport type { Y } from "./c.js";\nconst m = await import("./b.js");')).toEqual([]);
    expect(runtimeImports(a, 'import { type X } from "./b.js";\nexport { y } from "./c.js";')).toEqual([b, c]);
    const graph = new Map([
      [a, [b]],
      [b, [c]],
      [c, [a]],
      [join(SRC, "d.ts"), [a]],
    ]);
    expect(cycles(graph)).toEqual([[a, b, c]]);
    expect(cycles(new Map([[a, [b]], [b, []]]))).toEqual([]);
  });
});
