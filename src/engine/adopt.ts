import { projectOnto, setPath, writeUnits } from "../core/diff.js";
import type { KindCapabilities } from "../core/capabilities.js";
import type { JsonObject } from "../core/json.js";
import type { ResourceDecl } from "../core/types.js";
import { mergeLive } from "../providers/mapping.js";
import { fillUnknown } from "./fill-unknown.js";
import type { KindSession } from "./session.js";

/** What `state adopt` records for an object read back by id. */
export interface LiveAdoption {
  id: string;
  applied: JsonObject;
  /** Managed paths no read returned: unknown, so never reported as differing. */
  missing: readonly string[];
  /** Immutable paths no read returned, recorded as the spec says. */
  assumed: readonly string[];
  /** The status the read showed (recorded as observed: the next refresh skips reads it makes pointless). */
  status?: string;
}

/**
 * Read one object by id through the session of its own kind (`sessionForKind(account, decl.kind)`),
 * for `state adopt`: its detail, merged with its list view where the kind's client can look it up
 * (Altur: status, retries, ... live only there), projected onto what the spec manages. Returns
 * "unreadable" when the kind's client cannot read one object (the caller records the declared spec),
 * undefined when the provider answers 404.
 */
export async function readForAdoption(session: KindSession, decl: ResourceDecl, id: string): Promise<LiveAdoption | undefined | "unreadable"> {
  const client = session.client;
  if (!session.kind.capabilities.readable || !client.get) return "unreadable";
  const detail = await client.get(id);
  if (!detail) return undefined;
  const listed = client.lookup ? await client.lookup(detail.id, { spec: decl.spec }) : undefined;
  const live = listed ? mergeLive(listed, detail) : detail;
  const caps = session.kind.capabilities;
  // Unknown is filled the way the refresh fills it, with nothing recorded yet (the binding is new or
  // replaced): an immutable field no read returns (Altur integration_type, cycles.mode) is recorded as
  // the spec says, so it never plans a replace; a mutable one stays unrecorded and the next apply writes it.
  const filled = fillUnknown(caps, live, decl.spec, undefined, true);
  const applied = projectLive(decl.spec, live.spec, caps);
  return { id: live.id, applied, missing: filled.unknown, assumed: filled.fromSpec, ...(live.status === undefined ? {} : { status: live.status }) };
}

/**
 * Live values projected onto the fields the spec manages, the same way the planner compares them:
 * keys the spec omits are dropped (recursively, through merge paths), opaque paths are kept whole,
 * and fields live does not report (write-only) are left out so the next plan sends them.
 */
export function projectLive(spec: JsonObject, live: JsonObject, caps: Pick<KindCapabilities, "mergePaths" | "opaquePaths">): JsonObject {
  const out: JsonObject = {};
  for (const { path, want, have, merge } of writeUnits(spec, caps.mergePaths, live)) {
    if (merge) setPath(out, path, {});
    else if (have !== undefined) {
      const value = caps.opaquePaths.includes(path) ? have : projectOnto(want, have);
      if (value !== undefined) setPath(out, path, value);
    }
  }
  return out;
}
