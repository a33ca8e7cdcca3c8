import { isJsonObject } from "../../core/json.js";
import type { ProviderModule } from "../types.js";
import { audience } from "./audience.js";
import { capabilities } from "./capabilities.js";
import { EXTROVERT_KINDS, TEAM_MEMBERS } from "./kinds.js";
import { validateSpec } from "./validate.js";

export const extrovert = {
  id: "extrovert",
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
    // The envelope's statusCode stands in for a code (the API has no error codes).
    parseErrorBody: (body) => (isJsonObject(body) && body.status === "error" ? { code: body.code ?? body.statusCode, message: body.message } : undefined),
  },
  kinds: [
    {
      kind: "ExtrovertCampaign",
      displayName: "Extrovert",
      validateSpec,
      audience,
      capabilities,
      loadClient: async () => (await import("./client.js")).createExtrovertClient,
      // docs/design.md §11: ids of managed objects may be written `{ ref: name }`, the owner `{ teamMember: ... }`.
      references: [
        { path: "userStyleId", kind: "ExtrovertStyle" },
        { path: "userContextId", kind: "ExtrovertContext" },
        { path: "postActivityFilter.monitoredTopicIds", each: true, kind: "ExtrovertMonitoredTopic" },
      ],
      lookups: [{ path: "ownerId", key: "teamMember" }],
    },
    ...EXTROVERT_KINDS,
  ],
  lookupSources: { teamMember: TEAM_MEMBERS },
  // The campaign names its style, context and topic by `ref`, so their files come with it.
  examples: ["extrovert/ai-agents-topic.yaml", "extrovert/shared/ai-agents.yaml", "extrovert/shared/example-corp.yaml", "extrovert/shared/founder-voice.yaml"],
} satisfies ProviderModule;
