import type { IncomingMessage } from "node:http";

/** Request bodies above this size are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type BodyOutcome =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "malformed"; raw: string; problem: string }
  | { kind: "unsupported"; contentType: string }
  | { kind: "tooLarge" }
  /** The client went away before the body was complete. */
  | { kind: "aborted" };

function isJsonType(contentType: string): boolean {
  const mime = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return mime === "application/json" || /^application\/[a-z0-9.+-]*\+json$/.test(mime);
}

/**
 * Read a JSON request body, buffering at most `limit` bytes. Resolves as soon as the outcome is
 * known: an over-long body resolves `tooLarge` the moment the limit is crossed (or at once when
 * Content-Length announces it); the caller answers with `Connection: close` and never reads the rest.
 * A body without Content-Type is parsed as JSON; a non-JSON Content-Type is `unsupported`.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyOutcome> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "tooLarge" });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome): void => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("aborted", onAborted);
      req.off("error", onAborted);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        settle({ kind: "tooLarge" });
        return;
      }
      chunks.push(chunk);
    };
    const onAborted = (): void => settle({ kind: "aborted" });
    const onEnd = (): void => {
      if (size === 0) return settle({ kind: "empty" });
      const contentType = req.headers["content-type"];
      if (contentType !== undefined && contentType !== "" && !isJsonType(contentType)) {
        return settle({ kind: "unsupported", contentType });
      }
      const raw = Buffer.concat(chunks).toString("utf8");
      if (raw.trim() === "") return settle({ kind: "empty" });
      try {
        settle({ kind: "json", value: JSON.parse(raw) as unknown });
      } catch (err) {
        settle({ kind: "malformed", raw, problem: err instanceof Error ? err.message : String(err) });
      }
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("aborted", onAborted);
    req.on("error", onAborted);
  });
}
