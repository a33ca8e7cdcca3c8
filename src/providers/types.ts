import type { Severity } from "../core/diagnostics.js";
import type { JsonObject } from "../core/json.js";
import type { CampaignKind, ProviderName } from "../core/types.js";

/** Path inside `spec`, e.g. ["cycles", "schedule", "mon", "startTime"] or ["sequence_nodes", 2, "delay_days"]. */
export type SpecPath = readonly (string | number)[];

export interface SpecCheckContext {
  /** Report a problem at a spec path; the loader turns it into a located Diagnostic. */
  report(path: SpecPath, code: string, message: string, severity?: Severity): void;
}

/**
 * Offline provider rules beyond the JSON Schema (ranges the schema cannot express, channel-only
 * fields, node types per channel, delay totals, ...). Called only on specs that passed the schema.
 */
export type SpecValidator = (spec: JsonObject, ctx: SpecCheckContext) => void;

/** How to reach a provider: production defaults and the auth header. */
export interface ConnectionInfo {
  defaultBaseUrl: string;
  defaultRequestsPerSecond: number;
  defaultConcurrency: number;
  /** Header name and value that carry the API key. */
  authHeader(apiKey: string): { name: string; value: string };
}

export interface ProviderModule {
  name: ProviderName;
  kind: CampaignKind;
  displayName: string;
  connection: ConnectionInfo;
  validateSpec: SpecValidator;
}
