import type { JsonObject } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import { answerSource, asObject, idString } from "../mapping.js";
import type { ProviderClient } from "../types.js";
import { EXTROVERT_RESPONSES as R } from "./responses.js";

/** Create with POST `path`; update with PATCH `path/{id}` carrying `id` and every field but the create-only ones. */
export function objectClient(http: ProviderHttp, path: string, what: string, createOnly: readonly string[], updatable: boolean): ProviderClient {
  return {
    async create(body) {
      // No idempotency mechanism: never retried blindly (an ambiguous failure is reported with the adopt command).
      const req = { method: "POST", path, operation: `create ${what}` } as const;
      const res = await http.request<{ data?: unknown }>({ ...req, body, retry: "never", response: R.created });
      return { id: idString(asObject(res.body.data).id, answerSource(http, req, res.status), what) };
    },
    async update(id, body) {
      if (!updatable) throw new Error(`Extrovert documents no update of a ${what}: a change replaces it`);
      const wire: JsonObject = { id };
      for (const [k, v] of Object.entries(body)) if (!createOnly.includes(k)) wire[k] = v;
      await http.request({ method: "PATCH", path: `${path}/${encodeURIComponent(id)}`, body: wire, operation: `update ${what} ${id}`, retry: "safe", response: R.updated });
      return undefined;
    },
  };
}
