import type { JsonObject, JsonValue } from "./json.js";

/**
 * What one provider allows, as data. The planner enforces all of it in one place; nothing in
 * src/core knows a provider by name.
 */
export interface FieldRule {
  /** Dotted spec path of a write unit, e.g. "sequence_nodes" or "cycles.cooldown_minutes". */
  path: string;
  /** Live statuses in which a change is accepted; omitted = every status. */
  editableIn?: readonly string[];
  /** Shown when a change is blocked because the status is not in editableIn. */
  blockedReason?: string;
  /** What would unblock it. */
  unblockHint?: string;
  /** A warning shown when this field changes while the campaign is in one of `statuses`. */
  sideEffect?: { statuses: readonly string[]; warning: string };
}

export interface SyncCall {
  /** The client call (ProviderClient.sync), e.g. "toggle-bulk". */
  call: string;
  /** Dotted spec path of the value it writes. */
  path: string;
  when?: { path: string; equals: JsonValue };
  /** What the step says in plans. */
  describe: string;
}

export interface LifecycleAction {
  /** Provider action name: launch, pause, resume, activate, archive. */
  name: string;
  from: readonly string[];
  /** Status after the action (for a flag action, the status is unchanged). */
  to?: string;
  /** Sets a boolean flag instead of moving the status (Altur archive). */
  setsFlag?: string;
  /**
   * Guardrails (docs/design.md §14): the action makes the object contact people — for the first time
   * (`starts`: launch, activate) or again after a pause (`resumes`). Counted in the plan's `people`.
   */
  reaches?: "starts" | "resumes";
  /** Runs before field edits (stopping actions) or after them (starting actions). */
  phase: "before-edit" | "after-edit" | "last";
  /** The provider offers a read-only pre-check for this action (Puffle validate before launch). */
  preflight?: boolean;
  /** Shown with the step. */
  warning?: string;
  /** The action finishes in the background (see SettleRule): the plan waits for `to` right after it. */
  settles?: SettleRule;
}

/**
 * An action that the provider accepts at once but completes later: the status first moves to one of
 * `through` and reaches the action's `to` in the background (Puffle launch: draft → launching →
 * active). Apply polls until `to` before any later step; a status in `rollback` means the background
 * step failed. Timing defaults; an account's `statusWait` overrides them.
 */
export interface SettleRule {
  through: readonly string[];
  rollback: readonly string[];
  /** Give up after this long (the campaign is left as it is and reported). */
  timeoutSeconds: number;
  /** Longest pause between two reads; the first read comes after at most 2 s, then the pause doubles up to this. */
  pollSeconds: number;
}

export interface Lifecycle {
  /** The spec field holding the desired status ("status"), when the kind has one. */
  statusField?: string;
  /** Desired status → live statuses that already satisfy it. */
  satisfies: Readonly<Record<string, readonly string[]>>;
  actions: readonly LifecycleAction[];
  /** Boolean spec fields driven by actions, e.g. { archived: "archive" }; setting them back is impossible. */
  flags?: Readonly<Record<string, string>>;
  /** Live statuses from which nothing can change, with the reason. */
  terminal?: Readonly<Record<string, { reason: string; unblock: string }>>;
  /** Status a newly created campaign starts in. */
  initialStatus?: string;
  /** Live statuses in which the object contacts people (guardrails: people reached, sender capacity). */
  running?: readonly string[];
}

export interface KindCapabilities {
  /** What one object of the kind is called in plans ("campaign" when absent; "style", "monitored topic"). */
  noun?: string;
  /** The provider has a read API for campaigns. Extrovert does not: live = last applied (state). */
  readable: boolean;
  /** "patch": send only changed write units. "full-body": every update sends the whole body (Extrovert). */
  updateMode: "patch" | "full-body";
  /** Dotted paths of objects the provider merges key by key on update (recurse into them when diffing). */
  mergePaths: readonly string[];
  /** Dotted paths compared as opaque JSON values (no projection onto the spec's keys). */
  opaquePaths: readonly string[];
  /** Dotted paths that can never change after create: a change forces `replace`. */
  immutable: readonly string[];
  /** Statuses in which no field may change, with the reason (Altur finished: 409 CAMPAIGN_FINISHED). */
  readOnlyStatuses: Readonly<Record<string, { reason: string; unblock: string }>>;
  fields: readonly FieldRule[];
  lifecycle: Lifecycle;
  /** Top-level spec fields the create endpoint accepts; the rest go in a follow-up update. */
  createFields: readonly string[];
  /** Top-level spec fields required by create (a create missing them is a plan error). */
  createRequired: readonly string[];
  /** Defaults the provider applies when a field is omitted; used to fill full-body updates. */
  defaults: JsonObject;
  /**
   * Full-body providers: top-level fields whose omission from the spec switches a feature off, with
   * what the body carries then (null: the field is left out of the body). They are never refilled from
   * the last applied body — removing one from the file plans it as switched off. Extrovert:
   * `applyCommentIntervalH` (left out), `connectingSettings`/`dmSettings` (every automation disabled).
   */
  offWhenOmitted?: Readonly<Record<string, JsonValue | null>>;
  /**
   * Full-body providers: optional top-level fields whose omission from the update body keeps the
   * current value (Extrovert style instructions). Dropping one from the spec stops managing it; it is
   * never planned as switched off.
   */
  keptWhenOmitted?: readonly string[];
  /**
   * Values that are also written through a call of their own, right after the create or the update
   * that changes them (Extrovert: a topic campaign's monitored topics through toggle-bulk, an
   * authoritative set). `when` limits the call to specs where a field has a value (type KEYWORD).
   */
  syncCalls?: readonly SyncCall[];
  /** Dotted paths of arrays that are sets: compared without regard to order. */
  unorderedPaths: readonly string[];
  /**
   * Dotted spec paths the provider accepts but no read returns (Altur `message_limit`,
   * `integration_type`, `cycles.mode`): their live value is taken from the last applied state (like
   * every field of an unreadable provider); they never trigger a detail read, and a write of them is
   * not verified. Unknown and not in state: an immutable one is taken from the spec, a mutable one is
   * written as the spec says.
   */
  writeOnlyFields: readonly string[];
  /** Spec field holding the campaign's display name (adoption by name). */
  nameField: string;
  /**
   * The provider refuses a second campaign with the same name in one account (Puffle 409 NAME_CONFLICT):
   * two files with one name, or a create whose name a live campaign of another address holds, are
   * errors at validate/plan time, not at apply (docs/design.md §16). `basis`: where it is documented.
   */
  uniqueNames?: { basis: string };
  /**
   * Reads the refresh may skip: while a campaign is in one of `statuses`, the provider cannot change
   * `paths` (documented, not assumed). When the list shows the campaign in such a status, state
   * observed it in such a status at the last apply, and the spec still wants the value recorded then,
   * the recorded value is what the provider holds, so no detail GET is sent for these paths.
   */
  frozenReads?: readonly { paths: readonly string[]; statuses: readonly string[]; basis: string }[];
  /**
   * The answer of a field write (PATCH) is the detail itself (documented): a detail GET after it can
   * carry nothing the answer lacks, so apply verifies what the answer lacks from the list alone.
   */
  writeAnswerIsDetail?: { basis: string };
  /**
   * How `apply --prune` retires an orphan (docs/design.md §16). `keep`: lifecycle actions that stop it
   * and keep its history, the first whose `from` holds the live status (none: it is already stopped);
   * `delete`: what a DELETE loses, when the API can delete (used only with `prune: delete`).
   * Absent: the orphan is retired as `retire` says.
   */
  prune?: { keep: readonly string[]; delete?: { loses: string } };
  /**
   * A replace makes a new version (docs/design.md §16): the old campaign is renamed (`<name> (replaced
   * DATE)`), the new one created, only the roster entries whose status is in `notContacted` are carried
   * over (unless --recontact), and the old one is stopped by the first `stop` action that applies —
   * never deleted. Absent: `retire` says what happens to the old one.
   */
  newVersion?: { stop: readonly string[]; notContacted: readonly string[] };
  /** How a replaced campaign's old instance is retired. */
  retire:
    | { action: string; order: "before-create" | "after-create"; describe: string }
    | { manual: string };
}
