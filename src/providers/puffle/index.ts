import { isJsonObject } from "../../core/json.js";
import type { ProviderModule } from "../types.js";
import { audience } from "./audience.js";
import { BLOCKED_COMPANIES_KIND } from "./blocked-companies.js";
import { SENDER_ACCOUNTS } from "./senders.js";
import { capabilities } from "./capabilities.js";
import { importRules } from "./import-rules.js";
import { validateSpec } from "./validate.js";
import { senderCapacity } from "./sender-capacity.js";

export const puffle = {
  id: "puffle",
  displayName: "Puffle",
  connection: {
    defaultBaseUrl: "https://app.puffle.ai",
    // No global number documented; the sandbox assumes 10/s per key.
    defaultRequestsPerSecond: 10,
    // Not documented: 500 ms assumed (the latency the issue 15 measurements used).
    typicalLatencyMs: 500,
    authHeader: (apiKey) => ({ name: "Authorization", value: `Bearer ${apiKey}` }),
    // Error body: { error: "<human message>", code?: "UPPER_SNAKE" } — no success flag, no statusCode.
    isOwnErrorBody: (body) => isJsonObject(body) && typeof body.error === "string" && !("success" in body) && !("statusCode" in body),
  },
  kinds: [
    {
      kind: "PuffleCampaign",
      displayName: "Puffle",
      validateSpec,
      audience,
      capabilities,
      importRules,
      loadClient: async () => (await import("./client.js")).createPuffleClient,
      // docs/design.md §11: a sender account may be named `{ sender: "<email or display name>" }`.
      lookups: [{ path: "sender_account_ids", each: true, key: "sender" }],
      // Guardrails (docs/design.md §14): what a running campaign asks of its senders, and their limits.
      senderCapacity,
    },
    // README.md §14; written by SuppressionList sync (docs/design.md §15).
    BLOCKED_COMPANIES_KIND,
  ],
  lookupSources: { sender: SENDER_ACCOUNTS },
  examples: ["puffle/linkedin-cto-outreach.yaml"],
} satisfies ProviderModule;
