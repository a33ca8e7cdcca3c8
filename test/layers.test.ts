import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
