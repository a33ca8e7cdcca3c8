import type { JsonObject } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import type { LiveResource, ProviderClient } from "../types.js";
import { BLOCKED_COMPANIES_ID, domainsOf } from "./blocked-companies.js";
import { PUFFLE_RESPONSES as R } from "./responses.js";

/** The client of Puffle's blocked companies (./blocked-companies.ts): loaded only when a command talks to Puffle. */
export function blockedCompaniesClient(http: ProviderHttp): ProviderClient {
  const read = async (): Promise<LiveResource> => {
    const res = await http.request<{ blocked: { domain?: string | null }[] }>({ method: "GET", path: "/api/blocked-companies", operation: "list blocked companies", retry: "safe", response: R.listBlocked });
    const domains = [...new Set(res.body.blocked.flatMap((b) => (typeof b.domain === "string" && b.domain !== "" ? [b.domain] : [])))].sort();
    return { id: BLOCKED_COMPANIES_ID, spec: { entries: domains.map((domain) => ({ domain })) }, missing: [] };
  };
  /** Bulk add of the whole desired set (existing ones skipped), then delete what is no longer wanted. */
  const write = async (spec: JsonObject): Promise<LiveResource> => {
    const want = domainsOf(spec);
    if (want.length > 0) {
      const res = await http.request<{ failedEntries?: unknown[] }>({
        method: "POST",
        path: "/api/blocked-companies",
        body: { entries: want.map((domain) => ({ domain })) },
        operation: `add ${want.length} blocked companies`,
        // Duplicates are skipped server-side [D]: the same bulk add twice is harmless.
        retry: "safe",
        response: R.addBlocked,
      });
      if (Array.isArray(res.body.failedEntries) && res.body.failedEntries.length > 0) throw new Error(`Puffle refused ${res.body.failedEntries.length} blocked compan${res.body.failedEntries.length === 1 ? "y" : "ies"}: ${JSON.stringify(res.body.failedEntries).slice(0, 300)}`);
    }
    const live = await read();
    for (const domain of domainsOf(live.spec).filter((d) => !want.includes(d))) {
      await http.request({ method: "DELETE", path: `/api/blocked-companies/${encodeURIComponent(domain)}`, operation: `unblock ${domain}`, retry: "safe", response: R.deleted });
    }
    return { ...live, spec: { entries: want.map((domain) => ({ domain })) } };
  };
  return {
    list: async () => [await read()],
    get: async (id) => (id === BLOCKED_COMPANIES_ID ? read() : undefined),
    async create(body) {
      const live = await write(body);
      return { id: BLOCKED_COMPANIES_ID, live };
    },
    update: async (_id, body) => write(body),
    async remove() {
      await write({ entries: [] });
    },
  };
}
