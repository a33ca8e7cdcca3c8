/** Altur campaign roster [D, src/providers/altur/README.md §4.6]: add (≤1000, skip|update duplicates), list, get, delete. */
import { AlturFailure, notFound, show, validationError } from "./errors.js";
import { assertNotFinished, cursorPage } from "./campaigns.js";
import { CONTACT_STATUSES, contactOf, type ContactStatus, type StoredCampaign, type StoredContact } from "./model.js";
import type { AlturContext } from "./state.js";
import { has, isObject, readEnum, readNullableString, rejectUnknownKeys, requireObject } from "./validate.js";

export const MAX_CONTACTS_PER_REQUEST = 1000;
const ROW_KEYS = ["contact", "name", "context", "extracted_data", "f_id"] as const;
/** Statuses a contact may be deleted in [D]. */
const DELETABLE: readonly ContactStatus[] = ["queue", "failed"];

/** `+<country><number>`, 8–15 digits (E.164); spaces, dashes, dots and parentheses are ignored [A]. */
export function normalizePhone(raw: string): string | null {
  const compact = raw.replace(/[\s().-]/g, "");
  return /^\+?[1-9]\d{7,14}$/.test(compact) ? `+${compact.replace(/^\+/, "")}` : null;
}

type Row =
  | { ok: false; error: "MISSING_CONTACT" | "INVALID_PHONE_NUMBER"; contact: string | null }
  | {
      ok: true;
      contact: string;
      fields: Partial<Pick<StoredContact, "name" | "context" | "f_id" | "extracted_data">>;
    };

function parseRow(value: unknown, index: number): Row {
  const field = `contacts[${index}]`;
  const row = requireObject(value, field);
  rejectUnknownKeys(row, ROW_KEYS, `${field}.`);
  const fields: Partial<Pick<StoredContact, "name" | "context" | "f_id" | "extracted_data">> = {};
  if (has(row, "name")) fields.name = readNullableString(row.name, `${field}.name`);
  if (has(row, "context")) fields.context = readNullableString(row.context, `${field}.context`);
  if (has(row, "f_id")) fields.f_id = readNullableString(row.f_id, `${field}.f_id`);
  if (has(row, "extracted_data")) {
    if (!isObject(row.extracted_data)) {
      throw validationError(`${field}.extracted_data`, `${field}.extracted_data must be an object, got ${show(row.extracted_data)}`);
    }
    fields.extracted_data = structuredClone(row.extracted_data);
  }
  const raw = row.contact;
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) {
    return { ok: false, error: "MISSING_CONTACT", contact: null };
  }
  if (typeof raw !== "string") {
    throw validationError(`${field}.contact`, `${field}.contact must be a phone number string, got ${show(raw)}`);
  }
  const phone = normalizePhone(raw);
  if (phone === null) return { ok: false, error: "INVALID_PHONE_NUMBER", contact: raw };
  return { ok: true, contact: phone, fields };
}

function rosterOf(ctx: AlturContext, campaign: StoredCampaign): StoredContact[] {
  let roster = ctx.state.contacts.get(campaign.id);
  if (!roster) {
    roster = [];
    ctx.state.contacts.set(campaign.id, roster);
  }
  return roster;
}

/** POST /campaigns/{id}/contacts. Rows are independent; malformed row types reject the whole request before any write. */
export function addContacts(ctx: AlturContext, campaign: StoredCampaign, body: unknown): Record<string, unknown> {
  assertNotFinished(campaign, "contacts cannot be added");
  const b = requireObject(body, "body");
  rejectUnknownKeys(b, ["contacts", "if_duplicate"], "");
  if (!has(b, "contacts")) throw validationError("contacts", "contacts is required");
  if (!Array.isArray(b.contacts)) throw validationError("contacts", `contacts must be an array, got ${show(b.contacts)}`);
  if (b.contacts.length === 0) throw validationError("contacts", "contacts must hold at least one contact");
  if (b.contacts.length > MAX_CONTACTS_PER_REQUEST) {
    throw validationError("contacts", `at most ${MAX_CONTACTS_PER_REQUEST} contacts per request, got ${b.contacts.length}`);
  }
  const ifDuplicate = has(b, "if_duplicate") ? readEnum(b.if_duplicate, "if_duplicate", ["skip", "update"] as const) : "skip";
  const rows = b.contacts.map((row, i) => parseRow(row, i));

  const roster = rosterOf(ctx, campaign);
  const now = ctx.nowIso();
  const summary = { created: 0, updated: 0, skipped_duplicate: 0, failed: 0 };
  // One index per roster, kept as contacts are added and deleted (not rebuilt per request): uploading
  // 300,000 contacts in batches of 100 stays linear (issue 30).
  const byPhone = phoneIndex(roster);
  const results = rows.map((row, index) => {
    if (!row.ok) {
      summary.failed++;
      return { index, id: null, contact: row.contact, error: row.error, outcome: "failed" };
    }
    const existing = byPhone.get(row.contact);
    if (existing) {
      if (ifDuplicate === "skip") {
        summary.skipped_duplicate++;
        return { index, id: existing.id, contact: row.contact, error: null, outcome: "skipped_duplicate" };
      }
      // `update` overwrites name, context, extracted_data, f_id [D].
      existing.name = row.fields.name ?? null;
      existing.context = row.fields.context ?? null;
      existing.f_id = row.fields.f_id ?? null;
      existing.extracted_data = row.fields.extracted_data ?? {};
      summary.updated++;
      return { index, id: existing.id, contact: row.contact, error: null, outcome: "updated" };
    }
    const contact: StoredContact = {
      id: ctx.state.nextContactId++,
      campaign_id: campaign.id,
      f_id: row.fields.f_id ?? null,
      name: row.fields.name ?? null,
      contact: row.contact,
      status: "queue",
      context: row.fields.context ?? null,
      extracted_data: row.fields.extracted_data ?? {},
      tags: [],
      retries: 0,
      has_follow_up: false,
      call_count: 0,
      billed_duration: 0,
      last_call_at: null,
      created_at: now,
    };
    roster.push(contact);
    byPhone.set(contact.contact, contact);
    summary.created++;
    return { index, id: contact.id, contact: row.contact, error: null, outcome: "created" };
  });
  promoteWhenQueued(ctx, campaign);
  return { success: true, summary, results };
}

const PHONE_INDEX = new WeakMap<StoredContact[], Map<string, StoredContact>>();

/** The roster's contacts by phone; rebuilt only when the roster was changed outside this module (a restored state). */
function phoneIndex(roster: StoredContact[]): Map<string, StoredContact> {
  let index = PHONE_INDEX.get(roster);
  if (!index || index.size !== roster.length) {
    index = new Map(roster.map((c) => [c.contact, c]));
    PHONE_INDEX.set(roster, index);
  }
  return index;
}

/** pending → ready once the campaign has at least one contact in `queue` [A]. */
export function promoteWhenQueued(ctx: AlturContext, campaign: StoredCampaign): void {
  if (campaign.status !== "pending") return;
  if (rosterOf(ctx, campaign).some((c) => c.status === "queue")) {
    campaign.status = "ready";
    campaign.updated_at = ctx.nowIso();
  }
}

const CURSOR_PAGE = { min: 1, max: 100, default: 25 } as const;
const INDEX_PAGE = { min: 1, max: 100, default: 50 } as const;
const MAX_PAGE_INDEX = 25000;

/**
 * GET /campaigns/{id}/contacts. Both documented paging revisions: cursor style (`pageSize` ≤100,
 * default 25, `cursor`, `direction`) and, when `pageIndex` is sent, page style (`pageSize` 1–100,
 * default 50, `pageIndex` 0–25000, `total_count` on the first page only, null afterwards).
 */
export function listContacts(ctx: AlturContext, campaign: StoredCampaign, query: URLSearchParams): Record<string, unknown> {
  let items = rosterOf(ctx, campaign);
  const status = query.get("status");
  if (status !== null) {
    const s = readEnum(status, "status", CONTACT_STATUSES);
    items = items.filter((c) => c.status === s);
  }
  const pageIndexRaw = ctx.settings.contactsPaging === "cursor" ? null : query.get("pageIndex");
  if (pageIndexRaw === null) {
    // The older revision's pagination: `has_more, has_previous, next_cursor, previous_cursor` [D].
    const { page, pagination } = cursorPage(items, `contacts/${campaign.id}`, query, CURSOR_PAGE);
    const { has_next: hasMore, ...rest } = pagination;
    return { total_count: items.length, contacts: page.map(contactOf), pagination: { has_more: hasMore, ...rest } };
  }
  if (!/^\d+$/.test(pageIndexRaw) || Number(pageIndexRaw) > MAX_PAGE_INDEX) {
    throw validationError("pageIndex", `pageIndex must be an integer between 0 and ${MAX_PAGE_INDEX}, got ${show(pageIndexRaw)}`);
  }
  const pageIndex = Number(pageIndexRaw);
  const sizeRaw = query.get("pageSize");
  const pageSize = sizeRaw === null ? INDEX_PAGE.default : Number(sizeRaw);
  if (sizeRaw !== null && (!/^\d+$/.test(sizeRaw) || pageSize < INDEX_PAGE.min || pageSize > INDEX_PAGE.max)) {
    throw validationError("pageSize", `pageSize must be an integer between 1 and 100, got ${show(sizeRaw)}`);
  }
  const start = pageIndex * pageSize;
  return {
    total_count: pageIndex === 0 ? items.length : null,
    contacts: items.slice(start, start + pageSize).map(contactOf),
    pagination: {
      page_index: pageIndex,
      page_size: pageSize,
      has_next: start + pageSize < items.length,
      has_previous: pageIndex > 0,
      // The newer revision's pointers [D]: `next_page` / `previous_page`.
      next_page: start + pageSize < items.length ? pageIndex + 1 : null,
      previous_page: pageIndex > 0 ? pageIndex - 1 : null,
    },
  };
}

export function parseContactId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw validationError("contact_id", `contact id must be an integer, got ${show(text)}`);
  return Number(text);
}

export function findContact(ctx: AlturContext, campaign: StoredCampaign, id: number): StoredContact {
  const contact = rosterOf(ctx, campaign).find((c) => c.id === id);
  if (!contact) throw notFound(`contact ${id} not found in campaign ${campaign.id}`);
  return contact;
}

/** DELETE /campaigns/{id}/contacts/{contact_id}: only `queue` or `failed` contacts [D]. */
export function deleteContact(ctx: AlturContext, campaign: StoredCampaign, id: number): void {
  const contact = findContact(ctx, campaign, id);
  assertNotFinished(campaign, "contacts cannot be deleted");
  if (!DELETABLE.includes(contact.status)) {
    throw new AlturFailure(
      409,
      "CONTACT_NOT_DELETABLE",
      `contact ${id} is "${contact.status}"; only contacts in ${DELETABLE.join(" or ")} can be deleted`,
      { current_status: contact.status },
    );
  }
  const roster = rosterOf(ctx, campaign);
  roster.splice(roster.indexOf(contact), 1);
  PHONE_INDEX.get(roster)?.delete(contact.contact);
}

export function forceContactStatus(ctx: AlturContext, campaign: StoredCampaign, id: number, status: string): void {
  const contact = findContact(ctx, campaign, id);
  contact.status = readEnum(status, "status", CONTACT_STATUSES);
}
