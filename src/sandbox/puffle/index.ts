import type { ProviderSimulator } from "../types.js";
import { PuffleSimulator, type PuffleSimulatorOptions } from "./simulator.js";

export type { PuffleSimulatorOptions } from "./simulator.js";
export { FIXTURE_SENDER_IDS } from "./model.js";

/**
 * The Puffle API simulator (providers/puffle.md). Options exist for tests: an injected clock and the
 * time a launch spends in `launching` (default 0 ms: the next read already shows `active`).
 */
export function createPuffleSimulator(options: PuffleSimulatorOptions = {}): ProviderSimulator {
  return new PuffleSimulator(options);
}
