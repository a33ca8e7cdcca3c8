import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "./json.js";

/**
 * Normalise before comparing (gitops-engine style): live is projected onto the shape the spec
 * manages — object keys the spec omits are dropped, recursively, array elements pairwise — so
 * server-owned fields and unmanaged keys never show up as changes. Opaque paths skip the projection.
 */
export function projectOnto(desired: JsonValue | undefined, live: JsonValue | undefined): JsonValue | undefined {
  if (live === undefined) return undefined;
  if (isJsonObject(desired) && isJsonObject(live)) {
    const out: JsonObject = {};
    for (const key of Object.keys(desired)) {
      const v = projectOnto(desired[key], live[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    // Records are projected onto a desired record of the same kind (same `type`): the one at the
    // same position, else the first of that kind. A record of a kind the spec does not hold stays
    // whole, so `before` never shows a step's content cut down to another step's keys.
    return live.map((item, i) => {
      if (!isJsonObject(item)) return item;
      const template = sameKind(desired[i], item) ? desired[i] : desired.find((d) => sameKind(d, item));
      return template === undefined ? item : (projectOnto(template, item) ?? null);
    });
  }
  return live;
}

function sameKind(a: JsonValue | undefined, b: JsonValue): boolean {
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  return a.type === b.type;
}

export interface UnitDiff {
  path: string;
  before?: JsonValue;
  after: JsonValue;
  /** The field is left out of the body from now on (the feature is switched off); `after` is null. */
  off?: true;
}

export interface DiffOptions {
  /** Dotted paths where the provider merges key by key: recurse into them. */
  mergePaths: readonly string[];
  /** Dotted paths compared whole, without projection. */
  opaquePaths: readonly string[];
  /** Dotted paths of arrays compared as sets. */
  unorderedPaths?: readonly string[];
  /** Top-level fields to leave out (lifecycle fields handled separately). */
  skip?: readonly string[];
}

/**
 * One step of the walk over a spec's write units (writeUnits): a unit (a top-level field, or a key
 * inside a merge path) with the desired and live values at it, or — `merge: true`, before the units
 * inside it — a merge path the walk descended into.
 */
export interface WriteUnit {
  path: string;
  want: JsonValue;
  have: JsonValue | undefined;
  merge?: true;
}

/**
 * The write units of `desired`, in its key order (`sorted`: each level's keys sorted), the one walk
 * the diff, the refresh (what a spec manages) and `state adopt` (live projected onto the spec) share.
 * A merge path is descended into when `desired` holds an object there and, when `live` is given, live
 * does too (the provider merges key by key only into an existing object); without `live`, on `desired`
 * alone.
 */
export function writeUnits(desired: JsonObject, mergePaths: readonly string[], live?: JsonObject, sorted = false): WriteUnit[] {
  const out: WriteUnit[] = [];
  const walk = (want: JsonObject, have: JsonObject | undefined, prefix: string): void => {
    const keys = Object.keys(want);
    for (const key of sorted ? keys.sort() : keys) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      const w = want[key] as JsonValue;
      const h = have?.[key];
      if (mergePaths.includes(path) && isJsonObject(w) && (live === undefined || isJsonObject(h))) {
        out.push({ path, want: w, have: h, merge: true });
        walk(w, isJsonObject(h) ? h : undefined, path);
      } else {
        out.push({ path, want: w, have: h });
      }
    }
  };
  walk(desired, live, "");
  return out;
}

/**
 * The write units that differ between desired and live. A unit is a top-level field, or a key
 * inside a merge path. `before` is the projected live value (what the user can compare against).
 */
export function diffUnits(desired: JsonObject, live: JsonObject, opts: DiffOptions): UnitDiff[] {
  const out: UnitDiff[] = [];
  const top = opts.skip?.length ? Object.fromEntries(Object.entries(desired).filter(([k]) => !opts.skip?.includes(k))) : desired;
  for (const { path, want, have, merge } of writeUnits(top, opts.mergePaths, live, true)) {
    if (merge) continue;
    const projected = opts.opaquePaths.includes(path) ? have : projectOnto(want, have);
    const unordered = opts.unorderedPaths?.includes(path) === true;
    if (!jsonEqual(unordered ? sortedSet(want) : want, unordered ? sortedSet(projected) : projected)) {
      out.push(projected === undefined ? { path, after: want } : { path, before: projected, after: want });
    }
  }
  return out;
}

function sortedSet(v: JsonValue | undefined): JsonValue | undefined {
  if (!Array.isArray(v)) return v;
  return [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Read a dotted path. */
export function getPath(obj: JsonObject | undefined, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = obj;
  for (const part of path.split(".")) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * Write a dotted path, creating (or replacing non-object) parents: setPath(o, "cycles.mode", "cooldown").
 * A frozen parent on the way is a subtree shared with other campaigns (sharedSubtrees in core/json.ts):
 * it is replaced by a copy of its own (same keys in the same order) before the write.
 */
export function setPath(obj: JsonObject, path: string, value: JsonValue): void {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    cur = isJsonObject(next) ? (Object.isFrozen(next) ? (cur[p] = { ...next }) : next) : (cur[p] = {});
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** Build a nested body from dotted paths: {"cycles.cooldown_minutes": 60} → {cycles:{cooldown_minutes:60}}. */
export function bodyFromPaths(entries: readonly (readonly [string, JsonValue])[]): JsonObject {
  const body: JsonObject = {};
  for (const [path, value] of entries) {
    const parts = path.split(".");
    let cur = body;
    for (const part of parts.slice(0, -1)) {
      const next = cur[part];
      if (isJsonObject(next)) cur = next;
      else cur = cur[part] = {};
    }
    cur[parts[parts.length - 1] as string] = value;
  }
  return body;
}

/** True when `path` is `prefix` or lies below it. */
export function pathWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`);
}

/**
 * A copy of `obj` without the dotted `paths` (metadata.ignoreChanges, docs/design.md §16): a field left
 * out of the spec is neither planned nor reported as drift. Parents emptied by the removal are dropped too.
 */
export function omitPaths(obj: JsonObject, paths: readonly string[]): JsonObject {
  if (paths.length === 0) return obj;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (paths.includes(k)) continue;
    const below = paths.filter((p) => p.startsWith(`${k}.`)).map((p) => p.slice(k.length + 1));
    if (below.length > 0 && isJsonObject(v)) {
      const kept = omitPaths(v, below);
      if (Object.keys(kept).length > 0) out[k] = kept;
    } else {
      out[k] = v;
    }
  }
  return out;
}
