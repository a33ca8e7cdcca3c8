import { isJsonObject } from "../../core/json.js";
import type { ProviderModule } from "../types.js";
import { audience } from "./audience.js";
import { capabilities } from "./capabilities.js";
import { importRules } from "./import-rules.js";
import { validateSpec } from "./validate.js";
import { callingWindows } from "./calling-windows.js";

export const altur = {
  id: "altur",
  displayName: "Altur",
  connection: {
    defaultBaseUrl: "https://api.altur.io/api/v1.0",
    // Documented on every campaign endpoint: 12 requests per second.
    defaultRequestsPerSecond: 12,
    // Not documented: 500 ms assumed (the latency the issue 15 measurements used).
    typicalLatencyMs: 500,
    authHeader: (apiKey) => ({ name: "Authorization", value: `api-key ${apiKey}` }),
    // Error body [A, README.md §2]: { success: false, error: "<CODE>" | <int>, message }.
    isOwnErrorBody: (body) => isJsonObject(body) && body.success === false && (typeof body.error === "string" || typeof body.error === "number"),
    // { success: false, error: "IMMUTABLE_FIELD", message, field }; also the documented { error: <int>, message }.
    // `error` is the code when it is a number or UPPER_SNAKE, else the message.
    parseErrorBody: (body) => {
      if (!isJsonObject(body) || (typeof body.error !== "string" && typeof body.error !== "number")) return undefined;
      if (body.success !== false && typeof body.error !== "number") return undefined;
      const codeLike = typeof body.error === "number" || /^[A-Z][A-Z0-9_]*$/.test(body.error.trim());
      return codeLike ? { code: body.code ?? body.error, message: body.message } : { code: body.code, message: body.message ?? body.error };
    },
  },
  kinds: [{ kind: "AlturCampaign", displayName: "Altur", validateSpec, audience, capabilities, importRules, loadClient: async () => (await import("./client.js")).createAlturClient, callingWindows }],
  examples: ["altur/q2-reactivation.yaml"],
} satisfies ProviderModule;
