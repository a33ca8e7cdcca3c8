import type { SimResponse } from "../types.js";

/**
 * Extrovert answers every call with one envelope [D, src/providers/extrovert/README.md §2]:
 * `{ status: "success" | "error", data, message, statusCode }`; `statusCode` mirrors the HTTP status [A].
 */
export const SUCCESS_MESSAGE = "Operation completed successfully";

export function success(status: number, data: unknown): SimResponse {
  return { status, body: { status: "success", data, message: SUCCESS_MESSAGE, statusCode: status } };
}

export function failure(status: number, message: string, headers?: Record<string, string>): SimResponse {
  const body = { status: "error", data: null, message, statusCode: status };
  return headers ? { status, body, headers } : { status, body };
}

/** A rule violation raised inside a handler; the router turns it into the error envelope. */
export class ExtrovertFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ExtrovertFailure";
  }

  toResponse(): SimResponse {
    return failure(this.status, this.message, this.headers);
  }
}

export const badRequest = (message: string): ExtrovertFailure => new ExtrovertFailure(400, message);
export const notFound = (message: string): ExtrovertFailure => new ExtrovertFailure(404, message);

/** Render a value briefly for an error message. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
