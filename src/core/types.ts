import type { JsonObject } from "./json.js";

export const PROVIDERS = ["extrovert", "puffle", "altur"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const KINDS = {
  extrovert: "ExtrovertCampaign",
  puffle: "PuffleCampaign",
  altur: "AlturCampaign",
} as const satisfies Record<ProviderName, string>;
export type CampaignKind = (typeof KINDS)[ProviderName];

/** `<provider>/<account>/<metadata.name>` */
export type Address = string;

export function addressOf(provider: ProviderName, account: string, name: string): Address {
  return `${provider}/${account}/${name}`;
}

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One campaign file, loaded and validated. */
export interface CampaignDecl {
  address: Address;
  provider: ProviderName;
  account: string;
  kind: CampaignKind;
  /** metadata.name */
  name: string;
  /** The provider-shaped spec exactly as written (managed fields only). */
  spec: JsonObject;
  /** Where the document starts. */
  source: SourceLocation;
  /** Locate a spec field, e.g. locate(["spec","cycles","mode"]); falls back to the nearest parent. */
  locate?: (path: readonly (string | number)[]) => SourceLocation;
}

export interface AccountConfig {
  provider: ProviderName;
  name: string;
  apiKeyEnv: string;
  baseUrl?: string;
  requestsPerSecond?: number;
  concurrency?: number;
  /** How apply waits for a background status change (Puffle launch); provider defaults otherwise. */
  statusWait?: { timeoutSeconds?: number; pollSeconds?: number };
}

export interface SafetyConfig {
  maxChangePercent: number;
  minManagedForThreshold: number;
}

export interface Workspace {
  /** Absolute path of campaignctl.yaml. */
  configFile: string;
  /** Directory holding the config file; relative paths resolve against it. */
  rootDir: string;
  /** Absolute path. */
  campaignsDir: string;
  /** Absolute path. */
  stateFile: string;
  accounts: AccountConfig[];
  safety: SafetyConfig;
  /** Retire orphans on apply (`prune` in campaignctl.yaml; absent = false). */
  prune?: boolean;
  campaigns: CampaignDecl[];
}

/** One record of campaignctl.state.json, keyed by address. */
export interface StateEntry {
  provider: ProviderName;
  account: string;
  kind: CampaignKind;
  /** Provider id, always as a string (Altur's integer ids are stringified). */
  id: string;
  appliedAt: string;
  /** The managed spec as last written. */
  applied: JsonObject;
  /**
   * What the provider showed when this entry was recorded (the live status after the apply's last
   * step). The refresh uses it to skip detail reads that cannot change the plan (see
   * KindCapabilities.frozenReads). Absent in entries written before it existed: then nothing is skipped.
   */
  observed?: ObservedLive;
}

export interface ObservedLive {
  status?: string;
}

/**
 * A create that was recorded before it was sent and whose answer has not been recorded yet (DESIGN §12).
 * The next apply resolves it before anything else.
 */
export interface PendingCreate {
  provider: ProviderName;
  account: string;
  kind: CampaignKind;
  /** The name the campaign was created with (exact-name lookup on Puffle and Altur). */
  name: string;
  /** sha256 of the body sent (stable JSON), first 32 hex digits. */
  digest: string;
  /** The Idempotency-Key sent with it (derived from lineage, address, digest and serial; never random). */
  idempotencyKey: string;
  /** When the create was about to be sent. */
  at: string;
}

export interface StateDocument {
  version: 1;
  /** Incremented on every write of the state file; 0 (or absent) before the first one. */
  serial?: number;
  /** Random, fixed at the first write: which workspace this state belongs to. */
  lineage?: string;
  campaigns: Record<Address, StateEntry>;
  /** Creates sent (or about to be) whose answer is not recorded; omitted when empty. */
  pending?: Record<Address, PendingCreate>;
}
