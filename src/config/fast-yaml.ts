import { createRequire } from "node:module";
import type { DocPath, Position, Target } from "./source.js";
import { yamlParses } from "./yaml-lib.js";

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
 *
 * The same scan records where every node starts (js-yaml's listener), so a file whose value draws
 * diagnostics is not parsed a second time: FastSource answers the positions the positional parser
 * would give (see FastSource), and declines — the caller then parses positionally — wherever it
 * cannot be sure (an empty list item, a structure it cannot match with the value).
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
  /** Positions from the same scan (what YamlSource.locate() gives, or FastSourceUnsure). */
  source: FastSource;
}

/** The document's value when the fast parse can be trusted, otherwise undefined. */
export function parseYamlFast(text: string): FastYaml | undefined {
  if (unsafeText(text)) return undefined;
  jsYaml ??= require("js-yaml") as JsYaml;
  yamlParses.fast += 1;
  let value: unknown;
  const collections: object[] = [];
  const top: ScanNode = { open: 0, kind: null, result: undefined, children: [] };
  const stack: ScanNode[] = [top];
  try {
    value = jsYaml.load(text, {
      schema: jsYaml.CORE_SCHEMA,
      listener(event, state) {
        if (event === "open") {
          stack.push({ open: state.position, kind: null, result: undefined, children: [] });
          return;
        }
        const node = stack.pop()!;
        node.kind = state.kind;
        node.result = state.result;
        stack[stack.length - 1]!.children.push(node);
        if (state.kind === "mapping" || state.kind === "sequence") collections.push(state.result as object);
      },
    });
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const inValue = new Set<object>();
  if (!collectAndCheckKeys(value, inValue) || collections.some((c) => !inValue.has(c))) return undefined;
  const start = contentStart(text);
  return start ? { value, start, source: new FastSource(text, top.children, value, start) } : undefined;
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

/** One node as js-yaml composed it: where its composition began, what it became, the nodes read inside it. */
interface ScanNode {
  open: number;
  kind: string | null;
  result: unknown;
  children: ScanNode[];
}

/** Thrown by FastSource.locate when its answer might differ from the positional parser's. */
export class FastSourceUnsure extends Error {
  constructor() {
    super("the fast scan cannot place this path with certainty");
  }
}

/**
 * Positions from the fast scan, with YamlSource's contract (same lines and columns for every path
 * and target). A node starts at its first character that is neither blank nor comment (js-yaml opens
 * a value right after its `:`); a key at its own first character; an empty value (`key:`) at its key;
 * a missing path at the key of the nearest existing parent. Each step checks the scan against the
 * value (same keys, same collections), and throws FastSourceUnsure where it cannot be certain.
 */
export class FastSource {
  private lineStarts: number[] | undefined;
  private readonly pairs = new Map<ScanNode, Map<string, { key: ScanNode; value: ScanNode }> | null>();

  constructor(
    private readonly text: string,
    private readonly roots: readonly ScanNode[],
    private readonly value: unknown,
    private readonly first: Position,
  ) {}

  start(): Position {
    return this.first;
  }

  locate(path: DocPath, target: Target = "value"): Position {
    if (this.roots.length !== 1 || this.text.charCodeAt(0) === 0xfeff) throw new FastSourceUnsure();
    let node = collapse(this.roots[0]!);
    let value = this.value;
    if (node.result !== value) throw new FastSourceUnsure();
    let key: ScanNode | undefined;
    for (const segment of path) {
      const next = this.child(node, value, segment);
      if (!next) return this.nodePosition(node, key, "key");
      ({ node, key, value } = next);
    }
    return this.nodePosition(node, key, target);
  }

  private child(node: ScanNode, value: unknown, segment: string | number): { node: ScanNode; key?: ScanNode; value: unknown } | undefined {
    if (node.kind === "mapping") {
      const entry = this.entries(node)?.get(String(segment));
      if (!entry) return undefined;
      const childValue = (value as Record<string, unknown>)[String(segment)];
      return { node: checked(collapse(entry.value), childValue), key: entry.key, value: childValue };
    }
    if (node.kind === "sequence" && typeof segment === "number") {
      if (!Number.isInteger(segment) || segment < 0) throw new FastSourceUnsure();
      if (node.children.length !== (value as unknown[]).length) throw new FastSourceUnsure();
      if (segment >= node.children.length) return undefined;
      const childValue = (value as unknown[])[segment];
      return { node: checked(collapse(node.children[segment]!), childValue), value: childValue };
    }
    return undefined;
  }

  /** A mapping's keys and values, in pairs as the scan composed them; throws unless they are exactly the value's keys. */
  private entries(node: ScanNode): Map<string, { key: ScanNode; value: ScanNode }> {
    let found = this.pairs.get(node);
    if (found === undefined) {
      found = pairUp(node);
      this.pairs.set(node, found);
    }
    if (found === null) throw new FastSourceUnsure();
    return found;
  }

  private nodePosition(node: ScanNode, key: ScanNode | undefined, target: Target): Position {
    if (key && (target === "key" || node.kind === null)) return this.at(key.open);
    if (node.kind === null) throw new FastSourceUnsure();
    return this.at(skipSeparation(this.text, node.open));
  }

  private at(offset: number): Position {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = this.text.indexOf("\n"); i !== -1; i = this.text.indexOf("\n", i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }
}

/**
 * js-yaml composes a value that starts on the next line (`key:` then an indented `[a]` or text) in a
 * node of its own inside the value's node: the inner one is the same value.
 */
function collapse(node: ScanNode): ScanNode {
  let current = node;
  while (current.children.length === 1 && current.children[0]!.result === current.result && current.children[0]!.kind === current.kind && current.kind !== "scalar") {
    current = current.children[0]!;
  }
  return current;
}

/** The scan node matches the value: the same collection, or a scalar (an empty node for null). */
function checked(node: ScanNode, value: unknown): ScanNode {
  const ok =
    value !== null && typeof value === "object"
      ? node.result === value && (node.kind === "mapping" || node.kind === "sequence")
      : node.kind === "scalar" || (node.kind === null && value === null);
  if (!ok) throw new FastSourceUnsure();
  return node;
}

function pairUp(node: ScanNode): Map<string, { key: ScanNode; value: ScanNode }> | null {
  const value = node.result;
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const kids = node.children;
  // A block mapping's last attempt at a key that is not there leaves an empty node behind.
  const count = kids.length % 2 === 1 && kids.at(-1)!.kind === null ? kids.length - 1 : kids.length;
  if (count % 2 !== 0) return null;
  const pairs = new Map<string, { key: ScanNode; value: ScanNode }>();
  for (let i = 0; i < count; i += 2) {
    const key = kids[i]!;
    if (key.kind !== "scalar" || (key.result !== null && typeof key.result === "object")) return null;
    const name = String(key.result);
    if (pairs.has(name) || !Object.prototype.hasOwnProperty.call(value, name)) return null;
    pairs.set(name, { key, value: kids[i + 1]! });
  }
  return pairs.size === Object.keys(value).length ? pairs : null;
}

/** The first offset from `offset` that is neither blank, line break nor comment. */
function skipSeparation(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i += 1;
    else if (c === 35) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else break;
  }
  return i;
}
