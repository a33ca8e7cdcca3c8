import type { ProviderModule } from "../../src/providers/types.js";
import { FAKE_KINDS } from "./kinds.js";

export { fakeBackend } from "./backend.js";

/**
 * A fourth provider that lives in the tests only (README.md beside this file): everything it knows is
 * this folder, and the one line that adds it is `registerProvider(fake)` (test/contract/contract.test.ts).
 */
export const fake = {
  id: "fake",
  displayName: "Fake",
  connection: {
    // Never contacted: the clients keep their objects in memory (./backend.ts).
    defaultBaseUrl: "http://127.0.0.1:9",
    defaultRequestsPerSecond: 1000,
    typicalLatencyMs: 1,
    authHeader: (apiKey) => ({ name: "X-Fake-Key", value: apiKey }),
  },
  kinds: FAKE_KINDS,
  examples: [],
} satisfies ProviderModule;
