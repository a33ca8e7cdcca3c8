import { responseSchemas, type JsonSchema } from "../../http/response-schema.js";

/**
 * What the Puffle client needs from each 2xx answer (docs: README.md §3–§4).
 * Extra keys are fine; optional keys may be absent. Only what the client reads is required.
 */
const id: JsonSchema = { type: ["string", "integer"] };
/** A campaign object: the id always; the rest is optional (an absent key is unknown, not a change). */
const campaign: JsonSchema = {
  type: "object",
  required: ["id"],
  properties: { id, name: { type: "string" }, status: { type: "string" }, sender_accounts: { type: ["array", "null"] }, sequence_nodes: { type: ["array", "null"] } },
};
/** A list item: id and name (campaigns are adopted by name — an item without one would look absent and be created again). */
const listItem: JsonSchema = { ...campaign, required: ["id", "name"] };

export const PUFFLE_RESPONSES = responseSchemas({
  /** GET /api/campaigns → `{ campaigns: [...] }`, all campaigns, `[]` valid. */
  listCampaigns: { type: "object", required: ["campaigns"], properties: { campaigns: { type: "array", items: listItem } } },
  /** One item of that list, checked as it arrives (the list is read item by item: it is unpaginated). */
  listCampaignsItem: listItem,
  /** GET /api/campaigns/{id} → `{ campaign, sequence_nodes, prospects_by_status, prospects_by_node }`. */
  getCampaign: { type: "object", required: ["campaign"], properties: { campaign, sequence_nodes: { type: ["array", "null"] } } },
  /** POST /api/campaigns → `{ campaign: { ..., sequence_nodes } }`. */
  createCampaign: { type: "object", required: ["campaign"], properties: { campaign } },
  /** PATCH, pause, resume → `{ campaign }`; launch → `{ success, message, runId, ... }` (no campaign). */
  campaignOrAck: { type: "object", properties: { campaign } },
  /** GET /api/accounts → `{ accounts: [{ id, type, display_name, email_address, ... }] }` [D, README.md §9]. */
  listAccounts: {
    type: "object",
    required: ["accounts"],
    properties: { accounts: { type: "array", items: { type: "object", required: ["id"], properties: { id: { type: "string" } } } } },
  },
  /** GET /api/campaigns/settings → `{ accounts: [{ id, daily_limit, display_name, email_address, ... }], schedules, weekly_stats }` [D, README.md §13]. */
  campaignSettings: {
    type: "object",
    required: ["accounts"],
    properties: { accounts: { type: "array", items: { type: "object", required: ["id"], properties: { id: { type: "string" } } } } },
  },
  /** One item of that answer's `schedules` (undocumented items [D, README.md §13]: any JSON), read and dropped as it arrives. */
  campaignSettingsSchedule: {},
  /** GET /api/campaigns/{id}/validate → `{ ready, checks, errors, warnings }`. */
  validate: {
    type: "object",
    required: ["ready"],
    properties: { ready: { type: "boolean" }, errors: { type: "array" }, warnings: { type: "array" }, checks: { type: "object" } },
  },
  /** GET /api/blocked-companies → `{ blocked: [{ id, domain (or null), name, reason, created_at }] }` (README.md §14). */
  listBlocked: { type: "object", required: ["blocked"], properties: { blocked: { type: "array", items: { type: "object", properties: { domain: { type: ["string", "null"] } } } } } },
  /** POST /api/blocked-companies (bulk) → `{ blocked: [rows], failedEntries? }` (README.md §14). */
  addBlocked: { type: "object", required: ["blocked"], properties: { blocked: { type: "array" }, failedEntries: { type: "array" } } },
  /** DELETE → `{ success: true }`; the client needs nothing but a JSON answer. */
  deleted: {},
  /** GET /api/campaigns/{id}/leads?page=1&limit=1 → `{ prospects, total, page, limit }` (README.md §2, §8): the count is `total`. */
  countProspects: { type: "object", required: ["total"], properties: { total: { type: "integer", minimum: 0 } } },
  /** GET /api/campaigns/{id}/leads → `{ prospects: [{ id, email, linkedin_url, status, ... }], total, page, limit }` (README.md §8). */
  listProspects: {
    type: "object",
    required: ["prospects"],
    properties: {
      prospects: { type: "array", items: { type: "object", required: ["id"], properties: { id, status: { type: "string" } } } },
      total: { type: "integer", minimum: 0 },
    },
  },
  /** POST /api/campaigns/{id}/leads → `{ imported, duplicates }` (README.md §8): the counts show the rows were delivered; `200 {}` is not an upload. */
  uploadProspects: {
    type: "object",
    required: ["imported", "duplicates"],
    properties: { imported: { type: "integer", minimum: 0 }, duplicates: { type: "integer", minimum: 0 } },
  },
  /** DELETE /api/campaigns/{id}/leads → `{ deleted: n | "all" }` (README.md §8). */
  removeProspects: { type: "object", required: ["deleted"], properties: { deleted: { type: ["integer", "string"] } } },
  /** PATCH …/leads `{ prospect_id, updates }` → `{ prospect }` [D, README.md §8]. */
  updateProspect: { type: "object", required: ["prospect"], properties: { prospect: { type: "object" } } },
});
