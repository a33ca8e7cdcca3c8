import { createRequire } from "node:module";
import type { Position } from "./source.js";

/**
 * A fast parse for campaign files that are probably valid: js-yaml (CORE schema) builds the plain
 * value about ten times faster than the positional parser (`yaml`, see ./source.ts), which keeps a
 * syntax tree with a range on every node. It is only a shortcut: whenever the file uses a construct
 * on which the two parsers may disagree, when js-yaml fails, or when the value draws any diagnostic
 * at all, the caller runs the positional parser from scratch, so every message (and its line and
 * column) is exactly what the positional path alone prints.
 *
 * Constructs sent to the positional parser (the two parsers differ on them, or they are rare enough
 * not to be worth a proof):
 * - anchors, aliases and tags (`&a`, `*a`, `!x`), explicit keys (`? k`), directives (`%YAML`);
 * - a collection as a key (`[a]: b`, `{a: 1}: b`: js-yaml makes a string of it; found as a collection
 *   that was parsed but is not in the value), a null key (`~: x` → "" in yaml, "null" in js-yaml);
 * - plain scalars whose type the two resolve differently: `0b101`, `+0x10`, `-0x10` (numbers only in
 *   js-yaml), `+.5`, `-.5` (numbers only in yaml), `-0` (0 in js-yaml, -0 in yaml);
 * - a document start marker followed by content on its line (`--- a: 1`), a line over 1024 characters
 *   (yaml refuses longer implicit keys).
 * Everything else resolves the same in both (YAML 1.2 core schema); test/validate.test.ts compares
 * the two on the examples, the fixtures and a list of tricky scalars.
 */
type JsYaml = typeof import("js-yaml");
let jsYaml: JsYaml | undefined;
const require = createRequire(import.meta.url);

/** Indicators at the start of a token ("\n" is put before the text so that its start counts). */
const UNSAFE_TOKEN = /[\s[{,](?:[&*]\S|!|\?(?:\s|$)|[+-]0x|0b[01]|[+-]\.\d|-0(?![1-9xob]))/;
const UNSAFE_LINE = /^(?:%|---[ \t]+[^\s#])/m;
const MAX_LINE = 1024;

function unsafeText(text: string): boolean {
  if (UNSAFE_TOKEN.test(`\n${text}`) || UNSAFE_LINE.test(text)) return true;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf("\n", start);
    if ((end === -1 ? text.length : end) - start > MAX_LINE) return true;
    if (end === -1) break;
    start = end + 1;
  }
  return false;
}

export interface FastYaml {
  value: unknown;
  /** Where the document's content starts (what YamlSource.start() gives). */
  start: Position;
}

/** The document's value when the fast parse can be trusted, otherwise undefined. */
export function parseYamlFast(text: string): FastYaml | undefined {
  if (unsafeText(text)) return undefined;
  jsYaml ??= require("js-yaml") as JsYaml;
  let value: unknown;
  const collections: object[] = [];
  try {
    value = jsYaml.load(text, {
      schema: jsYaml.CORE_SCHEMA,
      listener(event, state) {
        if (event === "close" && (state.kind === "mapping" || state.kind === "sequence")) collections.push(state.result as object);
      },
    });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const inValue = new Set<object>();
  if (!collectAndCheckKeys(value, inValue) || collections.some((c) => !inValue.has(c))) return undefined;
  const start = contentStart(text);
  return start ? { value, start } : undefined;
}

/** Adds every collection of the value to `seen`; false when some key came from a null. */
function collectAndCheckKeys(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== "object") return true;
  seen.add(value);
  if (Array.isArray(value)) return value.every((item) => collectAndCheckKeys(item, seen));
  for (const [key, child] of Object.entries(value)) {
    if (key === "null" || key === "Null" || key === "NULL" || key === "" || !collectAndCheckKeys(child, seen)) return false;
  }
  return true;
}

/** Line and column of the first character that is neither blank, comment nor the `---` marker. */
function contentStart(text: string): Position | undefined {
  const lines = text.split("\n", 200);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const trimmed = line.trimStart();
    if (trimmed === "" || trimmed.startsWith("#") || /^---(?:[ \t]+#.*)?[ \t]*$/.test(line)) continue;
    return { line: i + 1, col: line.length - trimmed.length + 1 };
  }
  return undefined;
}
