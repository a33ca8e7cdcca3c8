/** The prospect roster `/api/campaigns/{id}/leads` (src/providers/puffle/README.md §8). */
import type { SimResponse } from "../types.js";
import { PROSPECT_STATUSES, type CampaignRecord, type ProspectRecord, type ProspectStatus } from "./model.js";
import { errorResponse, ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import type { PuffleStore } from "./store.js";
import {
  ApiError,
  expectArray,
  expectBoolean,
  expectString,
  expectUuid,
  has,
  invalid,
  isObject,
  parseQueryInt,
  requireBody,
  type Obj,
} from "./validation.js";

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** LinkedIn URLs compare without query string, fragment or trailing slash [D]. */
export function normaliseLinkedinUrl(url: string): string {
  let out = url.trim();
  const cut = out.search(/[?#]/);
  if (cut >= 0) out = out.slice(0, cut);
  return out.replace(/\/+$/, "");
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const PROFILE_FIELDS = ["first_name", "last_name", "company", "position", "headline"] as const;

export function identityField(c: CampaignRecord): "email" | "linkedin_url" {
  return c.type === "email" ? "email" : "linkedin_url";
}

export function identityOf(c: CampaignRecord, p: Pick<ProspectRecord, "email" | "linkedin_url">): string | null {
  if (c.type === "email") return p.email === null ? null : normaliseEmail(p.email);
  return p.linkedin_url === null ? null : normaliseLinkedinUrl(p.linkedin_url);
}

/** Profile fields of one prospect row (POST) or patch (PATCH); identity rules per channel [D]. */
export function parseProspectFields(c: CampaignRecord, raw: Obj, at: string, requireIdentity: boolean) {
  const out: Partial<
    Pick<ProspectRecord, "email" | "linkedin_url" | "first_name" | "last_name" | "company" | "position" | "headline" | "custom_fields">
  > = {};
  const identity = identityField(c);
  for (const field of ["email", "linkedin_url"] as const) {
    if (!has(raw, field)) continue;
    const value = expectString(raw[field], `${at}.${field}`, {
      nullable: true,
    });
    if (value === null || value.trim() === "") {
      if (field === identity) throw invalid(`${at}: ${field} is required for ${c.type} campaigns`, "MISSING_IDENTITY");
      out[field] = null;
      continue;
    }
    if (field === "email" && !EMAIL_RE.test(value.trim()))
      throw invalid(`${at}.email is not a valid email address (got "${value.slice(0, 60)}")`);
    out[field] = field === "email" ? normaliseEmail(value) : normaliseLinkedinUrl(value);
  }
  if (requireIdentity && out[identity] == null) throw invalid(`${at}: ${identity} is required for ${c.type} campaigns`, "MISSING_IDENTITY");
  for (const field of PROFILE_FIELDS) {
    if (has(raw, field))
      out[field] = expectString(raw[field], `${at}.${field}`, {
        nullable: true,
      });
  }
  if (has(raw, "custom_fields")) {
    const cf = raw["custom_fields"];
    if (cf !== null && !isObject(cf)) throw invalid(`${at}.custom_fields must be an object or null`);
    out.custom_fields = cf === null ? {} : structuredClone(cf);
  }
  return out;
}

export function listProspects(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const page = parseQueryInt(req.query.get("page"), "page", 1, Number.MAX_SAFE_INTEGER, 1);
  const limit = parseQueryInt(req.query.get("limit"), "limit", 1, 200, 100);
  const status = req.query.get("status");
  if (status !== null && !(PROSPECT_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`status must be one of ${PROSPECT_STATUSES.join(", ")} (got "${status.slice(0, 40)}")`);
  }
  const all = db.prospectsOf(c).filter((p) => status === null || p.status === (status as ProspectStatus));
  const start = (page - 1) * limit;
  return ok({
    prospects: structuredClone(all.slice(start, start + limit)),
    total: all.length,
    page,
    limit,
  });
}

export function addProspects(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "Prospects");
  const b = requireBody(req.body);
  if (!has(b, "prospects")) throw invalid("prospects is required (an array of 1 to 1000 prospects)");
  const rows = expectArray(b["prospects"], "prospects", 1, 1000);
  const parsed = rows.map((row, i) => {
    if (!isObject(row)) throw invalid(`prospects[${i}] must be an object`);
    return parseProspectFields(c, row, `prospects[${i}]`, true);
  });
  const list = db.prospectsOf(c);
  const seen = new Set(list.map((p) => identityOf(c, p)).filter((k): k is string => k !== null));
  const at = db.iso();
  let imported = 0;
  let duplicates = 0;
  for (const f of parsed) {
    const key = identityOf(c, {
      email: f.email ?? null,
      linkedin_url: f.linkedin_url ?? null,
    })!;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    imported++;
    list.push({
      id: db.newId(),
      campaign_id: c.id,
      user_id: c.user_id,
      status: "pending",
      email: f.email ?? null,
      linkedin_url: f.linkedin_url ?? null,
      first_name: f.first_name ?? null,
      last_name: f.last_name ?? null,
      name: fullName(f.first_name ?? null, f.last_name ?? null),
      company: f.company ?? null,
      position: f.position ?? null,
      headline: f.headline ?? null,
      custom_fields: f.custom_fields ?? {},
      source: "api",
      source_ref: null,
      created_at: at,
      updated_at: at,
      bounced_at: null,
      replied_at: null,
      current_node_id: null,
    });
  }
  db.recomputeStats(c);
  db.touch(c);
  return ok({ imported, duplicates });
}

export function patchProspect(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "Prospects");
  const b = requireBody(req.body);
  if (!has(b, "prospect_id")) throw invalid("prospect_id is required");
  const id = expectUuid(b["prospect_id"], "prospect_id");
  const list = db.prospectsOf(c);
  const p = list.find((x) => x.id === id);
  if (!p) throw new ApiError(404, `Prospect ${id} not found in this campaign`, "NOT_FOUND");
  // Documented body [D, update-campaign-prospect]: `{ prospect_id, updates: { …profile fields } }`.
  if (!has(b, "updates") || !isObject(b["updates"])) throw invalid("updates is required (an object of the profile fields to change)");
  const f = parseProspectFields(c, b["updates"] as Obj, "updates", false);
  const next = { ...p, ...f };
  const key = identityOf(c, next);
  if (list.some((x) => x.id !== p.id && identityOf(c, x) === key)) {
    throw new ApiError(409, `Another prospect in this campaign already has this ${identityField(c)}`, "DUPLICATE_PROSPECT");
  }
  Object.assign(p, f);
  p.name = fullName(p.first_name, p.last_name);
  p.updated_at = db.iso();
  return ok({ prospect: structuredClone(p) });
}

export function deleteProspects(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "Prospects");
  const b = requireBody(req.body);
  const all = has(b, "all") ? expectBoolean(b["all"], "all") : false;
  if (all) {
    db.prospects.set(c.id, []);
    db.recomputeStats(c);
    db.touch(c);
    return ok({ deleted: "all" });
  }
  if (!has(b, "prospect_ids")) throw invalid("Provide prospect_ids (1 to 500 ids) or all: true");
  const ids = new Set(expectArray(b["prospect_ids"], "prospect_ids", 1, 500).map((v, i) => expectUuid(v, `prospect_ids[${i}]`)));
  const list = db.prospectsOf(c);
  const kept = list.filter((p) => !ids.has(p.id));
  const deleted = list.length - kept.length;
  db.prospects.set(c.id, kept);
  db.recomputeStats(c);
  if (deleted > 0) db.touch(c);
  return ok({ deleted });
}

export function notSimulated(db: PuffleStore, { params }: RouteContext, what: string): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "Prospects");
  return errorResponse(
    501,
    `${what} is not simulated by the campaignctl sandbox; add prospects with POST /api/campaigns/${c.id}/leads`,
    "NOT_SIMULATED",
  );
}

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last]
    .filter((s) => s !== null && s.trim() !== "")
    .join(" ")
    .trim();
  return name === "" ? null : name;
}
