import { getPath, pathWithin, setPath, writeUnits } from "../core/diff.js";
import type { KindCapabilities } from "../core/capabilities.js";
import { isJsonObject, jsonEqual, type JsonObject } from "../core/json.js";
import type { PlanNote } from "../core/plan.js";
import type { StateEntry } from "../core/types.js";
import type { LiveResource } from "../providers/types.js";

/**
 * "Unknown is not absent": a managed field no read returned is filled where that is sound, the one
 * way the refresh and `state adopt` settle it (issue 21, "one of each").
 */

/** What fillUnknown settled: managed paths still unknown, and those filled from state or from the spec. */
export interface FilledUnknown {
  unknown: string[];
  fromState: string[];
  fromSpec: string[];
}

/** The dotted paths a spec manages: top-level keys, and keys inside merge paths. */
export function managedPaths(spec: JsonObject, mergePaths: readonly string[]): string[] {
  return writeUnits(spec, mergePaths).flatMap((u) => (u.merge ? [] : [u.path]));
}

function isWriteOnly(caps: KindCapabilities, path: string): boolean {
  return caps.writeOnlyFields.some((w) => pathWithin(path, w));
}

function isImmutablePath(caps: KindCapabilities, path: string): boolean {
  return caps.immutable.some((imm) => pathWithin(path, imm));
}

/** The missing paths (leaf paths a read did not carry) that touch what the spec manages. */
function lackingManaged(caps: KindCapabilities, live: LiveResource, spec: JsonObject): string[] {
  return live.missing.filter((m) => touchesManaged(m, spec, caps.mergePaths));
}

/**
 * Whether `path` lies within a path the spec manages (managedPaths), or one lies within it. Walks the
 * path down the spec as writeUnits would instead of listing every managed path (per campaign and per
 * missing path, that list was most of the refresh's own CPU at 12,000 campaigns: issue 30).
 */
function touchesManaged(path: string, spec: JsonObject, mergePaths: readonly string[]): boolean {
  let want: JsonObject = spec;
  let prefix = "";
  for (const part of path.split(".")) {
    if (!Object.hasOwn(want, part)) return false;
    prefix = prefix === "" ? part : `${prefix}.${part}`;
    const w = want[part];
    // A write unit (the walk does not descend here): `path` is within it.
    if (!(mergePaths.includes(prefix) && isJsonObject(w))) return true;
    want = w;
  }
  // `path` is a merge path the walk descends into: managed when a unit lies inside it.
  return managedPaths(spec, mergePaths).some((p) => pathWithin(p, path));
}

/**
 * A key the provider did not return is unknown — never a change. Fill what is sound from state:
 * write-only fields are only ever known from what we wrote, immutable fields cannot have changed since
 * they were applied. With `final` (no other read is coming), the rest is settled too: any field we
 * applied is compared with the last applied value (drift on it cannot be seen, and a note says so),
 * and an immutable field known from nowhere is taken from the spec — it is never planned as a replace
 * on its own. Returns the managed paths still unknown (before `final`: those a detail read may carry),
 * and (with `final`) those taken from state and from the spec. Used by the refresh and by `state adopt`.
 */
export function fillUnknown(caps: KindCapabilities, live: LiveResource, spec: JsonObject | undefined, state: StateEntry | undefined, final: boolean): FilledUnknown {
  for (const f of caps.writeOnlyFields) {
    const v = getPath(state?.applied, f);
    if (v !== undefined && getPath(live.spec, f) === undefined) setPath(live.spec, f, v);
  }
  if (!spec) return { unknown: [], fromState: [], fromSpec: [] };
  const unknown: string[] = [];
  const fromState: string[] = [];
  const fromSpec: string[] = [];
  for (const m of lackingManaged(caps, live, spec)) {
    const applied = getPath(state?.applied, m);
    const wanted = getPath(spec, m);
    if ((isWriteOnly(caps, m) || isImmutablePath(caps, m) || frozenSince(caps, live, state, m, spec)) && applied !== undefined) {
      setPath(live.spec, m, applied);
      continue;
    }
    if (!final) {
      // A write-only field is returned by no read: a detail read would not tell it either.
      if (!isWriteOnly(caps, m)) unknown.push(m);
      continue;
    }
    if (applied !== undefined) {
      setPath(live.spec, m, applied);
      fromState.push(m);
    } else if (isImmutablePath(caps, m) && wanted !== undefined) {
      setPath(live.spec, m, wanted);
      fromSpec.push(m);
    } else {
      unknown.push(m);
    }
  }
  return { unknown, fromState, fromSpec };
}

/** The plan notes for what fillUnknown settled (`final`): which paths were taken from state, from the spec, or stay unknown. */
export function unknownNotes(displayName: string, filled: FilledUnknown): PlanNote[] {
  const notes: PlanNote[] = [];
  const { unknown, fromState, fromSpec } = filled;
  const name = displayName;
  if (fromState.length > 0) {
    notes.push({ code: "unread-from-state", text: `${fromState.join(", ")}: not returned by ${name}; compared with the last applied value (a change made outside campaignctl cannot be seen)` });
  }
  if (fromSpec.length > 0) {
    notes.push({ code: "unread-from-spec", text: `${fromSpec.join(", ")}: not returned by ${name} and not recorded in state; assumed as in the spec (cannot be checked, never planned as a replace)` });
  }
  if (unknown.length > 0) {
    notes.push({ code: "unread-unknown", text: `${unknown.join(", ")}: not returned by ${name}; written as the spec says, since the live value is unknown` });
  }
  return notes;
}

/**
 * A path the provider has not been able to change since the last apply recorded it (a frozen read,
 * see KindCapabilities.frozenReads), and that the spec still wants as recorded: at that apply the live
 * value matched the recorded one (written and verified, or unchanged), so the plan is the same with
 * the recorded value as with a detail GET.
 */
function frozenSince(caps: KindCapabilities, live: LiveResource, state: StateEntry | undefined, path: string, spec: JsonObject): boolean {
  const seen = state?.observed?.status;
  if (seen === undefined || live.status === undefined) return false;
  const rule = caps.frozenReads?.find((r) => r.paths.some((p) => pathWithin(path, p)) && r.statuses.includes(seen) && r.statuses.includes(live.status!));
  return rule !== undefined && jsonEqual(getPath(spec, path), getPath(state?.applied, path));
}

