import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";

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
