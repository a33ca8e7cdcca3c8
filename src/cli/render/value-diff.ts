import { placeholderAddress } from "../../core/refs.js";
import { isJsonObject, jsonEqual, type JsonValue } from "../../core/json.js";

/**
 * Nested, complete rendering of one field change (Terraform-like): objects key by key with unchanged
 * keys folded into a count, lists of records aligned by content and position, sets as added/removed
 * members, multi-line text as a line diff. Nothing is ever cut: every changed value is shown whole.
 *
 * The output is a list of abstract lines; the text and markdown renderers lay them out.
 */
export type DiffMark = "+" | "-" | "~" | " " | "!" | "-/+";

export interface DiffLine {
  /** Nesting level below the field (0 = the field's own line). */
  depth: number;
  mark: DiffMark;
  text: string;
  /** A comment such as "# 3 unchanged attributes hidden" or a closing bracket. */
  quiet?: boolean;
}

export interface ValueDiffOptions {
  /** Dotted paths (array indices left out) of arrays compared as sets. */
  setPaths?: readonly string[];
}

/** Beyond this many characters on one line, before and after go on lines of their own. */
const INLINE_LIMIT = 100;

/** A scalar as it appears in a diff: JSON, so strings are quoted and control characters escaped. */
export function scalarText(v: JsonValue): string {
  // The id of an object this apply creates or replaces (docs/design.md §11): unknown until then, as in Terraform.
  if (placeholderAddress(v) !== undefined) return "(known after apply)";
  return JSON.stringify(v);
}

function isMultiline(v: JsonValue | undefined): v is string {
  return typeof v === "string" && v.includes("\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A short label for a record in a list: its `type` (Puffle steps) or `name`, when it has one. */
function recordLabel(v: JsonValue | undefined): string {
  if (!isJsonObject(v)) return "";
  for (const k of ["type", "name", "day"]) {
    const t = v[k];
    if (typeof t === "string") return ` ${t}`;
  }
  return "";
}

/** Lines of a whole value (added or removed), every line carrying `mark`. */
function wholeValue(label: string, v: JsonValue, mark: DiffMark, depth: number, out: DiffLine[]): void {
  const head = label === "" ? "" : `${label}: `;
  if (isJsonObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) {
      out.push({ depth, mark, text: `${head}{}` });
      return;
    }
    out.push({ depth, mark, text: `${head}{` });
    for (const k of keys) wholeValue(k, v[k] as JsonValue, mark, depth + 1, out);
    out.push({ depth, mark, text: "}" });
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push({ depth, mark, text: `${head}[]` });
      return;
    }
    if (v.every((x) => !isJsonObject(x) && !Array.isArray(x) && !isMultiline(x))) {
      const inline = `${head}[${v.map((x) => scalarText(x)).join(", ")}]`;
      if (inline.length <= INLINE_LIMIT) {
        out.push({ depth, mark, text: inline });
        return;
      }
    }
    out.push({ depth, mark, text: `${head}[` });
    v.forEach((x, i) => wholeElement(i, x, mark, depth + 1, out));
    out.push({ depth, mark, text: "]" });
    return;
  }
  if (isMultiline(v)) {
    out.push({ depth, mark, text: `${head}<<EOT` });
    for (const line of v.split("\n")) out.push({ depth: depth + 1, mark, text: line });
    out.push({ depth, mark, text: "EOT" });
    return;
  }
  out.push({ depth, mark, text: `${head}${scalarText(v)}` });
}

function wholeElement(index: number, v: JsonValue, mark: DiffMark, depth: number, out: DiffLine[]): void {
  if (isJsonObject(v)) {
    const lines: DiffLine[] = [];
    wholeValue("", v, mark, depth, lines);
    const first = lines[0] as DiffLine;
    first.text = `[${index}]${recordLabel(v)} ${first.text}`;
    out.push(...lines);
    return;
  }
  wholeValue(`[${index}]`, v, mark, depth, out);
}

/** Longest common subsequence of two lists under `eq`: the matched index pairs, in order. */
export function alignLists<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): [number, number][] {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    // Too big to align: match equal elements at the same position only.
    const pairs: [number, number][] = [];
    for (let i = 0; i < Math.min(n, m); i++) if (eq(a[i] as T, b[i] as T)) pairs.push([i, i]);
    return pairs;
  }
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = dp[i] as Uint32Array;
    const below = dp[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = eq(a[i] as T, b[j] as T) ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (eq(a[i] as T, b[j] as T)) {
      pairs.push([i, j]);
      i += 1;
      j += 1;
    } else if ((dp[i + 1] as Uint32Array)[j]! >= (dp[i] as Uint32Array)[j + 1]!) i += 1;
    else j += 1;
  }
  return pairs;
}

type ListEvent =
  | { kind: "same"; count: number }
  | { kind: "removed"; before: number }
  | { kind: "added"; after: number }
  | { kind: "changed"; before: number; after: number };

function sameKind(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (isJsonObject(a) && isJsonObject(b)) return recordLabel(a) === recordLabel(b);
  return false;
}

/**
 * Align two lists: equal elements are anchors (content); between anchors, records of the same
 * type are paired in order and shown as changed (position), the rest as removed or added.
 */
function listEvents(before: readonly JsonValue[], after: readonly JsonValue[]): ListEvent[] {
  const anchors = alignLists(before, after, jsonEqual);
  const events: ListEvent[] = [];
  let bi = 0;
  let ai = 0;
  const gap = (bEnd: number, aEnd: number) => {
    const removed: number[] = [];
    for (let i = bi; i < bEnd; i++) removed.push(i);
    const added: number[] = [];
    for (let j = ai; j < aEnd; j++) added.push(j);
    const pairedWith = new Map<number, number>();
    let next = 0;
    const unpairedRemoved: number[] = [];
    for (const r of removed) {
      let found = -1;
      for (let k = next; k < added.length; k++) {
        if (sameKind(before[r], after[added[k] as number])) {
          found = k;
          break;
        }
      }
      if (found < 0) unpairedRemoved.push(r);
      else {
        pairedWith.set(added[found] as number, r);
        next = found + 1;
      }
    }
    for (const r of unpairedRemoved) events.push({ kind: "removed", before: r });
    for (const a of added) {
      const r = pairedWith.get(a);
      events.push(r === undefined ? { kind: "added", after: a } : { kind: "changed", before: r, after: a });
    }
  };
  for (const [b, a] of anchors) {
    gap(b, a);
    const last = events[events.length - 1];
    if (last?.kind === "same") last.count += 1;
    else events.push({ kind: "same", count: 1 });
    bi = b + 1;
    ai = a + 1;
  }
  gap(before.length, after.length);
  return events;
}

function diffList(head: string, before: readonly JsonValue[], after: readonly JsonValue[], path: string, depth: number, out: DiffLine[], opts: ValueDiffOptions): void {
  out.push({ depth, mark: "~", text: `${head}[` });
  if (opts.setPaths?.includes(path)) {
    const removed = before.filter((x) => !after.some((y) => jsonEqual(x, y)));
    const added = after.filter((y) => !before.some((x) => jsonEqual(x, y)));
    const kept = after.length - added.length;
    for (const x of removed) wholeValue("", x, "-", depth + 1, out);
    for (const y of added) wholeValue("", y, "+", depth + 1, out);
    if (kept > 0) out.push({ depth: depth + 1, mark: " ", text: `# ${plural(kept, "unchanged member")} hidden`, quiet: true });
    out.push({ depth, mark: " ", text: "]", quiet: true });
    return;
  }
  for (const e of listEvents(before, after)) {
    if (e.kind === "same") out.push({ depth: depth + 1, mark: " ", text: `# ${plural(e.count, "unchanged element")} hidden`, quiet: true });
    else if (e.kind === "removed") wholeElement(e.before, before[e.before] as JsonValue, "-", depth + 1, out);
    else if (e.kind === "added") wholeElement(e.after, after[e.after] as JsonValue, "+", depth + 1, out);
    else {
      const index = e.before === e.after ? `[${e.after}]` : `[${e.before} → ${e.after}]`;
      diffValue(`${index}${recordLabel(after[e.after])}`, before[e.before], after[e.after] as JsonValue, path, depth + 1, out, opts, true);
    }
  }
  out.push({ depth, mark: " ", text: "]", quiet: true });
}

function diffText(head: string, before: string, after: string, depth: number, out: DiffLine[]): void {
  const a = before.split("\n");
  const b = after.split("\n");
  out.push({ depth, mark: "~", text: `${head}<<EOT` });
  const pairs = alignLists(a, b, (x, y) => x === y);
  let i = 0;
  let j = 0;
  const flush = (iEnd: number, jEnd: number) => {
    for (; i < iEnd; i++) out.push({ depth: depth + 1, mark: "-", text: a[i] as string });
    for (; j < jEnd; j++) out.push({ depth: depth + 1, mark: "+", text: b[j] as string });
  };
  for (const [pi, pj] of pairs) {
    flush(pi, pj);
    out.push({ depth: depth + 1, mark: " ", text: a[pi] as string });
    i = pi + 1;
    j = pj + 1;
  }
  flush(a.length, b.length);
  out.push({ depth, mark: " ", text: "EOT", quiet: true });
}

/**
 * Lines for one value change. `label` is the key (or `[index] type` inside a list); `path` is the
 * dotted path used to look up set semantics. `before` undefined means added, `after` undefined removed.
 */
export function diffValue(
  label: string,
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: string,
  depth: number,
  out: DiffLine[],
  opts: ValueDiffOptions = {},
  inList = false,
): void {
  const head = label === "" ? "" : inList ? `${label} ` : `${label}: `;
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    wholeValue(label, after as JsonValue, "+", depth, out);
    return;
  }
  if (after === undefined) {
    wholeValue(label, before, "-", depth, out);
    return;
  }
  if (jsonEqual(before, after)) return;
  if (isJsonObject(before) && isJsonObject(after)) {
    out.push({ depth, mark: "~", text: `${head}{` });
    let unchanged = 0;
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    for (const k of keys) {
      if (jsonEqual(before[k], after[k])) unchanged += 1;
      else diffValue(k, before[k], after[k], `${path}.${k}`, depth + 1, out, opts);
    }
    if (unchanged > 0) out.push({ depth: depth + 1, mark: " ", text: `# ${plural(unchanged, "unchanged attribute")} hidden`, quiet: true });
    out.push({ depth, mark: " ", text: "}", quiet: true });
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffList(head, before, after, path, depth, out, opts);
    return;
  }
  if (typeof before === "string" && typeof after === "string" && (isMultiline(before) || isMultiline(after))) {
    diffText(head, before, after, depth, out);
    return;
  }
  const isScalar = (v: JsonValue) => !isJsonObject(v) && !Array.isArray(v) && !isMultiline(v);
  if (isScalar(before) && isScalar(after)) {
    const inline = `${head}${scalarText(before)} → ${scalarText(after)}`;
    if (inline.length <= INLINE_LIMIT) {
      out.push({ depth, mark: "~", text: inline });
      return;
    }
  }
  // Long or differently shaped values: the old one whole, then the new one whole.
  out.push({ depth, mark: "~", text: head.trimEnd() });
  wholeValue("", before, "-", depth + 1, out);
  wholeValue("", after, "+", depth + 1, out);
}

/** Lines for a field change at the top of a campaign (depth 0). */
export function fieldDiff(path: string, before: JsonValue | undefined, after: JsonValue | undefined, opts: ValueDiffOptions = {}): DiffLine[] {
  const out: DiffLine[] = [];
  diffValue(path, before, after, path, 0, out, opts);
  return out;
}
