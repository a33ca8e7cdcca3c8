import { isJsonObject, type JsonObject, type JsonValue } from "./json.js";
import type { Address, ObjectKind } from "./types.js";

/**
 * References between managed objects (docs/design.md §11), as data and pure functions: which spec fields hold
 * the id of another object, how a `{ ref: name }` is found and replaced, the "known after apply"
 * placeholder, and the dependency order. No I/O here.
 */

/** A spec field that holds the id of a managed object of `kind` (or, with `each`, an array of such ids). */
export interface ReferenceField {
  /** Dotted spec path, e.g. "userStyleId" or "postActivityFilter.monitoredTopicIds". */
  path: string;
  /** The path holds an array; each item may be an id or a `{ ref }`. */
  each?: boolean;
  kind: ObjectKind;
}

/** A spec field whose id may be looked up by a listed, unmanaged object (`{ teamMember: "ana@acme.com" }`). */
export interface LookupField {
  path: string;
  each?: boolean;
  /** The key of the lookup object, which is also the name of the provider's lookup source. */
  key: string;
}

export type SpecLocation = (string | number)[];

export interface FoundRef {
  /** Where the `{ ref }` sits in the spec. */
  at: SpecLocation;
  name: string;
  field: ReferenceField;
}

export interface FoundLookup {
  at: SpecLocation;
  query: string;
  field: LookupField;
}

function slots(spec: JsonObject, path: string, each: boolean | undefined): { at: SpecLocation; value: JsonValue }[] {
  const parts = path.split(".");
  let cur: JsonValue | undefined = spec;
  for (const p of parts) cur = isJsonObject(cur) ? cur[p] : undefined;
  if (cur === undefined) return [];
  if (!each) return [{ at: parts, value: cur }];
  if (!Array.isArray(cur)) return [];
  return cur.map((value, i) => ({ at: [...parts, i], value }));
}

/** Every `{ ref: name }` in the reference fields of a spec. */
export function findRefs(spec: JsonObject, fields: readonly ReferenceField[]): FoundRef[] {
  const out: FoundRef[] = [];
  for (const field of fields) {
    for (const { at, value } of slots(spec, field.path, field.each)) {
      if (isJsonObject(value) && typeof value.ref === "string") out.push({ at, name: value.ref, field });
    }
  }
  return out;
}

/** Every `{ <key>: query }` in the lookup fields of a spec. */
export function findLookups(spec: JsonObject, fields: readonly LookupField[]): FoundLookup[] {
  const out: FoundLookup[] = [];
  for (const field of fields) {
    for (const { at, value } of slots(spec, field.path, field.each)) {
      const q = isJsonObject(value) ? value[field.key] : undefined;
      if (typeof q === "string") out.push({ at, query: q, field });
    }
  }
  return out;
}

/** The ids (plain strings) held in the reference fields of a spec, with the field they sit in. */
export function referencedIds(spec: JsonObject, fields: readonly ReferenceField[]): { id: string; field: ReferenceField }[] {
  const out: { id: string; field: ReferenceField }[] = [];
  for (const field of fields) for (const { value } of slots(spec, field.path, field.each)) if (typeof value === "string") out.push({ id: value, field });
  return out;
}

/** The value at a spec location (undefined where the path leaves the document). */
export function valueAt(value: JsonValue | undefined, at: readonly (string | number)[]): JsonValue | undefined {
  let cur = value;
  for (const k of at) cur = Array.isArray(cur) ? cur[k as number] : isJsonObject(cur) ? cur[k as string] : undefined;
  return cur;
}

/** A copy of `spec` with the value at each location replaced. */
export function replaceAt(spec: JsonObject, replacements: readonly { at: SpecLocation; value: JsonValue }[]): JsonObject {
  const out = structuredClone(spec);
  for (const { at, value } of replacements) {
    let cur: JsonValue = out;
    for (const key of at.slice(0, -1)) cur = (cur as Record<string | number, JsonValue>)[key] as JsonValue;
    (cur as Record<string | number, JsonValue>)[at[at.length - 1] as string | number] = value;
  }
  return out;
}

const PLACEHOLDER = /^\(known after apply: (.+)\)$/;

/**
 * The stand-in for the id of an object that only exists after apply (created or replaced in it). It
 * names the object's address so that apply can put the real id in; renderers show `(known after apply)`.
 */
export function knownAfterApply(address: Address): string {
  return `(known after apply: ${address})`;
}

/** The address a placeholder stands for, or undefined for any other value. */
export function placeholderAddress(value: unknown): Address | undefined {
  return typeof value === "string" ? PLACEHOLDER.exec(value)?.[1] : undefined;
}

/** Addresses whose ids a JSON value waits for. */
export function pendingAddresses(value: JsonValue | undefined, out: Set<Address> = new Set()): Set<Address> {
  const a = placeholderAddress(value);
  if (a !== undefined) out.add(a);
  else if (Array.isArray(value)) for (const v of value) pendingAddresses(v, out);
  else if (isJsonObject(value)) for (const v of Object.values(value)) pendingAddresses(v, out);
  return out;
}

/** `value` with every placeholder replaced by the id `idOf` gives (a placeholder it cannot fill stays). */
export function fillPlaceholders<T extends JsonValue>(value: T, idOf: (address: Address) => string | undefined): T {
  const a = placeholderAddress(value);
  if (a !== undefined) return (idOf(a) ?? value) as T;
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, idOf)) as T;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = fillPlaceholders(v as JsonValue, idOf);
    return out as T;
  }
  return value;
}

/**
 * Waves of a dependency graph: every node comes after the nodes it depends on (edges to nodes outside
 * the graph are ignored). A cycle is returned as the path that closes it, first node repeated last.
 */
export function dependencyWaves(deps: ReadonlyMap<string, readonly string[]>): { waves: string[][] } | { cycle: string[] } {
  const state = new Map<string, "visiting" | "done">();
  const depth = new Map<string, number>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const s = state.get(node);
    if (s === "done") return undefined;
    if (s === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    let d = 0;
    for (const dep of [...(deps.get(node) ?? [])].sort()) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
      d = Math.max(d, (depth.get(dep) ?? 0) + 1);
    }
    stack.pop();
    state.set(node, "done");
    depth.set(node, d);
    return undefined;
  };
  for (const node of [...deps.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return { cycle };
  }
  const waves: string[][] = [];
  for (const node of [...deps.keys()].sort()) (waves[depth.get(node) ?? 0] ??= []).push(node);
  return { waves: waves.filter((w) => w !== undefined) };
}
