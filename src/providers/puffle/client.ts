import { sharedJson, sharedSubtrees, type JsonObject, type JsonValue } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import { absentKeys, answerSource, asObject, idString, pickPresent, type AnswerSource } from "../mapping.js";
import { linkedinIdentity, normaliseEmail } from "../roster-cells.js";
import type { LiveResource, PreflightOutcome, ProviderClient, RosterClient, RosterEntry } from "../types.js";
import { PUFFLE_RESPONSES as R } from "./responses.js";

const FIELDS = [
  "type", "name", "status", "skip_other_campaigns", "operating_hours", "daily_limit", "stop_on_reply",
  "open_tracking", "signature",
];
/** Server-owned node fields: ids and positions are the server's, content is compared. */
const NODE_SERVER_FIELDS = new Set(["id", "campaign_id", "position", "created_at", "updated_at"]);

function node(raw: unknown): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(asObject(raw))) if (!NODE_SERVER_FIELDS.has(k) && v !== undefined) out[k] = v as JsonValue;
  return out;
}

/**
 * Campaign object (+ sequence nodes when the response has them) → spec shape. The spec's short
 * subtrees (sequence steps, operating hours) are shared with every other live view holding equal
 * ones, frozen (sharedSubtrees: issue 30, memory at 100,000 campaigns).
 */
export function fromCampaign(raw: unknown, from: AnswerSource, nodes?: unknown): LiveResource {
  const c = asObject(raw);
  const spec = pickPresent(c, FIELDS);
  const missing = absentKeys(c, FIELDS);
  if (Array.isArray(c.sender_accounts)) spec.sender_account_ids = c.sender_accounts.map((a) => idString(asObject(a).id, from, "sender account"));
  else if (Array.isArray(c.sender_account_ids)) spec.sender_account_ids = c.sender_account_ids as string[];
  else missing.push("sender_account_ids");
  const seq = Array.isArray(nodes) ? nodes : Array.isArray(c.sequence_nodes) ? c.sequence_nodes : undefined;
  if (seq) {
    spec.sequence_nodes = [...seq]
      .sort((a, b) => Number(asObject(a).position ?? 0) - Number(asObject(b).position ?? 0))
      .map(node);
  } else {
    missing.push("sequence_nodes");
  }
  // account_limits is write-only: the campaign object never carries it (its value comes from state).
  // stats.total counts the prospects; a fresh campaign shows stats: null (no prospects yet) [D].
  const stats = c.stats === null ? { total: 0 } : asObject(c.stats);
  const rosterCount = typeof stats.total === "number" ? stats.total : undefined;
  return { id: idString(c.id, from), ...(typeof c.status === "string" ? { status: c.status } : {}), spec: sharedSubtrees(spec), missing: sharedJson(missing), ...(rosterCount === undefined ? {} : { rosterCount }) };
}

function messages(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((e) => (typeof e === "string" ? e : String(asObject(e).message ?? JSON.stringify(e))));
}

export function createPuffleClient(http: ProviderHttp): ProviderClient {
  const path = (id: string) => `/api/campaigns/${encodeURIComponent(id)}`;
  return {
    async list() {
      // Unpaginated [D]: 45 MB at 45,000 campaigns. Read as it arrives, each campaign mapped at once,
      // so the answer is never held whole (issue 30).
      const req = { method: "GET", path: "/api/campaigns", operation: "list campaigns" } as const;
      const res = await http.request<{ campaigns?: LiveResource[] }>({
        ...req,
        retry: "safe",
        response: R.listCampaigns,
        list: { key: "campaigns", item: R.listCampaignsItem, map: (c, _index, status) => fromCampaign(c, answerSource(http, req, status)) },
      });
      return res.body.campaigns ?? [];
    },
    async get(id) {
      const req = { method: "GET", path: path(id), operation: `read campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown; sequence_nodes?: unknown }>({ ...req, retry: "safe", expectStatus: [404], response: R.getCampaign });
      return res.status === 404 ? undefined : fromCampaign(res.body.campaign, answerSource(http, req, res.status), res.body.sequence_nodes ?? []);
    },
    async create(body) {
      // No idempotency key: a create is never retried blindly (apply looks the name up instead).
      const req = { method: "POST", path: "/api/campaigns", operation: "create campaign" } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, body, retry: "never", response: R.createCampaign });
      const live = fromCampaign(res.body.campaign, answerSource(http, req, res.status));
      return { id: live.id, live };
    },
    async update(id, body) {
      const req = { method: "PATCH", path: path(id), operation: `update campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, body, retry: "safe", response: R.campaignOrAck });
      return res.body.campaign === undefined ? undefined : fromCampaign(res.body.campaign, answerSource(http, req, res.status));
    },
    async action(id, action) {
      const req = { method: "POST", path: `${path(id)}/${action}`, operation: `${action} campaign ${id}` } as const;
      const res = await http.request<{ campaign?: unknown }>({ ...req, retry: "safe", response: R.campaignOrAck });
      return res.body.campaign === undefined ? undefined : fromCampaign(res.body.campaign, answerSource(http, req, res.status));
    },
    async preflight(id, action) {
      if (action !== "launch") return undefined;
      const res = await http.request<{ ready?: boolean; checks?: unknown; errors?: unknown; warnings?: unknown }>({
        method: "GET",
        path: `${path(id)}/validate`,
        operation: `validate campaign ${id} before launch`,
        retry: "safe",
        response: R.validate,
      });
      const outcome: PreflightOutcome = { ready: res.body.ready === true, errors: messages(res.body.errors), warnings: messages(res.body.warnings) };
      // The docs disagree on a launch without pending prospects (400 vs an immediate, terminal
      // `completed`; README.md §4.6): never launch one, whatever `ready` says.
      const checks = asObject(res.body.checks);
      if (outcome.ready && (checks.has_prospects === false || checks.prospect_count === 0)) {
        outcome.ready = false;
        outcome.errors.push("the campaign has no pending prospects (validate: has_prospects false); Puffle may end such a launch at once in completed");
      }
      // Not ready only for want of prospects: an upload planned before the launch makes it ready.
      if (!outcome.ready && (checks.has_prospects === false || checks.prospect_count === 0) && outcome.errors.length <= 1) outcome.readyWithRoster = true;
      return outcome;
    },
    async remove(id) {
      await http.request({ method: "DELETE", path: path(id), operation: `delete campaign ${id}`, retry: "safe", expectStatus: [404], response: R.deleted });
    },
    roster: puffleRoster(http, path),
  };
}

/** The prospect's profile fields as the upload takes them [D, README.md §8]: what a row edit compares. */
const PROFILE_FIELDS = ["email", "linkedin_url", "first_name", "last_name", "company", "position", "headline", "custom_fields"] as const;

/** Pages of the prospects list: `limit` at most 200 [D]. */
const ROSTER_PAGE = 200;
/** `DELETE …/leads` takes 1 to 500 prospect ids [D]. */
const DELETE_BATCH = 500;

/** README.md §8: `/api/campaigns/{id}/leads`. */
function puffleRoster(http: ProviderHttp, path: (id: string) => string): RosterClient {
  return {
    async count(id, live) {
      if (live?.rosterCount !== undefined) return live.rosterCount;
      const res = await http.request<{ total?: unknown }>({ method: "GET", path: `${path(id)}/leads`, query: { page: 1, limit: 1 }, operation: `count prospects of campaign ${id}`, retry: "safe", response: R.countProspects });
      return typeof res.body.total === "number" ? res.body.total : undefined;
    },
    async list(id, identityColumn) {
      const out: RosterEntry[] = [];
      for (let page = 1; page < 100_000; page += 1) {
        const req = { method: "GET", path: `${path(id)}/leads`, operation: `list prospects of campaign ${id}` } as const;
        const res = await http.request<{ prospects?: unknown[]; total?: unknown }>({ ...req, query: { page, limit: ROSTER_PAGE }, retry: "safe", response: R.listProspects });
        const items = res.body.prospects ?? [];
        for (const raw of items) {
          const p = asObject(raw);
          const value = p[identityColumn];
          if (typeof value !== "string" || value === "") continue;
          const identity = identityColumn === "email" ? normaliseEmail(value) : linkedinIdentity(value);
          // The profile fields, for comparing with the files' rows (row edits; never stored).
          const fields: Record<string, unknown> = {};
          for (const f of PROFILE_FIELDS) if (p[f] !== undefined) fields[f] = p[f];
          out.push({ id: idString(p.id, answerSource(http, req, res.status), "prospect"), identity, ...(typeof p.status === "string" ? { status: p.status } : {}), fields });
        }
        const total = typeof res.body.total === "number" ? res.body.total : undefined;
        if (items.length < ROSTER_PAGE || (total !== undefined && page * ROSTER_PAGE >= total)) break;
      }
      return out;
    },
    async add(id, rows) {
      // Puffle de-duplicates within the batch and against the roster [D]: a repeated batch adds nothing twice.
      const res = await http.request<{ imported?: unknown; duplicates?: unknown; error?: unknown }>({
        method: "POST",
        path: `${path(id)}/leads`,
        body: { prospects: rows },
        operation: `upload ${rows.length} prospects to campaign ${id}`,
        retry: "safe",
        expectStatus: [400],
        response: R.uploadProspects,
      });
      if (res.status === 400) {
        // Rows missing the identity → 400 naming the row index [D]; nothing of the batch was added.
        const message = typeof res.body.error === "string" ? res.body.error : "Puffle refused the batch";
        const index = /\[(\d+)\]/.exec(message)?.[1];
        return { added: 0, duplicates: 0, rejected: [], batchRejected: { message, ...(index === undefined ? {} : { index: Number(index) }) } };
      }
      const added = typeof res.body.imported === "number" ? res.body.imported : 0;
      const duplicates = typeof res.body.duplicates === "number" ? res.body.duplicates : rows.length - added;
      return { added, duplicates, rejected: [] };
    },
    async update(id, items) {
      // One prospect per request: `PATCH …/leads` with `{ prospect_id, updates }` → `{ prospect }` [D, README.md §8].
      // Writing the same values again changes nothing, so a retry is safe. The identity is not sent (unchanged).
      let updated = 0;
      const rejected: { index: number; code: string }[] = [];
      for (const [index, { entry, row }] of items.entries()) {
        const updates: JsonObject = {};
        for (const [k, v] of Object.entries(row)) {
          if (k === "email" && typeof v === "string" && normaliseEmail(v) === entry.identity) continue;
          if (k === "linkedin_url" && typeof v === "string" && linkedinIdentity(v) === entry.identity) continue;
          updates[k] = v;
        }
        const res = await http.request<{ error?: unknown; code?: unknown }>({
          method: "PATCH",
          path: `${path(id)}/leads`,
          body: { prospect_id: entry.id, updates },
          operation: `update prospect ${entry.id} of campaign ${id}`,
          retry: "safe",
          // A prospect removed since the plan (404) or an edit onto another prospect's identity (409): that row only.
          expectStatus: [404, 409],
          response: R.updateProspect,
        });
        if (res.status === 404 || res.status === 409) rejected.push({ index, code: typeof res.body.code === "string" ? res.body.code : String(res.status) });
        else updated += 1;
      }
      return { updated, rejected };
    },
    async remove(id, entries) {
      let removed = 0;
      for (let i = 0; i < entries.length; i += DELETE_BATCH) {
        const ids = entries.slice(i, i + DELETE_BATCH).map((e) => e.id);
        const res = await http.request<{ deleted?: unknown }>({
          method: "DELETE",
          path: `${path(id)}/leads`,
          body: { prospect_ids: ids },
          operation: `remove ${ids.length} prospects from campaign ${id}`,
          retry: "safe",
          response: R.removeProspects,
        });
        removed += typeof res.body.deleted === "number" ? res.body.deleted : ids.length;
      }
      return removed;
    },
  };
}
