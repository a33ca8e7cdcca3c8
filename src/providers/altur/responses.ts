import { responseSchemas, type JsonSchema } from "../../http/response-schema.js";

/**
 * What the Altur client needs from each 2xx answer (docs: README.md §2–§4).
 * Extra keys are fine; optional keys may be absent. Only what the client reads is required.
 */
const id: JsonSchema = { type: ["string", "integer"] };
/** README.md §3.1 detail object: nothing in it is certain (the client knows the id it asked for). */
const detail: JsonSchema = { type: "object", properties: { id } };
/** README.md §3.2 list item: id and name (campaigns are adopted by name — an item without one would look absent and be created again). */
const listItem: JsonSchema = { type: "object", required: ["id", "name"], properties: { id, name: { type: "string" }, status: { type: "string" } } };

export const ALTUR_RESPONSES = responseSchemas({
  /** GET /campaigns → `{ total_count, campaigns: [...], pagination{ has_next|has_more, next_cursor, ... } }`. */
  listCampaigns: {
    type: "object",
    required: ["campaigns"],
    properties: {
      campaigns: { type: "array", items: listItem },
      total_count: { type: "integer" },
      pagination: {
        type: ["object", "null"],
        properties: {
          has_next: { type: "boolean" },
          has_more: { type: "boolean" },
          next_cursor: { type: ["string", "null"] },
          next_page: { type: ["integer", "string", "null"] },
        },
      },
    },
  },
  /** GET /campaigns/{id} → `{ success, campaign: <detail> }`. */
  detail: { type: "object", required: ["campaign"], properties: { campaign: detail } },
  /** PATCH, lifecycle → `{ success, campaign: <detail> }`; the client copes without the campaign (re-reads). */
  written: { type: "object", properties: { campaign: detail } },
  /** POST /campaigns: response undocumented (README.md §4.1); the id is read tolerantly (`campaign.id`, then `id`). */
  created: { type: "object", properties: { campaign: { type: ["object", "null"] } } },
  /** GET /campaigns/{id}/contacts?pageIndex=0&pageSize=1 → `total_count` (computed on the first page) (README.md §2, §4.6). */
  countContacts: { type: "object", required: ["total_count"], properties: { total_count: { type: "integer", minimum: 0 } } },
  /** GET /campaigns/{id}/contacts → `{ contacts: [{ id, contact, status, ... }], pagination }` (README.md §4.6). */
  listContacts: {
    type: "object",
    required: ["contacts"],
    properties: {
      contacts: { type: "array", items: { type: "object", required: ["id", "contact"], properties: { id, contact: { type: "string" }, status: { type: "string" } } } },
      pagination: { type: ["object", "null"], properties: { has_next: { type: "boolean" }, has_more: { type: "boolean" } } },
    },
  },
  /**
   * POST /campaigns/{id}/contacts → `{ success, summary{ created, updated, skipped_duplicate, failed }, results[{ index, id, contact, error }] }`
   * (README.md §4.6, revised 2026-12-07). The summary is what shows the rows were delivered: an answer without it
   * (`200 {}`) is not an upload.
   */
  addContacts: {
    type: "object",
    required: ["summary"],
    properties: {
      summary: {
        type: "object",
        required: ["created", "skipped_duplicate"],
        properties: {
          created: { type: "integer", minimum: 0 },
          updated: { type: "integer", minimum: 0 },
          skipped_duplicate: { type: "integer", minimum: 0 },
          failed: { type: "integer", minimum: 0 },
        },
      },
      results: { type: "array", items: { type: "object", properties: { index: { type: "integer" }, error: { type: ["string", "integer", "null"] } } } },
    },
  },
  /** DELETE /campaigns/{id}/contacts/{contact_id}: the answer is undocumented; the client reads nothing from it. */
  deletedContact: {},
});
