/**
 * `Idempotency-Key` [D] on create-campaign and add-contacts: a replay inside the de-dup window returns
 * the original response (same status, same body) without doing anything.
 *
 * Assumptions [A, not documented]:
 * - window: 24 hours of simulated time;
 * - only successful (2xx) outcomes are remembered: a rejected request changed nothing, so sending it
 *   again with the same key simply runs it again;
 * - keys are scoped to the organisation (one per sandbox), not to the endpoint: the same key with a
 *   different method, path or body is 409 IDEMPOTENCY_KEY_REUSED and nothing is done;
 * - a replay carries the header `Idempotent-Replayed: true`.
 */
import { stableStringify } from "../../core/json.js";
import type { SimRequest, SimResponse } from "../types.js";
import { AlturFailure, validationError } from "./errors.js";
import type { AlturContext } from "./state.js";

export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

function fingerprint(req: SimRequest, path: string): string {
  return `${req.method.toUpperCase()} ${path} ${stableStringify(req.body ?? null)}`;
}

export function withIdempotency(ctx: AlturContext, req: SimRequest, path: string, run: () => SimResponse): SimResponse {
  const key = req.headers["idempotency-key"];
  if (key === undefined) return run();
  if (key.trim() === "" || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw validationError(
      "Idempotency-Key",
      `Idempotency-Key must be 1-${MAX_KEY_LENGTH} printable ASCII characters without spaces (a UUID is recommended)`,
    );
  }
  const now = ctx.nowMs();
  for (const [k, record] of ctx.state.idempotency) {
    if (now - record.at >= IDEMPOTENCY_WINDOW_MS) ctx.state.idempotency.delete(k);
  }
  const print = fingerprint(req, path);
  const previous = ctx.state.idempotency.get(key);
  if (previous) {
    if (previous.fingerprint !== print) {
      throw new AlturFailure(
        409,
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was already used with a different request (method, path or body); use a new key",
      );
    }
    return {
      status: previous.response.status,
      body: structuredClone(previous.response.body),
      headers: { ...(previous.response.headers ?? {}), "Idempotent-Replayed": "true" },
    };
  }
  const response = run();
  if (response.status >= 200 && response.status < 300) {
    ctx.state.idempotency.set(key, { key, fingerprint: print, at: now, response: structuredClone(response) });
  }
  return response;
}
