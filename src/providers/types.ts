import type { SuppressionColumn } from "../core/suppression.js";
import type { Severity } from "../core/diagnostics.js";
import type { CallingWindow } from "../core/guardrails/calling-hours.js";
import type { JsonObject, JsonValue } from "../core/json.js";
import type { KindCapabilities } from "../core/capabilities.js";
import type { LookupField, ReferenceField } from "../core/refs.js";
import type { ObjectKind, ProviderId, RosterEntry } from "../core/types.js";

export type { RosterEntry };
import type { ProviderHttp } from "../http/client.js";
import type { ErrorBodyReader } from "../http/retry.js";

/** Path inside `spec`, e.g. ["cycles", "schedule", "mon", "startTime"] or ["sequence_nodes", 2, "delay_days"]. */
export type SpecPath = readonly (string | number)[];

export interface SpecCheckContext {
  /**
   * Report a problem at a spec path; the loader turns it into a located Diagnostic. `at` says what
   * the position points at: the value (default), or the key when the field itself is the problem
   * (e.g. a field that does not belong to the campaign's channel). A path that does not exist is
   * located at its nearest existing parent.
   */
  report(path: SpecPath, code: string, message: string, severity?: Severity, at?: "value" | "key"): void;
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
  /**
   * Typical time a request takes (ms), for sizing the default concurrency: by Little's law a client
   * needs rate × latency requests in flight to use its rate, so the default is twice that (see
   * defaultConcurrency in src/http/pacing.ts) and pacing, not concurrency, is the limit.
   */
  typicalLatencyMs: number;
  /** Header name and value that carry the API key. */
  authHeader(apiKey: string): { name: string; value: string };
  /**
   * Whether a parsed error body has this provider's error shape. Used to say "this URL answers like
   * another provider's API" when an account's baseUrl points at the wrong provider.
   */
  isOwnErrorBody?(body: unknown): boolean;
  /**
   * Code and message from an error body in the provider's own shape, or undefined for any other body
   * (the http client then applies the generic reading: src/http/retry.ts parseErrorBody).
   */
  parseErrorBody?: ErrorBodyReader;
}

/**
 * One kind of managed object a provider offers (a campaign kind, or a dependency such as an Extrovert
 * style): everything the engine needs to validate, plan, apply, read and import objects of that kind.
 * The engine decides nothing by kind name: whatever differs between kinds is here, as data or a hook.
 * Adding a kind is one more entry in its provider's `kinds`, its schema and a contract sample (README.md, Development: Adding a kind).
 */
export interface KindModule {
  kind: ObjectKind;
  /**
   * Address segment (`<provider>/<account>/<short>/<name>`). Absent for the provider's primary kind,
   * addressed `<provider>/<account>/<name>` (at most one kind of a provider may omit it).
   */
  short?: string;
  /** Shown in messages: "Extrovert" (the primary kind), "Extrovert style". */
  displayName: string;
  validateSpec: SpecValidator;
  capabilities: KindCapabilities;
  /**
   * The kind's API client, from a module loaded on first use (openSessions loads it): validate and the
   * other offline commands never load the clients nor the answer schemas they read with.
   */
  loadClient(): Promise<ClientFactory>;
  /** How `campaignctl import` turns a live object into a spec; absent for kinds that cannot be imported. */
  importRules?: ImportRules;
  /** The object's roster (prospects, contacts): columns, identity, limits, when it may change (docs/design.md §10). */
  audience?: AudienceRules;
  /** Spec fields holding the id of another managed object (may be written `{ ref: name }`). */
  references?: readonly ReferenceField[];
  /** Spec fields whose id may be looked up by name in one of the provider's lookupSources. */
  lookups?: readonly LookupField[];
  /**
   * The JSON Schema (draft 2020-12) of `spec`, for a kind registered at run time (registerProvider: a
   * provider the tests add). The built-in kinds leave it out: their schemas are
   * src/providers/<provider>/schema/<Kind>.schema.json, precompiled into src/config/generated/validators.ts
   * (validate compiles nothing for them); a run-time kind's schema is compiled with ajv when a file of
   * that kind is first checked (src/config/schemas.ts).
   */
  specSchema?: JsonObject;
  /**
   * Guardrails (docs/design.md §14): the windows in which the object places phone calls, each with its
   * spec path and the zone it is read in. The calling-hours check converts them to every contact's
   * zone. Absent, or none returned: the object places no calls (WhatsApp, LinkedIn, email).
   */
  callingWindows?(spec: JsonObject): CallingWindow[];
  /**
   * Guardrails: the daily sends the object asks of each of its senders while it runs, and how the
   * provider reports each sender's own daily limit (GET only). Absent: the kind has no senders to book.
   */
  senderCapacity?: SenderCapacityRules;
}

/** How many sends a day one running object asks of one sender, and by which rule (for messages and the README). */
export interface SenderDemand {
  sender: string;
  perDay: number;
  rule: string;
}

export interface SenderLimit {
  sender: string;
  /** Shown in findings: display name and email. */
  label: string;
  perDay: number;
}

export interface SenderCapacityRules {
  /** Demand per sender of an object with this spec (the desired spec, live values filling what it omits). */
  demand(spec: JsonObject): SenderDemand[];
  /** Every sender's daily limit in the account, as the provider reports it; read-only. */
  limits(http: ProviderHttp): Promise<SenderLimit[]>;
  /** Where `limits` reads from, for messages ("GET /api/campaigns/settings"). */
  endpoint: string;
}

/** One candidate of a lookup: the id it resolves to and the strings (email, name) that name it. */
export interface LookupCandidate {
  id: string;
  /** Matched case-insensitively after trimming. */
  keys: readonly string[];
  /** How the candidate is shown in messages. */
  label: string;
}

/** Objects a provider lists but campaignctl does not manage (Extrovert team members, Puffle sender accounts). */
export interface LookupSource {
  /** "team member", "sender account". */
  describe: string;
  /** Where the candidates come from, for messages ("GET /user/team-members"). */
  endpoint: string;
  /** A spec field that narrows the list (Puffle: senders of the campaign's `type`); its value is passed to `list`. */
  narrowBy?: string;
  /** Read-only. */
  list(http: ProviderHttp, narrow: JsonValue | undefined): Promise<LookupCandidate[]>;
}

/**
 * Everything one provider knows, as one value: how to reach it and the kinds of objects it offers.
 * src/providers/registry.ts lists the modules; nothing above the providers names one.
 */
export interface ProviderModule {
  /** The provider id: the `provider` of accounts, the first address segment, the folder under campaigns/. */
  id: ProviderId;
  /** "Extrovert". */
  displayName: string;
  connection: ConnectionInfo;
  /** The kinds of objects the provider manages; the one without `short` is its primary kind. */
  kinds: readonly KindModule[];
  /** Lookup sources by the key written in a spec (`teamMember`, `sender`). */
  lookupSources?: Readonly<Record<string, LookupSource>>;
  /**
   * The example files `campaignctl init` copies for this provider: paths under the package's campaigns/
   * folder, an object first and then the files it refers to.
   */
  examples: readonly string[];
}

/** How the campaign file says to read its audience files (docs/design.md §17). */
export interface CellOptions {
  /** `audience.defaultCountry`: phone numbers without a leading + are numbers of this country. */
  defaultCountry?: string;
}

/** A cell's value after the provider's own checks, or why the provider would refuse it. */
export type CellResult = { value: JsonValue; identity?: string } | { code: string; message: string };

/**
 * One provider's roster, as data (docs/design.md §10). Columns are the provider's own roster field names;
 * `groups` are object fields written as `<group>.<key>` columns (Puffle `custom_fields.<name>`).
 */
export interface AudienceRules {
  /** "prospects", "contacts". */
  noun: string;
  /** Plain columns the roster accepts. */
  columns: readonly string[];
  /** Object fields written as `<group>.<key>` columns (or as an object in JSON Lines). */
  groups: readonly string[];
  /** The identity column for this campaign's channel (Puffle email → email, LinkedIn → linkedin_url). */
  identityColumn(spec: JsonObject): string;
  /** Check and normalise one non-empty cell; `identity` is set for the identity column. */
  cell(column: string, value: string, spec: JsonObject, options: CellOptions): CellResult;
  /**
   * Files where any of several columns identifies a row (suppression lists: email, domain, phone,
   * linkedin_url): a row needs at least one of them, and its identity is made of all it carries.
   */
  identityColumns?: readonly string[];
  /**
   * Which roster columns suppression lists are matched against (docs/design.md §15): roster column →
   * suppression column (`email` also matches the list's domains). Absent: the roster is never filtered.
   */
  suppressAs?: Readonly<Record<string, SuppressionColumn>>;
  /**
   * Roster rules that read national phone numbers: whether `audience.defaultCountry` (ISO 3166-1 alpha-2)
   * is a country they know. Absent: the provider's roster has no phone column, the setting has no effect.
   */
  knowsCountry?(code: string): boolean;
  /** Most rows one campaign's roster may hold, with the documented reason. */
  maxRows?: { limit: number; why: string };
  /** Rows per write request (the documented maximum). */
  batchSize: number;
  /** Campaign statuses in which rows can be added; the reason when not. */
  writableIn: readonly string[];
  writeBlocked: string;
  /** `mode: exact`: campaign statuses in which entries can be removed, and entry statuses that may be removed. */
  removableIn: readonly string[];
  removableEntries?: readonly string[];
  removeBlocked: string;
  /**
   * Row edits (docs/design.md §17): campaign statuses in which a row already in the roster can be
   * updated, and the reason when not. Absent: the provider's roster rows cannot be updated.
   */
  updatableIn?: readonly string[];
  updateBlocked?: string;
  /** How a column's values compare (file cell against the live value), e.g. emails lower-cased. */
  compareAs?(column: string, value: string): string;
}

export interface StatusMapping {
  /** The desired status to write; omitted = import without `status`. */
  to?: string;
  /** A comment written at the top of the file explaining why the status was left out. */
  note?: string;
}

export interface ImportRules {
  /** Live status → what the imported spec says. A status missing here is imported without `status`, with a note. */
  status: Readonly<Record<string, StatusMapping>>;
  /**
   * Values the provider fills in when a field is omitted: a live value equal to one of them is left
   * out of the imported spec. Dotted paths; `*` matches any key or list index.
   */
  defaults: readonly { path: string; value: JsonValue }[];
  /** Extra comments for the file (fields the provider never returns, ...). */
  notes?: (spec: JsonObject) => string[];
  /**
   * Fill required fields no read returns (Altur `integration_type`, `cycles.mode`) with what the
   * other fields imply, in place, before the file is written; returns one comment per filled field
   * saying it could not be read and what it was inferred from.
   */
  complete?: (spec: JsonObject) => string[];
}


/** A live campaign mapped onto the spec's shape. */
export interface LiveResource {
  id: string;
  status?: string;
  /** Live values in spec shape (lifecycle fields such as status/archived included); nulls kept. */
  spec: JsonObject;
  /** Roster size when the read carries it (Puffle `stats.total`). */
  rosterCount?: number;
  /**
   * Dotted spec paths this read did not carry (a list item lacks what only the detail GET returns).
   * The refresh reads the detail only when the spec manages one of them.
   */
  missing: readonly string[];
}

export interface PreflightOutcome {
  ready: boolean;
  errors: string[];
  warnings: string[];
  /** Not ready only for want of prospects: an upload before the action makes it ready. */
  readyWithRoster?: boolean;
}

/**
 * One provider's campaign operations over a ProviderHttp. Methods a provider lacks are absent
 * (Extrovert cannot list, read, delete or change status).
 */
/** Makes a kind's client for one account's HTTP client (what KindModule.loadClient resolves to). */
export type ClientFactory = (http: ProviderHttp) => ProviderClient;

export interface ProviderClient {
  list?(): Promise<LiveResource[]>;
  /** undefined when the provider answers 404. */
  get?(id: string): Promise<LiveResource | undefined>;
  /**
   * Create. `idempotencyKey` is sent where the provider supports it (then the create is retried safely);
   * otherwise the create is never retried blindly. `id` is undefined when the answer carries no
   * recognisable id: the campaign exists, and apply finds it by name before anything else.
   */
  create(body: JsonObject, opts: { idempotencyKey: string }): Promise<{ id?: string; live?: LiveResource }>;
  /**
   * Find one campaign in the provider's list view, where some providers keep what the detail lacks
   * (Altur: status, archived, retries, ...), narrowed by the list filters the hint allows (the
   * expected status, the spec's owner). Without id (`create` answered without one) apply uses `list`.
   */
  lookup?(id: string, hint: { status?: string; spec?: JsonObject }): Promise<LiveResource | undefined>;
  /**
   * `lookup` for a batch of campaigns at once (apply verifying an account's writes): the provider's client
   * picks the walks that read the fewest list pages for all of them. Absent: apply calls `lookup` per campaign.
   */
  lookupMany?(items: readonly { id: string; hint: { status?: string; spec?: JsonObject } }[]): Promise<Map<string, LiveResource | undefined>>;
  /** Returns the campaign when the response carries it. */
  update(id: string, body: JsonObject): Promise<LiveResource | undefined>;
  /** Lifecycle action (launch, pause, resume, activate, archive). Returns the campaign when the response carries it. */
  action?(id: string, action: string): Promise<LiveResource | undefined>;
  /** Read-only pre-check for an action (Puffle validate before launch). */
  preflight?(id: string, action: string): Promise<PreflightOutcome | undefined>;
  /** Delete (Puffle). */
  remove?(id: string): Promise<void>;
  /** The campaign's roster (docs/design.md §10); absent where campaignctl does not manage it. */
  roster?: RosterClient;
  /** Write one value through a call of its own (KindCapabilities.syncCalls), e.g. Extrovert toggle-bulk. */
  sync?(id: string, call: string, value: JsonValue): Promise<void>;
}


/** What one add request did; `rejected` are indexes into the rows sent. */
export interface RosterAddResult {
  added: number;
  duplicates: number;
  rejected: { index: number; code: string }[];
  /** The provider refused the whole batch because of one row (Puffle: 400 naming the row index); nothing was added. */
  batchRejected?: { index?: number; message: string };
  /** The list the rows went into, where the roster lives in a list the first upload creates (Extrovert prospect lists). */
  list?: string;
}

/** What state recorded about the roster (AudienceState.list): the list the first upload created, when the provider has one. */
export interface RosterContext {
  list?: string;
}

export interface RosterClient {
  /** Roster size, cheaply: from the campaign read when it carries it, else one small request. */
  count(id: string, live?: LiveResource, ctx?: RosterContext): Promise<number | undefined>;
  /** Every entry, page by page. `identityColumn` selects the identity field (Puffle: by channel). */
  list(id: string, identityColumn: string, ctx?: RosterContext): Promise<RosterEntry[]>;
  /**
   * Add one batch (at most AudienceRules.batchSize rows); retried safely (provider de-duplication, Idempotency-Key).
   * `list`: the list earlier batches went into (the result names the one used).
   */
  add(id: string, rows: JsonObject[], opts: { idempotencyKey: string; list?: string }): Promise<RosterAddResult>;
  /** Remove these entries; returns how many went. */
  remove(id: string, entries: readonly RosterEntry[]): Promise<number>;
  /**
   * Write the file's attributes onto entries already in the roster (at most AudienceRules.batchSize per
   * call); safe to retry. `rejected` are indexes into `items`. Absent: rows cannot be updated.
   */
  update?(id: string, items: readonly { entry: RosterEntry; row: JsonObject }[], opts: { idempotencyKey: string }): Promise<RosterUpdateResult>;
}

/** What one update call did; `rejected` are indexes into the items sent. */
export interface RosterUpdateResult {
  updated: number;
  rejected: { index: number; code: string }[];
}
