import { getPath, pathWithin, projectOnto, setPath } from "../core/diff.js";
import type { KindCapabilities } from "../core/capabilities.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { CampaignDecl } from "../core/types.js";
import { mergeLive } from "../providers/mapping.js";
import type { KindSession } from "./session.js";

/** What `state adopt` records for an object read back by id. */
export interface LiveAdoption {
  id: string;
  applied: JsonObject;
  /** Paths no read returned: unknown, so never reported as differing. */
  missing: readonly string[];
  /** Immutable paths no read returned, recorded as the spec says. */
  assumed: readonly string[];
}

/**
 * Read one object by id through the session of its own kind (`sessionForKind(account, decl.kind)`),
 * for `state adopt`: its detail, merged with its list view where the kind's client can look it up
 * (Altur: status, retries, ... live only there), projected onto what the spec manages. Returns
 * "unreadable" when the kind's client cannot read one object (the caller records the declared spec),
 * undefined when the provider answers 404.
 */
export async function readForAdoption(session: KindSession, decl: CampaignDecl, id: string): Promise<LiveAdoption | undefined | "unreadable"> {
  const client = session.client;
  if (!session.kind.capabilities.readable || !client.get) return "unreadable";
  const detail = await client.get(id);
  if (!detail) return undefined;
  const listed = client.lookup ? await client.lookup(detail.id, { spec: decl.spec }) : undefined;
  const live = listed ? mergeLive(listed, detail) : detail;
  const caps = session.kind.capabilities;
  const applied = projectLive(decl.spec, live.spec, caps);
  // An immutable field no read returns (Altur integration_type, cycles.mode) is recorded as the spec
  // says — like the refresh does — so it never plans a replace; a mutable one stays unrecorded and the
  // next apply writes it.
  const assumed = live.missing.filter((m) => caps.immutable.some((imm) => pathWithin(m, imm)) && getPath(decl.spec, m) !== undefined);
  for (const m of assumed) setPath(applied, m, getPath(decl.spec, m) as JsonValue);
  const missing = live.missing.filter((m) => !assumed.includes(m));
  return { id: live.id, applied, missing, assumed };
}

/**
 * Live values projected onto the fields the spec manages, the same way the planner compares them:
 * keys the spec omits are dropped (recursively, through merge paths), opaque paths are kept whole,
 * and fields live does not report (write-only) are left out so the next plan sends them.
 */
export function projectLive(spec: JsonObject, live: JsonObject, caps: Pick<KindCapabilities, "mergePaths" | "opaquePaths">, prefix = ""): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(spec)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const want = spec[key] as JsonValue;
    const have = live[key];
    if (have === undefined) continue;
    if (caps.mergePaths.includes(path) && isJsonObject(want) && isJsonObject(have)) {
      out[key] = projectLive(want, have, caps, path);
      continue;
    }
    const value = caps.opaquePaths.includes(path) ? have : projectOnto(want, have);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
