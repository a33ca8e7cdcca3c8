import type { JsonObject } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import { absentKeys, asObject, idString, pickPresent } from "../mapping.js";
import type { LiveCampaign, ProviderClient } from "../types.js";

const TOP_FIELDS = [
  "name", "description", "timezone", "retries", "message_limit", "first_message", "template", "template_alt",
  "scheduling", "integration_type", "status", "archived",
];
const CYCLE_FIELDS = [
  "enabled", "mode", "max_iterations", "cooldown_minutes", "filter_statuses", "filter_tags", "schedule",
  "schedule_start_date", "schedule_end_date",
];

/** Detail shape (GET /campaigns/{id}, PATCH and lifecycle responses) → spec shape. */
export function fromDetail(raw: unknown): LiveCampaign {
  const c = asObject(raw);
  const spec = pickPresent(c, TOP_FIELDS);
  const agent = asObject(c.agent);
  const integration = asObject(c.integration);
  if (agent.id !== undefined) spec.agent_id = agent.id as string;
  if (integration.id !== undefined) spec.integration_id = integration.id as string;
  const missing = absentKeys(c, TOP_FIELDS);
  if (c.cycles === undefined || c.cycles === null) {
    spec.cycles = { enabled: false };
  } else {
    spec.cycles = pickPresent(asObject(c.cycles), CYCLE_FIELDS);
  }
  return { id: idString(c.id), ...(typeof c.status === "string" ? { status: c.status } : {}), spec, missing };
}

const LIST_CYCLE_KEYS: Record<string, string> = {
  cycle_enabled: "enabled",
  cycle_max_iterations: "max_iterations",
  cycle_cooldown_minutes: "cooldown_minutes",
  cycle_filter_statuses: "filter_statuses",
  cycle_filter_tags: "filter_tags",
};

/** Flat list item (GET /campaigns) → spec shape; what the list lacks is reported in `missing`. */
export function fromListItem(raw: unknown): LiveCampaign {
  const c = asObject(raw);
  const spec = pickPresent(c, TOP_FIELDS);
  const agent = asObject(c.agent);
  if (agent.id !== undefined) spec.agent_id = agent.id as string;
  const missing = absentKeys(c, TOP_FIELDS);
  if (c.integration !== undefined && asObject(c.integration).id !== undefined) spec.integration_id = asObject(c.integration).id as string;
  else missing.push("integration_id");
  const cycles: JsonObject = {};
  for (const [flat, key] of Object.entries(LIST_CYCLE_KEYS)) {
    if (c[flat] !== undefined) cycles[key] = c[flat] as JsonObject[string];
  }
  spec.cycles = cycles;
  for (const key of CYCLE_FIELDS) if (cycles[key] === undefined) missing.push(`cycles.${key}`);
  return { id: idString(c.id), ...(typeof c.status === "string" ? { status: c.status } : {}), spec, missing };
}

export function createAlturClient(http: ProviderHttp): ProviderClient {
  return {
    async list() {
      const out: LiveCampaign[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100_000; page += 1) {
        const res = await http.request<{ campaigns?: unknown[]; pagination?: { has_next?: boolean; has_more?: boolean; next_cursor?: string | null } }>({
          method: "GET",
          path: "/campaigns",
          query: { pageSize: 100, ...(cursor === undefined ? {} : { cursor }) },
          operation: "list campaigns",
          retry: "safe",
        });
        for (const item of res.body.campaigns ?? []) out.push(fromListItem(item));
        const p = res.body.pagination ?? {};
        const next = p.next_cursor ?? undefined;
        if (!(p.has_next ?? p.has_more) || next === undefined || next === null) break;
        cursor = next;
      }
      return out;
    },
    async get(id) {
      const res = await http.request<{ campaign?: unknown }>({
        method: "GET",
        path: `/campaigns/${encodeURIComponent(id)}`,
        operation: `read campaign ${id}`,
        retry: "safe",
        expectStatus: [404],
      });
      return res.status === 404 ? undefined : fromDetail(res.body.campaign);
    },
    async create(body, { idempotencyKey }) {
      // The Idempotency-Key makes a retried create return the original campaign: safe to retry.
      const res = await http.request<{ campaign?: unknown }>({
        method: "POST",
        path: "/campaigns",
        body,
        headers: { "Idempotency-Key": idempotencyKey },
        operation: "create campaign",
        retry: "safe",
      });
      const live = fromDetail(res.body.campaign);
      return { id: live.id, live };
    },
    async update(id, body) {
      const res = await http.request<{ campaign?: unknown }>({
        method: "PATCH",
        path: `/campaigns/${encodeURIComponent(id)}`,
        body,
        operation: `update campaign ${id}`,
        retry: "safe",
      });
      return fromDetail(res.body.campaign);
    },
    async action(id, action) {
      const res = await http.request<{ campaign?: unknown }>({
        method: "POST",
        path: `/campaigns/${encodeURIComponent(id)}/${action}`,
        operation: `${action} campaign ${id}`,
        retry: "safe",
      });
      return fromDetail(res.body.campaign);
    },
  };
}
