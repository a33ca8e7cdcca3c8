import { createHash } from "node:crypto";
import { stableStringify, type JsonObject } from "../../core/json.js";

/** First 32 hex digits of sha256 over the stable JSON of a create body. */
export function bodyDigest(body: JsonObject): string {
  return createHash("sha256").update(stableStringify(body)).digest("hex").slice(0, 32);
}

/**
 * The Idempotency-Key of a create: a UUID-shaped hash of the state lineage, the address, the body and
 * the state serial the create was first recorded at. Deterministic, so the next run replays the same key
 * for a pending create with the same body; distinct for a later, deliberate re-create.
 */
export function idempotencyKeyFor(lineage: string, address: string, digest: string, serial: number): string {
  return uuidFromHash(`${lineage}\n${address}\n${digest}\n${serial}`);
}

/** A UUID-shaped (version 4 layout) key derived from sha256 of `input`: the same input, the same key. */
function uuidFromHash(input: string): string {
  const h = createHash("sha256").update(input).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] ?? "0", 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Idempotency-Key of one roster batch: the same batch for the same campaign always gets the same key (UUID-shaped). */
export function batchKey(campaignId: string, rows: readonly JsonObject[]): string {
  return uuidFromHash(`${campaignId}\n${stableStringify(rows)}`);
}
