/**
 * Puffle's blocked companies (README.md §14) as one managed object per account: the set of blocked domains.
 * Written by a SuppressionList with `sync: { puffle: <account> }` (docs/design.md §15), or by a file of its own.
 * Puffle documents no object id, no edit in place and no "replace the set" call: the object's id is a constant,
 * a create or an update sends the whole desired set as one bulk add (duplicates are skipped, never 409), then
 * deletes the domains no longer wanted (idempotent). Name-only rows (no domain) are neither read nor touched.
 */
import type { KindCapabilities } from "../../core/capabilities.js";
import type { JsonObject } from "../../core/json.js";
import type { KindModule } from "../types.js";

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

export function domainsOf(spec: JsonObject): string[] {
  const entries = Array.isArray(spec.entries) ? spec.entries : [];
  return [...new Set(entries.flatMap((e) => (e !== null && typeof e === "object" && !Array.isArray(e) && typeof e.domain === "string" ? [blockedDomain(e.domain)] : [])))].sort();
}

export const BLOCKED_COMPANIES_KIND: KindModule = {
  kind: "PuffleBlockedCompanies",
  short: "blocked-companies",
  displayName: "Puffle blocked companies",
  validateSpec: () => undefined,
  capabilities,
  loadClient: async () => (await import("./blocked-companies-client.js")).blockedCompaniesClient,
};
