import type { AudienceSuppression, SuppressionIndex } from "./suppression.js";
import type { CallingPolicy } from "./guardrails/calling-hours.js";
import type { JsonObject } from "./json.js";

/**
 * A provider's id ("the `provider` of an account", the first segment of an address). The core knows no
 * provider by name: the ids are whatever src/providers/registry.ts registers.
 */
export type ProviderId = string;

/**
 * The kind of a managed object: any kind a provider module declares (a campaign kind, ExtrovertStyle,
 * ...). The core knows no kind by name: it is whatever the provider modules offer.
 */
export type ObjectKind = string;

/**
 * What the lower layers (state, config) need to know of the registered providers and kinds, handed
 * to them by the caller (built from src/providers/registry.ts), so that they need not import providers.
 */
export interface KindCatalog {
  /** Registered provider ids. */
  providers(): readonly ProviderId[];
  /** The kinds a provider offers, with their address segment (absent: `<provider>/<account>/<name>`); none for an unknown id. */
  kindsOf(provider: ProviderId): readonly { kind: ObjectKind; short?: string }[];
}

/**
 * `<provider>/<account>/<metadata.name>` for campaigns; `<provider>/<account>/<short>/<metadata.name>`
 * for the other kinds (`short` is the kind's address segment, e.g. `style`).
 */
export type Address = string;

export function addressOf(provider: ProviderId, account: string, name: string, short?: string): Address {
  return short === undefined ? `${provider}/${account}/${name}` : `${provider}/${account}/${short}/${name}`;
}

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One object file (a campaign or another managed kind), loaded and validated. */
export interface ResourceDecl {
  address: Address;
  provider: ProviderId;
  account: string;
  kind: ObjectKind;
  /** metadata.name */
  name: string;
  /** The provider-shaped spec exactly as written (managed fields only). */
  spec: JsonObject;
  /** Where the document starts. */
  source: SourceLocation;
  /** Locate a spec field, e.g. locate(["spec","cycles","mode"]); falls back to the nearest parent. */
  locate?: (path: readonly (string | number)[]) => SourceLocation;
  /** The top-level `audience` (docs/design.md §10), its files read and checked. */
  audience?: AudienceDecl;
  /** metadata.ignoreChanges: dotted spec paths neither planned nor reported as drift once the campaign exists. */
  ignoreChanges?: readonly string[];
  /** Expanded from a CampaignSet (docs/design.md §13): the set's name and the instance's. */
  set?: { name: string; instance: string };
}

/** One distinct roster row of an audience file. */
export interface AudienceRow {
  /** Index into AudienceDecl.files. */
  file: number;
  line: number;
  /** The identity after the provider's normalisation (email lower-cased, LinkedIn URL in its canonical form, E.164). */
  identity: string;
  /** The row as the provider's write endpoint takes it. */
  row: JsonObject;
}

export interface AudienceFileInfo {
  /** As written in the campaign file (relative to it): the key in state. */
  path: string;
  /** Absolute path. */
  file: string;
  /** sha256 of the file's bytes (hex, first 32 characters). */
  digest: string;
  /** Data rows in the file (duplicates included). */
  rows: number;
  /** Rows left out with `invalidRows: skip` (docs/design.md §17). */
  skipped?: number;
}

export interface AudienceDecl {
  mode: "append" | "exact";
  files: AudienceFileInfo[];
  /** Distinct identities, first occurrence kept, in file order. */
  rows: AudienceRow[];
  /** Rows left out because an earlier row has the same identity. */
  duplicates: number;
  /** Rows left out with `invalidRows: skip` because the provider would reject them (each listed as a warning). */
  skipped?: number;
  /** The workspace's suppression lists (docs/design.md §15), when it has any: roster entries are checked against them too. */
  suppression?: SuppressionIndex;
  /** What the lists took out of `rows` (already left out of them): counts and masked identities only. */
  suppressed?: AudienceSuppression;
}

/** One roster entry as the provider lists it: its id, identity (normalised like the audience files) and status. */
export interface RosterEntry {
  id: string;
  identity: string;
  status?: string;
  /**
   * The entry's attributes as the provider's write endpoint takes them (the roster columns other than the
   * identity; groups as objects), for comparing with the files' rows. In memory only, never in state.
   */
  fields?: Record<string, unknown>;
}

/**
 * What state remembers of an uploaded audience: no personal data, only a digest per file and counts
 * (docs/design.md §10). Unchanged digests and an unchanged live count mean plan needs no roster read.
 */
export interface AudienceState {
  mode: "append" | "exact";
  /** File path as written in the campaign file → digest of its bytes when last applied. */
  files: Record<string, string>;
  /** Distinct identities in the files when last applied. */
  rows: number;
  /** Roster size at the provider right after the last apply (for drift). */
  count: number;
  /** The provider's id of the list the roster was uploaded into (Extrovert prospect lists); an id, no personal data. */
  list?: string;
}

export interface AccountConfig {
  provider: ProviderId;
  name: string;
  apiKeyEnv: string;
  baseUrl?: string;
  requestsPerSecond?: number;
  concurrency?: number;
  /** How apply waits for a background status change (Puffle launch); provider defaults otherwise. */
  statusWait?: { timeoutSeconds?: number; pollSeconds?: number };
  /** How long a request may wait before a retry: per wait (a longer Retry-After is capped) and in total. */
  retryWait?: { maxSeconds?: number; totalSeconds?: number };
}

/** `guardrails:` in campaignctl.yaml (docs/design.md §14; README.md, Guardrails), defaults filled. */
export interface GuardrailsConfig {
  callingHours: { policy: CallingPolicy; level: "error" | "warning" };
  senderCapacity: "off" | "warning" | "error";
  /** Unset: no limit. */
  maxNewContacts?: number;
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
  /** `backend: { type: postgres, … }`: the state lives in PostgreSQL, not in stateFile (docs/design.md §18). */
  backend?: { type: "postgres"; urlEnv: string; key: string };
  accounts: AccountConfig[];
  safety: SafetyConfig;
  /** Absent in workspaces built by code that predates it: the defaults (DEFAULT_GUARDRAILS) apply. */
  guardrails?: GuardrailsConfig;
  /** Retire orphans on apply (`prune` in campaignctl.yaml; absent = false). */
  prune?: boolean;
  /** `prune: delete`: retiring an orphan DELETEs it where the API can; otherwise history is kept (docs/design.md §16). */
  pruneDelete?: boolean;
  campaigns: ResourceDecl[];
  /** Files read besides campaign and audience files (suppression lists' files): absolute paths. */
  otherInputs?: string[];
}

/** One record of campaignctl.state.json, keyed by address. */
export interface StateEntry {
  provider: ProviderId;
  account: string;
  kind: ObjectKind;
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
  /** The audience as last applied (absent when the campaign has none). */
  audience?: AudienceState;
  /** Ids of earlier versions of this campaign (a replace keeps the old one, renamed and paused), oldest first. */
  previousIds?: string[];
}

export interface ObservedLive {
  status?: string;
}

/**
 * A create that was recorded before it was sent and whose answer has not been recorded yet (docs/design.md §12).
 * The next apply resolves it before anything else.
 */
export interface PendingCreate {
  provider: ProviderId;
  account: string;
  kind: ObjectKind;
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
  /**
   * Live objects no address tracks: bound by a run whose state commit was refused (another run bound the
   * same address to another id meanwhile) and kept by `campaignctl state merge` so plans report them as
   * duplicates until `campaignctl state forget ADDR --untracked ID`. Omitted when empty.
   */
  untracked?: UntrackedEntry[];
}

export interface UntrackedEntry extends StateEntry {
  address: Address;
}
