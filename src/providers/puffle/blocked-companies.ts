/**
 * Puffle's blocked companies (README.md §14) as one managed object per account: the set of blocked domains.
 * Written by a SuppressionList with `sync: { puffle: <account> }` (docs/design.md §15), or by a file of its own.
 * Puffle documents no object id, no edit in place and no "replace the set" call: the object's id is a constant,
 * a create or an update sends the whole desired set as one bulk add (duplicates are skipped, never 409), then
 * deletes the domains no longer wanted (idempotent). Name-only rows (no domain) are neither read nor touched.
 */
import type { KindCapabilities } from "../../core/capabilities.js";
import type { JsonObject } from "../../core/json.js";
import type { ProviderHttp } from "../../http/client.js";
import type { KindModule, LiveResource, ProviderClient } from "../types.js";
import { PUFFLE_RESPONSES as R } from "./responses.js";

/** The one object of the kind in an account. */
export const BLOCKED_COMPANIES_ID = "blocked-companies";

/** Puffle's normalisation of a domain [D]: lower-cased, protocol and `www.` stripped. */
export function blockedDomain(value: string): string {
  return value.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^www\./, "").replace(/\/+$/, "");
}

const capabilities: KindCapabilities = {
  noun: "blocked companies list",
  readable: true,
  updateMode: "patch",
  mergePaths: [],
  opaquePaths: [],
  immutable: [],
  readOnlyStatuses: {},
  fields: [],
  lifecycle: { satisfies: {}, actions: [] },
  createFields: ["entries"],
  createRequired: ["entries"],
  defaults: {},
  unorderedPaths: ["entries"],
  writeOnlyFields: [],
  nameField: "name",
  // Retiring the object stops managing the set; DELETE (prune: delete) unblocks every domain it holds.
  prune: { keep: [], delete: { loses: "every blocked domain of the account: Puffle stops excluding those companies at launch" } },
  retire: { manual: "blocked companies are one set per account: edit the entries instead" },
};

function domainsOf(spec: JsonObject): string[] {
  const entries = Array.isArray(spec.entries) ? spec.entries : [];
  return [...new Set(entries.flatMap((e) => (e !== null && typeof e === "object" && !Array.isArray(e) && typeof e.domain === "string" ? [blockedDomain(e.domain)] : [])))].sort();
}

function client(http: ProviderHttp): ProviderClient {
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

export const BLOCKED_COMPANIES_KIND: KindModule = {
  kind: "PuffleBlockedCompanies",
  short: "blocked-companies",
  displayName: "Puffle blocked companies",
  validateSpec: () => undefined,
  capabilities,
  createClient: client,
};
