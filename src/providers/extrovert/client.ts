import type { ProviderHttp } from "../../http/client.js";
import { answerSource, asObject, idString } from "../mapping.js";
import type { ProviderClient } from "../types.js";
import { EXTROVERT_RESPONSES as R } from "./responses.js";

/** Fields the create accepts but the update body does not (immutable after create). */
const CREATE_ONLY = new Set(["ownerId", "type"]);

/**
 * Extrovert documents create and a full-body update only: no read, list, delete or status calls.
 * The update body must be complete; the planner builds it from spec, state and defaults.
 */
export function createExtrovertClient(http: ProviderHttp): ProviderClient {
  return {
    async create(body) {
      // No idempotency mechanism: never retried blindly; an ambiguous failure is reported with the adopt command.
      const req = { method: "POST", path: "/campaign", operation: "create campaign" } as const;
      const res = await http.request<{ data?: unknown }>({ ...req, body, retry: "never", response: R.created });
      return { id: idString(asObject(res.body.data).id, answerSource(http, req, res.status)) };
    },
    async update(id, body) {
      const wire: Record<string, unknown> = { id };
      for (const [k, v] of Object.entries(body)) if (!CREATE_ONLY.has(k)) wire[k] = v;
      await http.request({ method: "PATCH", path: `/campaign/${encodeURIComponent(id)}`, body: wire, operation: `update campaign ${id}`, retry: "safe", response: R.updated });
      // data: null — the response carries nothing to verify against.
      return undefined;
    },
    async sync(id, call, value) {
      if (call !== "toggle-bulk") throw new Error(`unknown Extrovert call ${call}`);
      // The full set of topics bound to a topic campaign, not a delta ([] removes all) [D]. rejectAllPosts
      // is a one-off rejection of posts awaiting approval, never wanted here.
      const body = { campaignId: id, monitoredTopicIds: value, rejectAllPosts: false };
      await http.request({ method: "POST", path: `/campaign-topic/${encodeURIComponent(id)}/toggle-bulk`, body, operation: `bind topics of campaign ${id}`, retry: "safe", response: R.updated });
    },
  };
}
