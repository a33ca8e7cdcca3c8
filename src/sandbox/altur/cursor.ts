import { show, validationError } from "./errors.js";

/**
 * Opaque cursors [A]: base64url of `<scope>:<id>`. The id is a position, so a cursor stays valid
 * when campaigns are added; the scope stops a contacts cursor being used on campaigns and vice versa.
 */
export function encodeCursor(scope: string, id: number): string {
  return Buffer.from(`${scope}:${id}`, "utf8").toString("base64url");
}

export function decodeCursor(raw: string, scope: string): number {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(raw) ? Buffer.from(raw, "base64url").toString("utf8") : "";
  const m = /^([a-z0-9/]+):(-?\d{1,15})$/.exec(text);
  if (!m || m[1] !== scope) {
    throw validationError("cursor", `cursor ${show(raw)} is not a cursor returned by this list`);
  }
  return Number(m[2]);
}
