import type { JsonValue } from "../../core/json.js";
import type { SimResponse } from "../types.js";

/**
 * Error body [A, src/providers/altur/README.md §2]: `{ success: false, error: "<CODE>", message, ...extra }` where extra
 * carries `field`, `current_status`, `valid_targets` when relevant.
 */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, JsonValue> = {},
  headers?: Record<string, string>,
): SimResponse {
  const body = { success: false, error: code, message, ...extra };
  return headers ? { status, body, headers } : { status, body };
}

/** A rule violation raised anywhere inside a handler; `handle()` turns it into the error body. */
export class AlturFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, JsonValue> = {},
  ) {
    super(message);
    this.name = "AlturFailure";
  }

  toResponse(): SimResponse {
    return errorResponse(this.status, this.code, this.message, this.extra);
  }
}

/** 400 VALIDATION_ERROR [A] naming the offending field. */
export function validationError(field: string, message: string): AlturFailure {
  return new AlturFailure(400, "VALIDATION_ERROR", message, { field });
}

/** 400 INVALID_REQUEST [D] (wrong-channel fields; [A] integration not usable with the agent). */
export function invalidRequest(field: string, message: string): AlturFailure {
  return new AlturFailure(400, "INVALID_REQUEST", message, { field });
}

export function notFound(message: string): AlturFailure {
  return new AlturFailure(404, "NOT_FOUND", message);
}

/** Default code for framework-level failures (401, 404 route, 405, 413, bad JSON, 429, injected 5xx). */
export function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return "VALIDATION_ERROR";
    case 401:
      return "UNAUTHORIZED";
    case 402:
      return "BILLING_LIMIT_REACHED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 405:
      return "METHOD_NOT_ALLOWED";
    case 409:
      return "CONFLICT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 429:
      return "RATE_LIMITED";
    case 502:
      return "BAD_GATEWAY";
    case 503:
      return "SERVICE_UNAVAILABLE";
    case 504:
      return "GATEWAY_TIMEOUT";
    default:
      return status >= 500 ? "SERVER_ERROR" : "ERROR";
  }
}

/** Render any value briefly for an error message (quoted strings, truncated). */
export function show(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
