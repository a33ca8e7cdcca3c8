/** The Puffle simulator's response helpers: error body `{ error, code }` [A, src/providers/puffle/README.md §2] and success. */
import type { SimResponse } from "../types.js";

const DEFAULT_CODES: Record<number, string> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_ENTITY",
  429: "RATE_LIMITED",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

export function errorResponse(status: number, message: string, code?: string, headers?: Record<string, string>): SimResponse {
  const res: SimResponse = {
    status,
    body: { error: message, code: code ?? DEFAULT_CODES[status] ?? "ERROR" },
  };
  if (headers) res.headers = headers;
  return res;
}

export function ok(body: unknown, status = 200): SimResponse {
  return { status, body };
}
