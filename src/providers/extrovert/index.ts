import { isJsonObject } from "../../core/json.js";
import type { ProviderModule } from "../types.js";
import { audience } from "./audience.js";
import { capabilities } from "./capabilities.js";
import { createExtrovertClient } from "./client.js";
import { EXTROVERT_KINDS, TEAM_MEMBERS } from "./kinds.js";
import { validateSpec } from "./validate.js";

export const extrovert = {
  name: "extrovert",
  kind: "ExtrovertCampaign",
  displayName: "Extrovert",
  connection: {
    defaultBaseUrl: "https://prod-nginx-v2.goextrovert.com/webgateway/api/client/v2",
    // Not documented; the sandbox assumes 10/s per key.
    defaultRequestsPerSecond: 10,
    // Not documented: 500 ms assumed (the latency the issue 15 measurements used).
    typicalLatencyMs: 500,
    authHeader: (apiKey) => ({ name: "X-API-Key", value: apiKey }),
    // Envelope on every answer: { status: "success" | "error", data, message, statusCode }.
    isOwnErrorBody: (body) => isJsonObject(body) && body.status === "error" && typeof body.statusCode === "number",
  },
  validateSpec,
  audience,
  capabilities,
  createClient: createExtrovertClient,
  // docs/design.md §11: ids of managed objects may be written `{ ref: name }`, the owner `{ teamMember: ... }`.
  references: [
    { path: "userStyleId", kind: "ExtrovertStyle" },
    { path: "userContextId", kind: "ExtrovertContext" },
    { path: "postActivityFilter.monitoredTopicIds", each: true, kind: "ExtrovertMonitoredTopic" },
  ],
  lookups: [{ path: "ownerId", key: "teamMember" }],
  objectKinds: EXTROVERT_KINDS,
  lookupSources: { teamMember: TEAM_MEMBERS },
} satisfies ProviderModule;
