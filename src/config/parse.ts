import { FastSourceUnsure, parseYamlFast, type FastSource } from "./fast-yaml.js";
import { LIMITS } from "./files.js";
import { parseYamlMapping, prescan, type DocPath, type Position, type Target, type YamlSource } from "./source.js";
import type { Diagnostic } from "../core/diagnostics.js";

/** Where a document's nodes are: the fast scan's positions, or the positional parser's. */
export type DocSource = Pick<YamlSource, "locate" | "start">;

/**
 * One YAML mapping parsed once: by the fast scan (./fast-yaml.ts) when it vouches for the file and
 * the positional parser would report nothing of its own, else by the positional parser (./source.ts),
 * whose diagnostics then stand. Positions are the positional parser's either way (see FastSource);
 * where the scan cannot be sure of one, the file is parsed positionally for it, once.
 */
export function parseMappingOnce(text: string, file: string, expected?: string, what?: string): { value?: unknown; source?: DocSource; diagnostics: Diagnostic[] } {
  const fast = parseYamlFast(text);
  if (fast && parsesWithoutDiagnostics(text, file, fast.value)) {
    return { value: fast.value, source: scannedSource(fast.source, () => parseYamlMapping(text, file, expected, what).source), diagnostics: [] };
  }
  return parseYamlMapping(text, file, expected, what);
}

/** The scan's positions, and the positional parser's (built once, when first needed) where the scan is unsure. */
export function scannedSource(scan: FastSource, positional: () => YamlSource | undefined): DocSource {
  let fallback: YamlSource | undefined | null;
  return {
    start: () => scan.start(),
    locate(path: DocPath, target: Target = "value"): Position {
      if (fallback === undefined) {
        try {
          return scan.locate(path, target);
        } catch (err) {
          if (!(err instanceof FastSourceUnsure)) throw err;
        }
        fallback = positional() ?? null;
      }
      return fallback?.locate(path, target) ?? scan.start();
    },
  };
}

/**
 * The positional parser would report nothing of its own on a file the fast scan accepted: no size
 * limit is exceeded (the same limits, checked on the text and the value). Its other diagnostics
 * (syntax, duplicate keys, several documents, tags, complex keys) are for constructs the fast scan
 * already declines.
 */
export function parsesWithoutDiagnostics(text: string, file: string, value: unknown): boolean {
  return prescan(text, file) === undefined && withinLimits(value);
}

function withinLimits(value: unknown): boolean {
  if (typeof value === "string") return value.length <= LIMITS.stringLength;
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.length <= LIMITS.sequenceLength && value.every(withinLimits);
  const entries = Object.entries(value);
  return entries.length <= LIMITS.keysPerMapping && entries.every(([k, v]) => k.length <= LIMITS.stringLength && withinLimits(v));
}
