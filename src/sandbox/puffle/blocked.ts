/**
 * Blocked companies (src/providers/puffle/README.md §14, docs.puffle.ai/api-reference/lists/*): exactly the documented
 * shapes. `GET` lists newest first; `POST` takes one `{ domain, name?, reason? }` (409 on a duplicate) or a bulk
 * `{ entries }` (duplicates skipped, never 409; rows it cannot store in `failedEntries`); domains are normalised
 * server-side (lower-cased, protocol and `www.` stripped); no edit in place; both deletes are idempotent.
 */
import type { SimResponse } from "../types.js";
import { SANDBOX_USER_ID } from "./model.js";
import { errorResponse, ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import type { PuffleStore } from "./store.js";
import { ApiError, invalid, isObject, requireBody, type Obj } from "./validation.js";

export interface BlockedCompany {
  id: string;
  user_id: string;
  domain: string | null;
  name: string | null;
  reason: string | null;
  created_at: string;
}

/** Puffle's server-side normalisation [D]: lower-cased, protocol and `www.` stripped (and a trailing path or slash, [A]). */
export function normaliseBlockedDomain(value: string): string {
  return value.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^www\./, "").replace(/\/.*$/, "");
}

function text(v: unknown, field: string, max = 255): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw invalid(`${field} must be a string`);
  if (v.length > max) throw invalid(`${field} must be at most ${max} characters`);
  return v.trim() === "" ? null : v.trim();
}

/** One entry → the fields of a new row, or why it cannot be stored. */
function entryOf(raw: unknown, where: string): { domain: string | null; name: string | null; reason: string | null } | { error: string } {
  if (!isObject(raw)) return { error: `${where} must be an object` };
  try {
    const domainText = text((raw as Obj)["domain"], `${where}.domain`);
    const domain = domainText === null ? null : normaliseBlockedDomain(domainText);
    const name = text((raw as Obj)["name"], `${where}.name`);
    const reason = text((raw as Obj)["reason"], `${where}.reason`, 1000);
    if ((domain === null || domain === "") && name === null) return { error: `${where} needs a domain or a name` };
    return { domain: domain === "" ? null : domain, name, reason };
  } catch (err) {
    return { error: err instanceof ApiError ? err.message : String(err) };
  }
}

function newest(db: PuffleStore): BlockedCompany[] {
  return [...db.blocked].reverse();
}

export function listBlocked(db: PuffleStore): SimResponse {
  return ok({ blocked: newest(db) });
}

export function addBlocked(db: PuffleStore, { req }: RouteContext): SimResponse {
  const body = requireBody(req.body);
  const make = (e: { domain: string | null; name: string | null; reason: string | null }): BlockedCompany => {
    const row: BlockedCompany = { id: db.newId(), user_id: SANDBOX_USER_ID, ...e, created_at: db.iso() };
    db.blocked.push(row);
    return row;
  };
  const existing = (domain: string | null) => (domain === null ? undefined : db.blocked.find((b) => b.domain === domain));
  if ("entries" in body) {
    const entries = body["entries"];
    if (!Array.isArray(entries) || entries.length === 0) throw invalid("entries must be a non-empty array");
    const rows: BlockedCompany[] = [];
    const failedEntries: { index: number; error: string }[] = [];
    entries.forEach((raw, index) => {
      const e = entryOf(raw, `entries[${index}]`);
      if ("error" in e) failedEntries.push({ index, error: e.error });
      else rows.push(existing(e.domain) ?? make(e));
    });
    return ok({ blocked: rows, ...(failedEntries.length > 0 ? { failedEntries } : {}) });
  }
  const e = entryOf(body, "body");
  if ("error" in e) throw invalid(e.error);
  if (existing(e.domain)) return errorResponse(409, `${e.domain} is already blocked`, "DUPLICATE");
  return ok({ blocked: make(e) }, 201);
}

export function deleteBlockedByDomain(db: PuffleStore, { params }: RouteContext): SimResponse {
  const domain = normaliseBlockedDomain(params["domain"] ?? "");
  db.blocked = db.blocked.filter((b) => b.domain !== domain);
  return ok({ success: true });
}

export function deleteBlockedById(db: PuffleStore, { params }: RouteContext): SimResponse {
  db.blocked = db.blocked.filter((b) => b.id !== params["blockedId"]);
  return ok({ success: true });
}
