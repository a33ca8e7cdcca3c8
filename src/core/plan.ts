import type { JsonObject, JsonValue } from "./json.js";
import type { Address, ObjectKind, ProviderId } from "./types.js";

/** The closed set of plan actions; each doubles as a glyph in text output. */
export type PlanAction = "create" | "update" | "transition" | "replace" | "noop" | "orphan";

export const ACTION_GLYPH = {
  create: "+",
  update: "~",
  transition: "~",
  replace: "-/+",
  noop: " ",
  orphan: "-",
} as const satisfies Record<PlanAction, string>;

export type ChangeClass = "editable" | "blocked" | "immutable";

export interface FieldChange {
  /** Dotted spec path of the write unit. */
  path: string;
  /** Live (or last applied) value; undefined when absent. */
  before?: JsonValue;
  after: JsonValue;
  class: ChangeClass;
  /** Why it is blocked or immutable — for explaining only. */
  reason?: string;
  /** What would unblock it. */
  unblock?: string;
  /** The provider did not return this field (and state does not know it): `before` is unknown, not absent. */
  beforeUnknown?: true;
  /** An optional field the spec no longer sets: it is left out of the full body, switching the feature off (`after` null). */
  switchedOff?: true;
}

/** One ordered execution step. */
export type PlanStep =
  | { kind: "create"; body: JsonObject }
  | { kind: "update"; body: JsonObject; fields: string[] }
  | { kind: "action"; action: string; from?: string; to?: string }
  /** Write `value` (the spec's value at `path`) through a call of its own (KindCapabilities.syncCalls). */
  | { kind: "sync"; call: string; path: string; value: JsonValue; describe: string }
  /** Poll until the status is `until` (an action that completes in the background, e.g. Puffle launch). */
  | { kind: "wait"; after: string; until: string; through: string[] }
  /** Upload `add` roster rows (and, `mode: exact`, remove `remove` entries); the rows come from the audience files at apply time. */
  | { kind: "audience"; noun: string; add: number; remove: number };

/** The audience part of a campaign's plan (DESIGN §10): counts and masked identities, never a row. */
export interface AudiencePlan {
  /** "prospects", "contacts". */
  noun: string;
  mode: "append" | "exact";
  /** Distinct identities in the files, and rows skipped as duplicates inside them. */
  rows: number;
  duplicates: number;
  /** File (as written) → digest of its bytes: what state records once applied. */
  files: Record<string, string>;
  /** Files, mode and the provider's roster count as last applied: the roster was not read. */
  unchanged: boolean;
  /** Rows to upload, rows already present, entries to remove (exact), entries that stay although no longer listed. */
  add: number;
  present: number;
  remove: number;
  keep: number;
  /** Roster size at plan time, when known. */
  liveCount?: number;
  /** Masked identities of the rows to upload (the first few), e.g. `a***@acme.com`. */
  samples?: string[];
  /** Nothing to send, but state does not describe these files yet: apply records them. */
  record?: boolean;
}

export interface BlockedStep {
  what: string;
  reason: string;
  unblock?: string;
}

export interface CampaignPlan {
  address: Address;
  provider: ProviderId;
  account: string;
  kind: ObjectKind;
  /** Provider id, when the campaign exists. */
  id?: string;
  /** Display name (spec name, or the live/last applied name for orphans). */
  displayName: string;
  action: PlanAction;
  /** Live status at plan time. */
  status?: string;
  /** How the live counterpart was found. */
  identity: "state" | "adopted" | "new" | "recreate";
  changes: FieldChange[];
  steps: PlanStep[];
  blocked: BlockedStep[];
  warnings: string[];
  notes: string[];
  /** Fields that force the replace. */
  replaceFields?: string[];
  /** Hash of the live state the plan was computed from (apply refuses a plan when it changed). */
  fingerprint?: string;
  /** The managed spec that apply will record in state once the steps succeed. */
  desired?: JsonObject;
  /** Orphans only: "api" when apply --prune retires it, "manual" when the provider cannot (Extrovert). */
  retire?: "api" | "manual";
  /** A rename: the address this campaign is recorded under in state; apply re-keys the entry. */
  movedFrom?: Address;
  /** The campaign's audience, when its file declares one. */
  audience?: AudiencePlan;
  /**
   * Objects created or replaced in this apply whose new ids this one's steps carry as `(known after
   * apply)` placeholders (DESIGN §11): apply runs them first and fills the ids in.
   */
  dependsOn?: Address[];
}

export interface PlanSummary {
  create: number;
  update: number;
  transition: number;
  replace: number;
  noop: number;
  orphan: number;
  blocked: number;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string;
  campaigns: CampaignPlan[];
  summary: PlanSummary;
  /** Problems found while refreshing that do not stop the whole plan (e.g. ambiguous names). */
  errors: { address: Address; message: string }[];
  /** Whether the apply this plan was made for retires orphans (--prune, or `prune: true` in the workspace). */
  prune?: boolean;
  /** The state the plan was made from (DESIGN §12): `lineage` absent when that state was never written. */
  state?: { serial: number; lineage?: string };
}

/**
 * Whether apply would do something for this campaign. An orphan is a change only when apply retires
 * it (prune on, and the provider can); otherwise it is a note.
 */
export function isChange(c: CampaignPlan, prune: boolean): boolean {
  if (c.action === "orphan") return prune && c.retire !== "manual";
  return c.action !== "noop" || c.movedFrom !== undefined;
}

export function summarize(campaigns: readonly CampaignPlan[]): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, transition: 0, replace: 0, noop: 0, orphan: 0, blocked: 0 };
  for (const c of campaigns) {
    s[c.action] += 1;
    if (c.blocked.length > 0) s.blocked += 1;
  }
  return s;
}
