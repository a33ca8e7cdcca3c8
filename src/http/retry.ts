/** Retry policy helpers and tolerant body handling. Pure functions, no I/O. */
import type { Redactor } from "../core/redact.js";

/** Statuses retried (with backoff) for `retry: "safe"` requests. 429 is also retried for "never". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Whether an answer with this status is worth repeating: 429/502/503/504 for any request, and also 500
 * for a GET (reading twice changes nothing; a 500 on a write may have half-happened, so only GETs).
 */
export function isRetryableStatus(status: number, method: string): boolean {
  return RETRYABLE_STATUSES.has(status) || (status === 500 && method === "GET");
}

export const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * `Retry-After` in milliseconds from now: delta-seconds ("1", "2.5") or an HTTP date. Undefined when
 * absent or unparseable; never negative.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface BackoffOptions {
  /** First retry waits about this long (ms). Default 200. */
  baseMs: number;
  /** Upper bound of one wait (ms). Default 10 000. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, capMs: 10_000 };

/**
 * Exponential backoff with "equal jitter": retry n (0-based) waits between half and all of
 * min(cap, base × 2^n), so concurrent clients spread out but never retry immediately.
 */
export function backoffDelay(retryIndex: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** retryIndex);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** What the tolerant JSON parser returns for a body that is not JSON. */
export class NonJsonBody {
  constructor(readonly text: string) {}
}

/** got's `parseJson` hook: never throws, so a non-JSON answer (an HTML 502 page) cannot crash a request. */
export function tolerantParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return new NonJsonBody(text);
  }
}

export const MAX_ERROR_TEXT = 500;

export function truncate(text: string, max: number = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** One readable line from a non-JSON error body (tags removed, whitespace collapsed, truncated). */
export function plainText(text: string, max = 200): string {
  const flat = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return truncate(flat, max);
}

export interface ParsedErrorBody {
  /** Provider error code, e.g. Altur "IMMUTABLE_FIELD", Puffle "NAME_CONFLICT", Extrovert "400". */
  code?: string;
  /** Provider's human message. */
  message?: string;
}

/**
 * A provider's reading of its own error body (`connection.parseErrorBody` of its module): code and
 * message, or undefined when the body does not have the provider's shape (then the generic reading
 * applies). Values are trimmed and truncated here.
 */
export type ErrorBodyReader = (body: unknown) => { code?: unknown; message?: unknown } | undefined;

function str(v: unknown): string | undefined {
  if (typeof v === "string" && v.trim() !== "") return v.trim();
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Code and message from an error body: the provider's own reading first (`own`, see ErrorBodyReader),
 * else the shapes common to JSON APIs — nested `{ error: { code, message } }`, top-level `code` and
 * `message`, `{ error: "<text>" }` — and non-JSON text as the message.
 */
export function parseErrorBody(body: unknown, own?: ErrorBodyReader): ParsedErrorBody {
  const mine = own?.(body);
  if (mine) return compact(str(mine.code), str(mine.message));
  if (body instanceof NonJsonBody) {
    const message = plainText(body.text);
    return message ? { message } : {};
  }
  if (typeof body === "string") {
    const message = plainText(body);
    return message ? { message } : {};
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return {};
  const o = body as Record<string, unknown>;
  const err = o.error;
  if (err !== null && typeof err === "object" && !Array.isArray(err)) {
    const inner = err as Record<string, unknown>;
    return compact(str(inner.code) ?? str(o.code), str(inner.message) ?? str(o.message));
  }
  return compact(str(o.code), str(o.message) ?? (typeof err === "string" ? str(err) : undefined));
}

function compact(code: string | undefined, message: string | undefined): ParsedErrorBody {
  const out: ParsedErrorBody = {};
  if (code !== undefined) out.code = truncate(code, 100);
  if (message !== undefined) out.message = truncate(message, MAX_ERROR_TEXT);
  return out;
}

/** Every form of every secret replaced in strings, deeply (objects, arrays, a non-JSON body): core/redact's one redactor. */
export function redact<T>(value: T, redactor: Redactor): T {
  if (value instanceof NonJsonBody) return new NonJsonBody(redactor.text(value.text)) as T;
  return redactor.deep(value);
}
