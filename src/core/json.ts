/** JSON value types shared by every layer. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep structural equality for JSON values (object key order ignored, array order significant). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Deterministic JSON: object keys sorted recursively. Used for state, plan files and fingerprints. */
export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isJsonObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
    return out;
  }
  return value;
}

/**
 * Makes `target` hold the very strings of `reference` wherever the two have an equal string at the
 * same path (in place; values are unchanged). A campaign's declared spec, its last applied body in
 * state and its live view mostly hold the same texts, each read from its own source: shared, they are
 * kept once (issue 30: these copies were 29 MB of 49 MB of strings at 30,000 campaigns). Own
 * enumerable properties only; anything else is left as it is.
 *
 * With `subtrees`, an object or array below the top that equals the reference's at the same path
 * (sameJson: keys in the same order too) is replaced by the reference's own: the two values then share it, so this is only for
 * values nobody changes in place afterwards (the refresh's bodies: every later change makes a copy).
 */
export function shareStrings(target: unknown, reference: unknown, opts: { subtrees?: boolean } = {}, depth = 0): void {
  // A frozen value is one of the declarations' shared subtrees (sharedSubtrees): already kept once, and read-only.
  if (depth > 64 || target === reference || Object.isFrozen(target)) return;
  if (Array.isArray(target)) {
    if (!Array.isArray(reference)) return;
    const n = Math.min(target.length, reference.length);
    for (let i = 0; i < n; i++) {
      const t: unknown = target[i];
      const r: unknown = reference[i];
      if (typeof t === "string") {
        if (typeof r === "string" && t === r) target[i] = r;
      } else if (t !== null && typeof t === "object") {
        if (opts.subtrees && r !== null && typeof r === "object" && sameJson(t, r)) target[i] = r;
        else shareStrings(t, r, opts, depth + 1);
      }
    }
    return;
  }
  if (!isJsonObject(target) || !isJsonObject(reference)) return;
  for (const key of Object.keys(target)) {
    if (!Object.prototype.hasOwnProperty.call(reference, key)) continue;
    const t: unknown = target[key];
    const r: unknown = reference[key];
    if (typeof t === "string") {
      if (typeof r === "string" && t === r) target[key] = r;
    } else if (t !== null && typeof t === "object") {
      if (opts.subtrees && r !== null && typeof r === "object" && sameJson(t, r)) target[key] = r as JsonValue;
      else shareStrings(t, r, opts, depth + 1);
    }
  }
}

/** Equal JSON values with their object keys in the same order (what JSON.stringify would tell apart). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (!isJsonObject(a) || !isJsonObject(b) || Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameJson(a[k], b[k]));
}

/** Strings up to this length are pooled (names, ids, times, statuses, short texts; long texts are rarely repeated). */
const POOL_MAX_LENGTH = 128;
/** Entries before the pool starts over: a bounded table (about 2 MB) whose recurring strings come straight back. */
const POOL_CAP = 32_768;
const pool = new Map<string, string>();

/**
 * One copy of a short string that campaigns repeat (`09:00`, a sender id, `email`, a shared style id…):
 * the first copy seen since the pool last started over (`keep` makes the copy the pool holds, and what a
 * longer string becomes). Strings are values, so which copy a caller
 * holds is never observable; only the memory differs (issue 30: 100,000 campaigns each held their own).
 */
export function pooledString(s: string, keep: (s: string) => string = (x) => x): string {
  if (s.length > POOL_MAX_LENGTH) return keep(s);
  const found = pool.get(s);
  if (found !== undefined) return found;
  if (pool.size >= POOL_CAP) pool.clear();
  const kept = keep(s);
  pool.set(kept, kept);
  return kept;
}

/** Every pooled-length string inside a JSON-like value replaced by its pooled copy (in place). */
export function poolStrings(value: unknown, depth = 0): void {
  // Frozen: a shared subtree of the declarations (sharedSubtrees), whose strings were pooled when it was made.
  if (value === null || typeof value !== "object" || depth > 64 || Object.isFrozen(value)) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === "string") value[i] = pooledString(v);
      else poolStrings(v, depth + 1);
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === "string") record[key] = pooledString(v);
    else poolStrings(v, depth + 1);
  }
}

/**
 * A copy of a JSON-like value built to size: arrays exactly as long as their items (a parser that
 * pushes items leaves room for 17 or more), objects made whole from their entries. Same keys in the
 * same order (`__proto__` stays an own key), same items, same strings. What a declaration keeps of
 * its file's value (issue 30: about 150–200 bytes less per campaign).
 */
export function compactJson<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== "object" || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => compactJson(v, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactJson(v, depth + 1)])) as T;
}

/** Subtrees whose JSON text is at most this long are shared (a day's hours, a delay step, a list of statuses…). */
const SHARED_MAX_TEXT = 512;
/** Entries before the table starts over (like the string pool): at most about 2 MB of keys. */
const SHARED_CAP = 4_096;
const sharedTable = new Map<string, JsonValue>();

/**
 * A compact copy of a declared spec (compactJson) in which every object or list below the top whose
 * JSON text is short is one frozen copy shared by every declaration that has an equal one, with its
 * keys in the same order (issue 30: at 100,000 campaigns the same schedule days, sequence steps and
 * status lists were millions of small objects, about a third of a declaration's memory).
 *
 * - Equal means equal JSON text, built bottom-up from the children's: only for values JSON keeps
 *   exactly (strings, booleans, null, finite numbers other than -0); a subtree holding anything else
 *   is copied, not shared.
 * - Shared subtrees are frozen: a declaration's spec is read, never changed in place (every change,
 *   e.g. resolving a reference, is made on a copy). A write into one throws instead of silently
 *   changing other campaigns; shareStrings and poolStrings leave frozen values alone.
 * - Strings are kept as they are (the caller pools them). The table is bounded like the string pool:
 *   when it is full it starts over, and recurring subtrees come straight back.
 */
export function sharedSubtrees(spec: JsonObject): JsonObject {
  // Object.fromEntries, not assignment: a `__proto__` key stays an own key, as compactJson keeps it.
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, sharedValue(v, 1)])) as JsonObject;
}

/** One value as sharedSubtrees keeps a subtree: the shared frozen copy when its JSON text is short, else a copy to size. */
export function sharedJson<T extends JsonValue>(value: T): T {
  return sharedValue(value, 1) as T;
}

/**
 * `value` copied to size, shared when short enough: sizeOf decides (about the length of its JSON text, a
 * string's escapes not counted; see sharedSubtrees), so only short subtrees are ever serialised, and the
 * table's key is the exact JSON text, one flat string. Looked up top-down first: a subtree already in the
 * table is found with one walk that allocates nothing and one serialisation, not copied level by level
 * (most subtrees recur: 100 list items of an account share their week and statuses; issue 30, the
 * refresh of 60 accounts).
 */
function sharedValue(value: JsonValue, depth: number): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (depth > 64 || (!Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype)) return compactJson(value);
  const text = sizeOf(value, depth, SHARED_MAX_TEXT) === undefined ? undefined : JSON.stringify(value);
  if (text !== undefined) {
    const found = sharedTable.get(text);
    if (found !== undefined) return found;
  }
  let copy: JsonValue;
  if (Array.isArray(value)) {
    const items: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) items[i] = sharedValue(value[i] as JsonValue, depth + 1);
    copy = items;
  } else {
    const keys = Object.keys(value);
    const entries: [string, JsonValue][] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      entries[i] = [k, sharedValue(value[k] as JsonValue, depth + 1)];
    }
    // Object.fromEntries, not assignment: a `__proto__` key stays an own key.
    copy = Object.fromEntries(entries) as JsonObject;
  }
  if (text === undefined) return copy;
  if (sharedTable.size >= SHARED_CAP) sharedTable.clear();
  sharedTable.set(text, Object.freeze(copy) as JsonValue);
  return copy;
}

/**
 * About the length of `value`'s JSON text (a string's escapes not counted), without copying, or undefined
 * when it cannot be shared: a value JSON does not keep exactly somewhere inside, or a size past `max` (the walk stops
 * there, so a large subtree costs about `max` to rule out).
 */
function sizeOf(value: unknown, depth: number, max: number): number | undefined {
  if (typeof value === "string") return value.length + 2;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0) ? 8 : undefined;
  if (value === null || typeof value === "boolean") return 5;
  if (typeof value !== "object" || depth > 64) return undefined;
  let size = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = sizeOf(value[i], depth + 1, max - size);
      if (item === undefined) return undefined;
      size += item + 1;
      if (size > max) return undefined;
    }
    return size;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const item = sizeOf(record[k], depth + 1, max - size);
    if (item === undefined) return undefined;
    size += k.length + 4 + item;
    if (size > max) return undefined;
  }
  return size;
}
