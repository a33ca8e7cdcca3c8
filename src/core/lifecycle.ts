import type { KindCapabilities, Lifecycle } from "./capabilities.js";
import type { JsonObject } from "./json.js";

/**
 * The lifecycle rules every layer asks the same question of (issue 21, "one of each"): whether a live
 * status already satisfies a desired one, and which live objects may be adopted for a declaration by
 * their name. Pure: data in, answer out.
 */

/**
 * Whether live `status` satisfies the desired status: it is the desired status itself, or one the
 * kind lists for it in `lifecycle.satisfies` (Altur `active` is also satisfied by `cooldown`).
 *
 * One rule where there were two fallbacks: the planner and drift took `satisfies[desired] ?? [desired]`
 * (a listed desired status not satisfied by itself when its list omits it), apply took
 * `status === desired || satisfies[desired].includes(status)`. Every real kind lists the desired status
 * in its own list, so the two agreed; a status always satisfies itself now.
 */
export function statusSatisfies(lifecycle: Pick<Lifecycle, "satisfies">, desired: string, status: string | undefined): boolean {
  if (status === undefined) return false;
  return status === desired || (lifecycle.satisfies[desired] ?? []).includes(status);
}

/**
 * Whether a live object may be adopted by its name for `desired` (a declared spec, a create body, or
 * just `{ [nameField]: name }` for a pending create whose file is gone): its name is exactly the
 * desired name, and every lifecycle flag set on it (Altur `archived`) is set by `desired` too. A flag
 * cannot be undone, so an object that carries one is retired: it is taken only by a declaration that
 * asks for the flag, never by one that wants a working object (nor by a create that was interrupted —
 * a create never sets a flag).
 */
export function adoptableByName(caps: Pick<KindCapabilities, "nameField" | "lifecycle">, desired: JsonObject, live: { spec: JsonObject }): boolean {
  const name = desired[caps.nameField];
  if (name === undefined || live.spec[caps.nameField] !== name) return false;
  return Object.keys(caps.lifecycle.flags ?? {}).every((flag) => live.spec[flag] !== true || desired[flag] === true);
}

/**
 * The live objects that may be adopted by name for `desired`: adoptable (see adoptableByName) and not
 * bound to any address yet (`claimed`: ids state records). One candidate is adopted; more than one is
 * ambiguous and left to `campaignctl state adopt`.
 */
export function adoptionCandidates<T extends { id: string; spec: JsonObject }>(
  caps: Pick<KindCapabilities, "nameField" | "lifecycle">,
  desired: JsonObject,
  listed: readonly T[],
  /** Ids bound to an address already (a set, or a map keyed by id). */
  claimed: { has(id: string): boolean },
): T[] {
  return listed.filter((c) => !claimed.has(c.id) && adoptableByName(caps, desired, c));
}
