import type { SimResponse } from "../types.js";
import type { StoredCampaign, StoredContact } from "./model.js";

/** A stored Idempotency-Key outcome: the original response, replayed verbatim inside the window. */
export interface IdempotencyRecord {
  key: string;
  /** method + path + canonical body of the original request. */
  fingerprint: string;
  /** Simulated time (ms since epoch) the original request was answered. */
  at: number;
  response: SimResponse;
}

export interface AlturState {
  nextCampaignId: number;
  nextContactId: number;
  /** Insertion order = id order. */
  campaigns: Map<number, StoredCampaign>;
  /** Contacts per campaign id, in insertion order. */
  contacts: Map<number, StoredContact[]>;
  idempotency: Map<string, IdempotencyRecord>;
  /**
   * Each campaign's list item as last built (deep-frozen) and its JSON text, shared by every list answer
   * until anything may have changed (the simulator starts a new map on every request that is not a GET
   * and on every test hook that changes a campaign): 60 accounts listing at once otherwise rebuilt and
   * serialised 700 day objects per page.
   */
  listItems: WeakMap<StoredCampaign, { item: Readonly<Record<string, unknown>>; json: string }>;
}

export function emptyState(): AlturState {
  return {
    nextCampaignId: 1,
    nextContactId: 1,
    campaigns: new Map(),
    contacts: new Map(),
    idempotency: new Map(),
    listItems: new WeakMap(),
  };
}

export interface AlturSimulatorOptions {
  /** Simulated clock in ms since epoch (default Date.now). Drives created_at/updated_at and the idempotency window. */
  now?: () => number;
  /**
   * Plan limit [D: 402 BILLING_LIMIT_REACHED on activate/resume]: the most campaigns that may be
   * `active` at once. Undefined / null = no limit (the default).
   */
  maxActiveCampaigns?: number | null;
}

/** What every handler gets: the state, the clock and the current options. */
export interface AlturContext {
  state: AlturState;
  nowMs(): number;
  nowIso(): string;
  options: { maxActiveCampaigns: number | null };
  settings: AlturSettings;
}

/**
 * Run-time settings (PUT /__sandbox/settings): which documented revision the simulator answers as.
 * - `contactsPaging`: "both" (default: `pageIndex` → the index revision, else the cursor revision) or
 *   "cursor" (the older revision only: `pageIndex` is not a parameter it knows and is ignored) [D, two revisions].
 * - `agentIdFilter`: "string" (default: agent ids as in every example) or "uuid4" (the revision that types
 *   the filter as uuid4, enforced: a non-UUID `agentId` → 400 VALIDATION_ERROR) [D, src/providers/altur/README.md §11].
 */
export interface AlturSettings {
  contactsPaging: "both" | "cursor";
  agentIdFilter: "string" | "uuid4";
}

export const DEFAULT_ALTUR_SETTINGS: AlturSettings = { contactsPaging: "both", agentIdFilter: "string" };
