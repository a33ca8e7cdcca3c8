import { isJsonObject, sharedJson, type JsonObject, type JsonValue } from "../core/json.js";
import type { ProviderHttp, RequestSpec } from "../http/client.js";
import { ProviderApiError, type ProviderHttpErrorInit } from "../http/errors.js";
import type { LiveResource } from "./types.js";

/** Where an answer came from: the request a provider client sent, whose client sent it, the status it got. */
export type AnswerSource = ProviderHttpErrorInit & { status?: number };

/** The source of the answer `http` got to `req` (with `status`, when known). */
export function answerSource(http: ProviderHttp, req: Pick<RequestSpec, "method" | "path" | "operation">, status?: number): AnswerSource {
  return { provider: http.provider, account: http.account, operation: req.operation, method: req.method, path: req.path, ...(status === undefined ? {} : { status }) };
}

/**
 * A 2xx answer the client cannot use as it stands (a listing that may be partial, a campaign without
 * an id): the same `ProviderApiError` (kind "answer") as a body the HTTP layer's response check
 * refuses, so every caller handles both alike (the refresh skips that account alone, apply never
 * re-sends a write the provider acted on). Printed `<provider>: <operation>: unexpected answer (<why>)`.
 */
export function unreadableAnswer(from: AnswerSource, why: string): ProviderApiError {
  return new ProviderApiError({
    ...from,
    kind: "answer",
    retryable: false,
    // The provider answered 2xx to a write: it acted, although we cannot read what it did.
    ambiguous: from.method !== "GET",
    attempts: 1,
    detail: why,
  });
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
export function mergeLive(primary: LiveResource, secondary: LiveResource): LiveResource {
  const status = primary.status ?? secondary.status;
  // Equal lists of missing paths are one frozen copy (sharedJson): at 100,000 campaigns a list each,
  // sized by its pushes, was 15 MB (issue 30).
  const missing = sharedJson(primary.missing.filter((m) => secondary.missing.includes(m)));
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

/** An id as the provider gave it (a string or a number), or the answer is unreadable. */
export function idString(v: unknown, from: AnswerSource, what = "campaign"): string {
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw unreadableAnswer(from, `a ${what} without an id (got ${JSON.stringify(v ?? null)})`);
}
