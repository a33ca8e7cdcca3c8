import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { ProviderId } from "../core/types.js";
import type { LiveCampaign } from "./types.js";

/**
 * A 2xx answer the client cannot use as it stands (a listing that may be partial, a campaign without
 * an id). Printed as one line, `<provider>: <operation>: unexpected answer: <why>`.
 */
export class ProviderAnswerError extends Error {
  override name = "ProviderAnswerError";
  constructor(
    readonly provider: ProviderId,
    readonly operation: string,
    readonly why: string,
  ) {
    super(`${provider}: ${operation}: unexpected answer: ${why}`);
  }
}

function mergeObjects(primary: JsonObject, secondary: JsonObject): JsonObject {
  const out: JsonObject = { ...secondary };
  for (const [k, v] of Object.entries(primary)) {
    const other = secondary[k];
    out[k] = isJsonObject(v) && isJsonObject(other) ? mergeObjects(v, other) : v;
  }
  return out;
}

/**
 * One campaign seen through two responses (e.g. Altur's list item and its detail): every key either
 * carries, `primary` winning where both do; status from whichever has it (primary first); a path is
 * still missing only when neither carried it. Never replaces one view with the other.
 */
export function mergeLive(primary: LiveCampaign, secondary: LiveCampaign): LiveCampaign {
  const status = primary.status ?? secondary.status;
  const missing = primary.missing.filter((m) => secondary.missing.includes(m));
  const rosterCount = primary.rosterCount ?? secondary.rosterCount;
  return { id: primary.id, ...(status === undefined ? {} : { status }), spec: mergeObjects(primary.spec, secondary.spec), missing, ...(rosterCount === undefined ? {} : { rosterCount }) };
}

/** Copy the listed keys that are present (nulls kept, undefined dropped). */
export function pickPresent(source: Record<string, unknown>, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const k of keys) {
    const v = source[k];
    if (v !== undefined) out[k] = v as JsonValue;
  }
  return out;
}

/** Keys from `keys` that `source` does not carry. */
export function absentKeys(source: Record<string, unknown>, keys: readonly string[], prefix = ""): string[] {
  return keys.filter((k) => source[k] === undefined).map((k) => `${prefix}${k}`);
}

export function asObject(v: unknown): Record<string, unknown> {
  return isJsonObject(v) ? v : {};
}

export function idString(v: unknown): string {
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw new Error(`the provider answered without a campaign id (got ${JSON.stringify(v)})`);
}
