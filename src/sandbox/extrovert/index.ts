import type { ProviderSimulator } from "../types.js";

/** Placeholder simulator: answers every request with 404 until the real one lands. */
export function createExtrovertSimulator(): ProviderSimulator {
  return {
    provider: "extrovert",
    basePaths: [""],
    publicBasePath: "",
    defaultRequestsPerSecond: 10,
    authenticate: () => true,
    error: (status, message, code) => ({ status, body: { error: code ?? "ERROR", message } }),
    handle: () => ({ status: 404, body: { error: "NOT_FOUND", message: "not implemented" } }),
    listCampaigns: () => [],
    forceStatus: () => false,
    reset: () => {},
    snapshot: () => ({}),
    restore: () => {},
  };
}
