import { describeAudienceStep } from "./audience.js";
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
  | { kind: "audience"; noun: string; add: number; /** Rows already there whose attributes changed (absent: 0). */ update?: number; remove: number }
  /** DELETE the campaign at the provider (`prune: delete` only): `loses` says what goes with it. */
  | { kind: "delete"; loses: string }
  /** A new version (replace): rename the old campaign `id` to `name`, before the new one is created. */
  | { kind: "rename-old"; id: string; name: string }
  /** A new version (replace): stop the old campaign `id` after the new one runs (never a delete). */
  | { kind: "stop-old"; id: string; action: string; from: string; to?: string };

/**
 * The words for a plan step, written once for the plan renderer and apply's progress lines (issue 21,
 * "one of each"). `plan` (the default) says what will be sent: `create (POST with 12 fields)`,
 * `wait until active (launching → active)`; `progress` is the short form apply prints as it goes and
 * lists as not done: `create`, `wait for active`. Every other step reads the same in both.
 */
export function describeStep(step: PlanStep, form: "plan" | "progress" = "plan"): string {
  switch (step.kind) {
    case "create":
      return form === "progress" ? "create" : `create (POST with ${Object.keys(step.body).length} fields)`;
    case "update":
      return `update ${step.fields.join(", ")}`;
    case "action":
      return step.from !== undefined && step.to !== undefined ? `${step.action} (${step.from} → ${step.to})` : step.action;
    case "sync":
      return step.describe;
    case "wait":
      return form === "progress" ? `wait for ${step.until}` : `wait until ${step.until} (${step.through.join("/")} → ${step.until})`;
    case "audience":
      return describeAudienceStep(step);
    case "delete":
      return form === "progress" ? "DELETE" : `DELETE (loses ${step.loses})`;
    case "rename-old":
      return `rename old ${step.id} to ${JSON.stringify(step.name)}`;
    case "stop-old":
      return `${step.action} old ${step.id} (${step.from} → ${step.to ?? step.action})`;
  }
}

/** The audience part of a campaign's plan (docs/design.md §10): counts and masked identities, never a row. */
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
  /** Rows already present whose attributes differ from the live entry's (`~ 12 contacts updated`); counted in `present` too. */
  update: number;
  present: number;
  remove: number;
  keep: number;
  /** Roster size at plan time, when known. */
  liveCount?: number;
  /** Masked identities of the rows to upload (the first few), e.g. `a***@acme.com`. */
  samples?: string[];
  /** Nothing to send, but state does not describe these files yet: apply records them. */
  record?: boolean;
  /** A new version (replace): rows the old campaign already contacted, which stay with it (not uploaded). */
  leftBehind?: number;
  /**
   * Suppression lists (docs/design.md §15): rows left out of the files (per list and per file, masked samples),
   * and people already in the roster that a list now names: `remove` of them are counted in `remove` above,
   * `keep` cannot be removed (a blocked step says why).
   */
  suppressed?: { rows: number; lists: Record<string, number>; files: { path: string; rows: number; lists: Record<string, number> }[]; samples?: string[]; live?: { remove: number; keep: number } };
}

/**
 * Why a step is blocked: what apply, drift, exit codes and renderers decide on. `what`, `reason` and
 * `unblock` are words for people only (Terraform's rule: reasons explain, they never decide).
 */
export type BlockedCode =
  /** No lifecycle transition leads from the live status to the desired one (`field`: the status field). */
  | "status-unreachable"
  /** The provider's read-only pre-check says a lifecycle action would fail (at plan or at apply time). */
  | "preflight-failed"
  /** A one-way flag (e.g. `archived`) would be undone (`field`: the flag). */
  | "flag-irreversible"
  /** A field cannot change in the campaign's current status (`field`: its dotted path). */
  | "field-blocked"
  /** Audience rows cannot be added / entries removed in the campaign's status; entries no longer listed stay. */
  | "audience-add-blocked"
  | "audience-remove-blocked"
  /** Rows already there whose attributes changed cannot be updated in the campaign's status. */
  | "audience-update-blocked"
  | "audience-kept"
  /** People already in the roster whom a suppression list now names, and whom the provider will not let campaignctl remove. */
  | "audience-suppressed-kept"
  /** A create the spec cannot make: required fields missing. */
  | "create-incomplete"
  /** An earlier create was sent but never answered, on a provider that cannot be read back to check. */
  | "create-unconfirmed"
  /** Apply only: an object this one refers to is blocked itself (e.g. its create is unconfirmed); it follows once that one is unblocked. */
  | "dependency-blocked";

export const BLOCKED_CODES = [
  "status-unreachable", "preflight-failed", "flag-irreversible", "field-blocked", "audience-add-blocked",
  "audience-remove-blocked", "audience-update-blocked", "audience-kept", "audience-suppressed-kept", "create-incomplete", "create-unconfirmed",
] as const satisfies readonly BlockedCode[];

export interface BlockedStep {
  code: BlockedCode;
  /** The spec field the step is about (field-blocked, flag-irreversible, status-unreachable, preflight-failed). */
  field?: string;
  what: string;
  reason: string;
  unblock?: string;
}

/** Blocked steps about the campaign's audience (roster rows). */
export function isAudienceBlocked(b: BlockedStep): boolean {
  return b.code === "audience-add-blocked" || b.code === "audience-update-blocked" || b.code === "audience-remove-blocked" || b.code === "audience-kept" || b.code === "audience-suppressed-kept";
}

/** Why apply skipped a campaign, failed it, or left it to a person (ResourceOutcome.reason). */
export type ActionReason =
  /** skipped: the plan is a replace and --allow-replace was not given (exit code 3). */
  | "needs-replace"
  /** skipped: an orphan, and --prune was not given. */
  | "needs-prune"
  /** skipped: a signal arrived before it started, or before one of its steps. */
  | "interrupted"
  /** manual: the provider cannot retire it (remove it by hand, then `state forget`); or no id is recorded. */
  | "manual-retire"
  | "no-id"
  /** failed: it waits for the id of an object whose create failed or did not run. */
  | "dependency-missing"
  /** failed: not planned (the refresh could not read it, a reference could not be resolved). */
  | "not-planned"
  /** failed: no provider session for its account. */
  | "no-session"
  /** failed: the provider refused or could not be reached (a ProviderApiError). */
  | "provider-error"
  /** failed: the provider accepted a write that did not take, or the campaign did not reach the status. */
  | "not-verified"
  /** failed: anything else (state could not be written, rows rejected, …). */
  | "step-failed";

/** What a plan note says, for tools; `text` is for people. */
export type NoteCode =
  /** The campaign's metadata.name changed: apply re-keys the state entry. */
  | "moved"
  /** In state, no longer in Git: apply retires it only with --prune. */
  | "orphan-prune"
  /** In state, no longer in Git, and the provider cannot retire it: remove it by hand, then `state forget`. */
  | "orphan-manual"
  /** Pruning keeps the orphan's history: it is stopped (pause, archive), or already stopped, and removed from state. */
  | "orphan-keep"
  /** Pruning DELETEs the orphan (`prune: delete`): what is lost. */
  | "orphan-delete"
  /** `prune: delete`, but the provider has no delete: the orphan is retired keeping its history. */
  | "orphan-no-delete"
  /** A replace: which fields force it, and what happens to the old campaign. */
  | "replace-fields"
  | "replace-old"
  /** A new version (replace): people carried over to the new campaign and left behind with the old one. */
  | "carry-over"
  /** The replace was asked for with `apply --replace ADDR`, not forced by a field. */
  | "replace-requested"
  /** A provider pre-check runs at apply time, after the create. */
  | "preflight-after-create"
  /** Live was found by exact name (adoption), or an unanswered create was looked up by name. */
  | "adopted"
  | "pending-create"
  /** The recorded id no longer exists at the provider (an orphan deleted outside campaignctl). */
  | "deleted-outside"
  /** The provider has no read API: compared with the last applied body in state. */
  | "no-read-api"
  /** Fields the provider did not return: compared with state, assumed from the spec, or written as unknown. */
  | "unread-from-state"
  | "unread-from-spec"
  | "unread-unknown"
  /** A `{ lookup }` resolved to an id, or not looked up in a read-only run without the key. */
  | "lookup"
  | "lookup-skipped"
  /** An interrupted create of a campaign no longer declared (apply, stderr). */
  | "pending-undeclared"
  /** A note read from a formatVersion 1 plan file (which had words only). */
  | "note";

export interface PlanNote {
  code: NoteCode;
  text: string;
}

export interface ResourcePlan {
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
  notes: PlanNote[];
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
   * apply)` placeholders (docs/design.md §11): apply runs them first and fills the ids in.
   */
  dependsOn?: Address[];
  /** Expanded from a CampaignSet (docs/design.md §13): the set's name and the instance's. */
  set?: string;
  instance?: string;
}

/**
 * Counts per campaign, exact: create, update, transition, replace, orphan, moved and noop are exclusive
 * (a rename without other change is `moved`, not `noop`; a campaign whose changes are all blocked is in
 * none of them); `blocked` counts campaigns with blocked changes, whatever else they do.
 */
export interface PlanSummary {
  create: number;
  update: number;
  transition: number;
  replace: number;
  /** In sync: nothing to do and nothing blocked. */
  noop: number;
  orphan: number;
  /** Renamed (metadata.name changed) and otherwise unchanged: apply only re-keys state. */
  moved: number;
  blocked: number;
}

/** The plan document's format (`plan --format json`, `plan --out`); v1 files are read through upgradePlan (core/plan-format.ts). */
export const PLAN_FORMAT_VERSION = 2;

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  createdAt: string;
  campaigns: ResourcePlan[];
  summary: PlanSummary;
  /** Problems found while refreshing that do not stop the whole plan (e.g. ambiguous names). */
  errors: { address: Address; message: string }[];
  /** Whether the apply this plan was made for retires orphans (--prune, or `prune: true` in the workspace). */
  prune?: boolean;
  /** The state the plan was made from (docs/design.md §12): `lineage` absent when that state was never written. */
  state?: { serial: number; lineage?: string };
  /**
   * Live objects the state records as `untracked` (made by a run whose state commit was merged over:
   * duplicates no address tracks) until `campaignctl state forget ADDR --untracked ID`. Omitted when none.
   */
  untracked?: { address: Address; provider: ProviderId; id: string }[];
  /**
   * Guardrails (docs/design.md §14), added to formatVersion 2 without a bump (optional, additive: readers
   * that predate them ignore them). How many people the apply starts and resumes contacting.
   */
  people?: PeopleReached;
  /** Guardrail findings, typed; an `error` one makes `--detailed-exitcode` 3 and is never applied without --force. */
  guardrails?: GuardrailFinding[];
  /** Where a provider documents prices, an estimate; otherwise why there is none (never a guess). */
  cost?: CostEstimate;
}

/** People an apply starts or resumes contacting (docs/design.md §14). */
export interface PeopleReached {
  /** People contacted for the first time: a launch/activate of the whole roster, rows added to a running campaign. */
  starts: number;
  /** People in a roster that is resumed (its size: some of them may be finished already, so an upper bound). */
  resumes: number;
  /** Rows uploaded to campaigns that stay stopped after the apply (contacted once they are started). */
  staged: number;
  /** Per campaign with any of the above. */
  campaigns: { address: Address; starts: number; resumes: number; staged: number }[];
  /** Campaigns resumed or started whose roster size is not known at plan time (not counted above). */
  unknown?: Address[];
}

/** The typed codes of guardrail findings. */
export type GuardrailCode =
  /** A sender is asked more sends a day than its own daily limit by the campaigns running after the apply. */
  | "SENDER_CAPACITY"
  /** The sender limits could not be read (the capacity check did not run for that account). */
  | "SENDER_CAPACITY_UNREAD"
  /** The apply starts or resumes contacting more people than guardrails.maxNewContacts. */
  | "MAX_NEW_CONTACTS";

export interface GuardrailFinding {
  code: GuardrailCode;
  level: "error" | "warning";
  /** Words for people; tools read the fields below. */
  message: string;
  /** The campaigns it is about. */
  addresses: Address[];
  /** SENDER_CAPACITY: the sender, its daily limit and what each campaign asks of it. */
  sender?: { account: string; id: string; label: string; limit: number; asked: number; by: { address: Address; perDay: number; rule: string }[] };
  /** MAX_NEW_CONTACTS: the people counted and the limit. */
  people?: { count: number; limit: number };
}

export interface CostEstimate {
  /** False: no provider in the plan documents prices; `note` says so and no figure is given. */
  documented: boolean;
  note: string;
}

/** Whether a plan has a guardrail error (exit 3 with --detailed-exitcode; apply refuses without --force). */
export function hasGuardrailError(plan: Pick<Plan, "guardrails">): boolean {
  return (plan.guardrails ?? []).some((f) => f.level === "error");
}

/**
 * Whether apply would do something for this campaign. An orphan is a change only when apply retires
 * it (prune on, and the provider can); otherwise it is a note.
 */
export function isChange(c: ResourcePlan, prune: boolean): boolean {
  if (c.action === "orphan") return prune && c.retire !== "manual";
  return c.action !== "noop" || c.movedFrom !== undefined;
}

export function summarize(campaigns: readonly ResourcePlan[]): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, transition: 0, replace: 0, noop: 0, orphan: 0, moved: 0, blocked: 0 };
  for (const c of campaigns) {
    if (c.blocked.length > 0) s.blocked += 1;
    if (c.action !== "noop") s[c.action] += 1;
    else if (c.movedFrom !== undefined) s.moved += 1;
    else if (c.blocked.length === 0) s.noop += 1;
  }
  return s;
}
