import type { ProviderId } from "../core/types.js";

/**
 * The error family of the HTTP layer. Every failure of `ProviderHttp.request` rejects with one of
 * these; nothing from got (whose errors carry the request options, headers included) ever escapes.
 *
 * - `ProviderHttpError` — abstract base: who (provider, account), what (operation), where (method, path).
 *   - `ProviderApiError` — the provider could not be reached, or answered with a status the caller
 *     did not expect. Thrown after retries are exhausted (or not attempted).
 *   - `ReadOnlyViolation` — a non-GET request was issued by a client created with `readOnly: true`
 *     (plan, drift). Thrown before anything leaves the process.
 *
 * None of them holds headers, got options, the request body or the API key; their `message`, `stack`,
 * `util.inspect` and `JSON.stringify` forms are safe to print.
 */

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface ProviderHttpErrorInit {
  provider: ProviderId;
  account: string;
  operation: string;
  method: HttpMethod;
  /** Path without the query string. */
  path: string;
}

export abstract class ProviderHttpError extends Error {
  readonly provider: ProviderId;
  readonly account: string;
  readonly operation: string;
  readonly method: HttpMethod;
  readonly path: string;

  constructor(init: ProviderHttpErrorInit, message: string) {
    super(message);
    this.provider = init.provider;
    this.account = init.account;
    this.operation = init.operation;
    this.method = init.method;
    this.path = init.path;
  }

  /** A plain, printable object (what `JSON.stringify(err)` produces). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [k, v] of Object.entries(this)) if (v !== undefined) out[k] = v;
    return out;
  }
}

/** Why a ProviderApiError happened. */
export type FailureKind =
  /** The provider answered with an unexpected HTTP status (`status` is set). */
  | "http"
  /** No TCP connection: refused, DNS failure, unreachable (the request certainly did not reach the provider). */
  | "connect"
  /** The connection broke before a complete answer (reset, hang-up). */
  | "reset"
  /** No complete answer within `timeoutMs`, or a time budget (per request, per command) ran out. */
  | "timeout"
  /**
   * A 2xx answer that is not what the endpoint documents (not JSON, lacks what the client needs, too
   * large): `status` is set, `detail` says what was wrong, the content type and the first bytes.
   */
  | "answer"
  /** Anything else below HTTP (TLS, protocol errors). */
  | "network";

export interface ProviderApiErrorInit extends ProviderHttpErrorInit {
  kind: FailureKind;
  status?: number;
  code?: string;
  providerMessage?: string;
  retryable: boolean;
  ambiguous: boolean;
  attempts: number;
  /** Node/got error code for failures below HTTP, e.g. ECONNRESET, ECONNREFUSED, ETIMEDOUT. */
  networkCode?: string;
  /** Parsed JSON error body (or truncated text), secrets removed. Altur adds e.g. `field`, `valid_targets`. */
  body?: unknown;
  /** Retry-After of the last answer, in ms, when the provider sent one. */
  retryAfterMs?: number;
  /** Plain-words description used in the message when there is no HTTP status (and for kind "answer"). */
  detail?: string;
  /** Added to the message's tail, e.g. that a time budget ran out before another attempt. */
  note?: string | undefined;
}

/**
 * The provider could not be reached or answered with a status outside 2xx ∪ `expectStatus`.
 *
 * Thrown:
 * - on an HTTP answer the caller did not expect (`kind: "http"`, `status` set; `code`/`providerMessage`
 *   parsed from the provider's error body: Altur `error`, Puffle `code`, Extrovert `statusCode`), after
 *   the retries the request's `retry` policy allows;
 * - on a network failure (`kind` connect/reset/timeout/network, `status` undefined, `networkCode` set),
 *   with a plain-words message ("connection refused by 127.0.0.1:4011 — is the provider URL right?").
 *
 * `retryable`: the failure is transient (429, 502/503/504, reset, timeout, refused): trying again later
 * may succeed. `ambiguous`: the request may have reached the provider and had an effect although no
 * answer came back (the last attempt of a non-GET ended in a reset, or timed out after connecting) — the
 * caller must look before it tries again. A definite HTTP answer is never ambiguous.
 */
export class ProviderApiError extends ProviderHttpError {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly providerMessage: string | undefined;
  readonly retryable: boolean;
  readonly ambiguous: boolean;
  readonly attempts: number;
  readonly networkCode: string | undefined;
  readonly body: unknown;
  readonly retryAfterMs: number | undefined;

  constructor(init: ProviderApiErrorInit) {
    super(init, ProviderApiError.format(init));
    this.kind = init.kind;
    this.status = init.status;
    this.code = init.code;
    this.providerMessage = init.providerMessage;
    this.retryable = init.retryable;
    this.ambiguous = init.ambiguous;
    this.attempts = init.attempts;
    this.networkCode = init.networkCode;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
  }

  private static format(init: ProviderApiErrorInit): string {
    if (init.kind === "answer") {
      const msg = `${init.provider}: ${init.operation}: unexpected answer (${init.detail ?? "not the documented shape"})`;
      return init.ambiguous ? `${msg} — the provider may have acted on the request; check before retrying` : msg;
    }
    const head = `${init.provider}: ${init.operation} failed: `;
    let what: string;
    if (init.status !== undefined) {
      const parts: string[] = [String(init.status)];
      if (init.code && init.code !== String(init.status)) parts.push(init.code);
      parts.push(init.providerMessage || "(no message)");
      what = parts.join(" ");
    } else {
      what = init.detail ?? `network error${init.networkCode ? ` (${init.networkCode})` : ""}`;
    }
    const tail: string[] = [];
    if (init.attempts > 1) tail.push(`after ${init.attempts} attempts`);
    if (init.note) tail.push(init.note);
    let msg = head + what;
    if (tail.length > 0) msg += ` (${tail.join(", ")})`;
    if (init.ambiguous) msg += " — the request may have reached the provider; check before retrying";
    return msg;
  }
}

/**
 * A write (any method but GET) was requested through a client created with `readOnly: true`.
 * `plan` and `drift` run read-only: this is a programming error in a caller, never a user mistake.
 * Thrown (as a rejected promise) before the request is paced, queued or sent.
 */
export class ReadOnlyViolation extends ProviderHttpError {
  constructor(init: ProviderHttpErrorInit) {
    super(
      init,
      `${init.provider}: refused to ${init.operation} (${init.method} ${init.path}): ` +
        `the client is read-only — plan and drift never write to a provider`,
    );
  }
}

// Names live on the prototypes so that the stack header (captured in Error's constructor) shows them
// and they are not repeated as own properties.
for (const cls of [ProviderApiError, ReadOnlyViolation]) {
  Object.defineProperty(cls.prototype, "name", { value: cls.name, writable: true, configurable: true });
}

export function isProviderApiError(e: unknown): e is ProviderApiError {
  return e instanceof ProviderApiError;
}
