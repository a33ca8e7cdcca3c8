import { createHash } from "node:crypto";
import { describeAudienceStep } from "../core/audience.js";
import type { LifecycleAction } from "../core/capabilities.js";
import { bodyFromPaths, diffUnits, getPath, pathWithin } from "../core/diff.js";
import { stableStringify, type JsonObject, type JsonValue } from "../core/json.js";
import { dependencyWaves, fillPlaceholders } from "../core/refs.js";
import { isAudienceBlocked, type ActionReason, type BlockedStep, type CampaignPlan, type Plan, type PlanStep } from "../core/plan.js";
import type { Address, AudienceRow, AudienceState, PendingCreate, SafetyConfig, StateDocument, StateEntry } from "../core/types.js";
import { boundElsewhere } from "../core/bindings.js";
import { isProviderApiError } from "../http/errors.js";
import { mergeLive } from "../providers/mapping.js";
import type { LiveCampaign } from "../providers/types.js";
import type { RefreshedAudience } from "./audience.js";
import { accountKey, sessionForKind, type AccountSession, type KindSession } from "./session.js";

export type OutcomeStatus = "applied" | "failed" | "blocked" | "skipped" | "manual";

export interface CampaignOutcome {
  address: string;
  status: OutcomeStatus;
  id?: string;
  /** What was done, in order, e.g. "created id 12", "updated retries", "activate (pending → active)". */
  done: string[];
  /** Why it failed, was skipped, or is manual: what the exit code decides on (set whenever `message` is). */
  reason?: ActionReason;
  /** Why it failed, was skipped, or what a person must do — words for people only. */
  message?: string;
  blocked: BlockedStep[];
  warnings: string[];
  /** Fields read back from the provider after the write and found as sent. */
  verified: string[];
}

/**
 * Where apply records what it did (the state journal, src/state/journal.ts). Every method either makes
 * the change durable before it returns or throws (StateWriteError); set/delete/unpend keep the change
 * in `doc` even when they throw, so a later successful write still includes it.
 */
export interface StateRecorder {
  readonly doc: StateDocument;
  readonly serial: number;
  readonly lineage: string;
  /** Set while writes fail: no create may start (its id could not be recorded). */
  readonly failure: Error | undefined;
  pending(address: Address, p: PendingCreate): void;
  set(address: Address, entry: StateEntry): void;
  delete(address: Address): void;
  unpend(address: Address): void;
}

export interface ApplyOptions {
  allowReplace: boolean;
  prune: boolean;
  /** Aborted on the first SIGINT/SIGTERM: no new campaign or step starts; what is in flight finishes. */
  signal?: AbortSignal;
  onOutcome?: (o: CampaignOutcome) => void;
  onStep?: (address: string, what: string) => void;
  /** Progress of a wait step (status polls); `done` once it is over, however it ended. */
  onWait?: (address: string, progress: WaitProgress) => void;
  /** Test hook for the pause between status polls (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Campaigns worked on at once (requests are paced per account by the HTTP layer anyway). */
  parallel?: number;
  /** Each campaign's audience rows, from the refresh apply made (docs/design.md §10). */
  audiences?: ReadonlyMap<string, RefreshedAudience>;
  /** How a file is named in messages (relative to the current directory). */
  displayPath?: (file: string) => string;
}

export interface WaitProgress {
  status: string | undefined;
  until: string;
  elapsedMs: number;
  timeoutMs: number;
  done: boolean;
}

/** A write that the provider accepted but that did not take (silent ignore), or an unverifiable outcome. */
export class VerificationError extends Error {
  override name = "VerificationError";
}

/** A blocked step discovered at apply time (e.g. Puffle's pre-check refuses the launch). */
class BlockedAtApply extends Error {
  constructor(readonly blocked: BlockedStep) {
    super(blocked.reason);
  }
}

/** Campaigns the safety threshold counts: updates, transitions, replacements, and orphans retired with --prune. */
export function riskyCount(campaigns: readonly CampaignPlan[], opts: { prune: boolean }): number {
  return campaigns.filter((c) => c.action === "update" || c.action === "transition" || c.action === "replace" || (c.action === "orphan" && opts.prune)).length;
}

/**
 * Whether the safety threshold could still refuse, knowing `risky` counted changes and `unknown`
 * campaigns not planned yet (each might be one more). False means no plan completing this one can be
 * refused: an account may then be applied before the others are refreshed.
 */
export function safetyMayRefuse(risky: number, unknown: number, managed: number, safety: SafetyConfig): boolean {
  if (managed < safety.minManagedForThreshold || managed === 0) return false;
  return ((risky + unknown) * 100) / managed > safety.maxChangePercent;
}

/** Refuse large change sets without --force (octoDNS-style threshold). Returns the refusal or undefined. */
export function safetyRefusal(plan: Plan, managed: number, safety: SafetyConfig, opts: { prune: boolean }): string | undefined {
  const risky = riskyCount(plan.campaigns, opts);
  if (!safetyMayRefuse(risky, 0, managed, safety)) return undefined;
  const percent = (risky * 100) / managed;
  return `this apply would change ${risky} of ${managed} managed campaigns (${percent.toFixed(0)}%), above safety.maxChangePercent ${safety.maxChangePercent}%; review the plan and re-run with --force if it is intended`;
}

function describe(step: PlanStep): string {
  if (step.kind === "create") return "create";
  if (step.kind === "update") return `update ${step.fields.join(", ")}`;
  if (step.kind === "wait") return `wait for ${step.until}`;
  if (step.kind === "audience") return describeAudienceStep(step);
  if (step.kind === "sync") return step.describe;
  return step.from !== undefined && step.to !== undefined ? `${step.action} (${step.from} → ${step.to})` : step.action;
}

/** First 32 hex digits of sha256 over the stable JSON of a create body. */
export function bodyDigest(body: JsonObject): string {
  return createHash("sha256").update(stableStringify(body)).digest("hex").slice(0, 32);
}

/**
 * The Idempotency-Key of a create: a UUID-shaped hash of the state lineage, the address, the body and
 * the state serial the create was first recorded at. Deterministic, so the next run replays the same key
 * for a pending create with the same body; distinct for a later, deliberate re-create.
 */
export function idempotencyKeyFor(lineage: string, address: string, digest: string, serial: number): string {
  return uuidFromHash(`${lineage}\n${address}\n${digest}\n${serial}`);
}

/** A UUID-shaped (version 4 layout) key derived from sha256 of `input`: the same input, the same key. */
function uuidFromHash(input: string): string {
  const h = createHash("sha256").update(input).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] ?? "0", 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The first signal arrived before this step (or during a wait): nothing more is started. */
class Interrupted extends Error {
  constructor(when: string) {
    super(`interrupted ${when}`);
  }
}

/** A pause that ends early (resolving) when `signal` aborts; the caller checks the signal after it. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

function isStateWriteError(err: unknown): boolean {
  return err instanceof Error && err.name === "StateWriteError";
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Runs one campaign's steps against its provider and records the result in state. */
class CampaignRun {
  private id: string | undefined;
  private live: LiveCampaign | undefined;
  private audienceState: AudienceState | undefined;
  readonly outcome: CampaignOutcome;

  constructor(
    private readonly plan: CampaignPlan,
    private readonly session: KindSession,
    private readonly store: StateRecorder,
    private readonly claimedIds: Set<string>,
    private readonly opts: ApplyOptions,
  ) {
    this.id = plan.action === "replace" ? undefined : plan.id;
    this.outcome = { address: plan.address, status: "applied", done: [], blocked: [...plan.blocked], warnings: [...plan.warnings], verified: [] };
  }

  private get caps() {
    return this.session.kind.capabilities;
  }

  private get client() {
    return this.session.client;
  }

  private checkSignal(what: string): void {
    if (this.opts.signal?.aborted) throw new Interrupted(`before ${what}`);
  }

  private step(what: string): void {
    this.outcome.done.push(what);
    this.opts.onStep?.(this.plan.address, what);
  }

  /** Record the id and applied spec; a failed write keeps it in memory (printed at the end if it never lands). */
  private record(applied: JsonObject): void {
    if (this.id === undefined) return;
    this.outcome.id = this.id;
    // The audience as uploaded now; else as recorded before (a blocked or unchanged audience keeps it); none when the file has none.
    const previous = this.store.doc.campaigns[this.plan.address];
    const audience = this.audienceState ?? (this.plan.audience && previous?.id === this.id ? previous.audience : undefined);
    const entry: StateEntry = {
      provider: this.plan.provider,
      account: this.plan.account,
      kind: this.plan.kind,
      id: this.id,
      appliedAt: (this.opts.now?.() ?? new Date()).toISOString(),
      applied,
      // The status the provider last showed: lets the next refresh skip reads that cannot change the plan.
      ...(this.live?.status === undefined ? {} : { observed: { status: this.live.status } }),
      ...(audience ? { audience } : {}),
    };
    try {
      this.store.set(this.plan.address, entry);
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
  }

  /**
   * Upload the rows the plan counted, in batches of the provider's documented maximum, paced by the
   * account's limiter (the HTTP layer); each batch is safe to retry (Altur: a deterministic
   * Idempotency-Key and if_duplicate skip; Puffle de-duplicates server-side). Then remove (exact mode),
   * check the roster count and remember digests and counts — no personal data — in state.
   */
  private async audience(step: Extract<PlanStep, { kind: "audience" }>): Promise<void> {
    const work = this.opts.audiences?.get(this.plan.address);
    const roster = this.client.roster;
    const a = this.plan.audience;
    if (!work || !roster || !a || this.id === undefined) throw new Error("the audience rows were not loaded for this apply");
    const fresh = this.plan.action === "replace" || this.plan.action === "create";
    const rows = fresh ? work.decl.rows : work.add;
    if (rows.length !== step.add) throw new Error(`the audience files changed since the plan (${rows.length} ${a.noun} to upload, the plan said ${step.add}); plan again`);
    const where = (row: AudienceRow) => `${this.opts.displayPath?.(work.decl.files[row.file]!.file) ?? work.decl.files[row.file]!.path}:${row.line}`;
    const size = work.rules.batchSize;
    let added = 0;
    let duplicates = 0;
    const rejected: string[] = [];
    for (let i = 0; i < rows.length; i += size) {
      const batch = rows.slice(i, i + size);
      const bodies = batch.map((r) => r.row);
      let result: Awaited<ReturnType<typeof roster.add>>;
      try {
        result = await roster.add(this.id, bodies, { idempotencyKey: batchKey(this.id, bodies) });
      } catch (err) {
        // Name the files the batch came from; the audience is not recorded, so the next plan uploads it again.
        const files = [...new Set(batch.map((r) => { const f = work.decl.files[r.file]!; return this.opts.displayPath?.(f.file) ?? f.path; }))];
        throw new Error(`uploading ${batch.length} ${a.noun} from ${files.join(", ")} failed (the next plan uploads them again): ${errorText(err)}`, { cause: err });
      }
      if (result.batchRejected) {
        const row = result.batchRejected.index === undefined ? undefined : batch[result.batchRejected.index];
        throw new Error(`${this.session.kind.displayName} refused a batch of ${batch.length} ${a.noun}${row ? ` because of ${where(row)}` : ""}: ${result.batchRejected.message}`);
      }
      added += result.added;
      duplicates += result.duplicates;
      for (const r of result.rejected) {
        const row = batch[r.index];
        rejected.push(`${row ? where(row) : `row ${i + r.index}`} ${r.code}`);
      }
    }
    let removed = 0;
    if (step.remove > 0 && !fresh) removed = await roster.remove(this.id, work.remove);
    if (rows.length > 0) this.step(`uploaded ${added} ${a.noun}${duplicates > 0 ? ` (${duplicates} already there)` : ""}`);
    if (removed > 0) this.step(`removed ${removed} ${a.noun}`);
    if (rejected.length > 0) {
      const shown = rejected.slice(0, 20).join("; ");
      throw new Error(`${rejected.length} ${a.noun} rejected by ${this.session.kind.displayName}: ${shown}${rejected.length > 20 ? `; and ${rejected.length - 20} more` : ""}`);
    }
    const before = fresh ? 0 : (work.liveCount ?? 0);
    const count = (await roster.count(this.id)) ?? before + added - removed;
    if (count !== before + added - removed) {
      this.outcome.warnings.push(`${this.session.kind.displayName} now holds ${count} ${a.noun}, expected ${before + added - removed}: someone else may be changing the roster`);
    }
    // Files count as applied only when nothing of the audience stays blocked (else the next plan reads the roster again).
    const blocked = this.plan.blocked.some(isAudienceBlocked);
    this.audienceState = { mode: a.mode, files: blocked ? {} : a.files, rows: a.rows, count };
  }

  /** Re-read when the write's response did not carry what we must check; the fresh read is merged onto the answer. */
  private async readBack(fields: readonly string[]): Promise<LiveCampaign | undefined> {
    const carried = this.live && !fields.some((f) => this.live?.missing.some((m) => pathWithin(m, f) || pathWithin(f, m)));
    if (carried) return this.live;
    if (!this.client.get || this.id === undefined) return this.live;
    const fresh = await this.client.get(this.id);
    if (!fresh) throw new VerificationError(`campaign ${this.id} disappeared right after the write`);
    this.live = this.live ? mergeLive(fresh, this.live) : fresh;
    return this.live;
  }

  /**
   * The campaign with the status (or flag) a lifecycle action sets, read from where the provider
   * keeps it: the action's answer when it carries it, else the list view (Altur: status and archived
   * live only in the list, src/providers/altur/README.md §3.4), else a detail read. undefined when no read carries it.
   */
  private async observeLifecycle(def: LifecycleAction | undefined, answer: LiveCampaign | undefined): Promise<LiveCampaign | undefined> {
    const carries = (l: LiveCampaign | undefined) =>
      l !== undefined && (def?.setsFlag ? l.spec[def.setsFlag] !== undefined : l.status !== undefined);
    if (carries(answer)) return answer;
    if (this.id === undefined) return undefined;
    if (this.client.lookup) {
      const listed = await this.client.lookup(this.id, {
        ...(def?.to === undefined ? {} : { status: def.to }),
        spec: this.plan.desired ?? {},
      });
      if (!listed) throw new VerificationError(`campaign ${this.id} is not in ${this.session.kind.displayName}'s campaign list right after ${def?.name ?? "the action"}`);
      return answer ? mergeLive(listed, answer) : listed;
    }
    const fresh = this.client.get ? await this.client.get(this.id) : undefined;
    return carries(fresh) ? fresh : undefined;
  }

  /** Live campaigns with the exact name of `body` that no state entry claims (archived ones left out). */
  private async unclaimedNamed(body: JsonObject): Promise<LiveCampaign[]> {
    const nameField = this.caps.nameField;
    const listed = this.client.list ? await this.client.list() : [];
    return listed.filter((c) => c.spec[nameField] === body[nameField] && !this.claimedIds.has(c.id) && c.spec.archived !== true);
  }

  /**
   * The create was accepted but its answer carries no recognisable id (Altur's create answer is
   * undocumented): the campaign exists, so find it by its exact name before anything else — the id
   * is never lost. Two lookups a moment apart, for a list that lags behind the create.
   */
  private async resolveCreatedId(body: JsonObject): Promise<void> {
    const name = this.session.kind.displayName;
    const title = JSON.stringify(body[this.caps.nameField]);
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const found = await this.unclaimedNamed(body);
      if (found.length === 1) {
        this.id = found[0]?.id;
        this.live = found[0];
        this.step(`${name} answered the create without an id; found the new campaign by its name (id ${this.id})`);
        return;
      }
      if (found.length > 1) {
        throw new Error(
          `${name} accepted the create but answered without an id, and ${found.length} unclaimed campaigns are named ${title} ` +
            `(ids ${found.map((c) => c.id).join(", ")}); bind the new one with \`campaignctl state adopt ${this.plan.address} --id <ID>\``,
        );
      }
      if (attempt === 1) await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(
      `${name} accepted the create but answered without an id, and no campaign named ${title} is listed yet; ` +
        `run plan again in a moment: the next plan adopts it by its name`,
    );
  }

  /** Record the create as pending before it is sent; returns its deterministic Idempotency-Key. */
  private recordPending(body: JsonObject): string {
    const address = this.plan.address;
    if (this.store.failure) {
      throw new Error(`not created: the state cannot be written (${this.store.failure.message}), so the new id could not be recorded`);
    }
    const digest = bodyDigest(body);
    const prior = this.store.doc.pending?.[address];
    const idempotencyKey = prior && prior.digest === digest ? prior.idempotencyKey : idempotencyKeyFor(this.store.lineage, address, digest, this.store.serial);
    const name = body[this.caps.nameField];
    try {
      this.store.pending(address, {
        provider: this.plan.provider,
        account: this.plan.account,
        kind: this.plan.kind,
        name: typeof name === "string" ? name : this.plan.displayName,
        digest,
        idempotencyKey,
        at: (this.opts.now?.() ?? new Date()).toISOString(),
      });
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
      throw new Error(`not created: the pending create could not be recorded (${errorText(err)})`);
    }
    return idempotencyKey;
  }

  private async create(body: JsonObject): Promise<void> {
    const nameField = this.caps.nameField;
    const key = this.recordPending(body);
    try {
      await this.send(body, key, nameField);
    } catch (err) {
      // The provider answered with an error: nothing was created, nothing is pending. Anything else
      // (a reset, a timeout, a lost answer) may have created it: the pending record stays for the next run.
      if (isProviderApiError(err) && !err.ambiguous) {
        try {
          this.store.unpend(this.plan.address);
        } catch {
          /* still pending on disk: the next run looks it up */
        }
      }
      throw err;
    }
    if (this.id === undefined) throw new Error("create returned no id");
    // An answer that reuses an id state already gives to another address is refused, not recorded:
    // binding two addresses to one object would make one of them manage (and later delete) the other's.
    const owner = boundElsewhere(this.store.doc.campaigns, this.plan.address, { provider: this.plan.provider, account: this.plan.account, kind: this.plan.kind, id: this.id });
    if (owner !== undefined) {
      const id = this.id;
      this.id = undefined;
      throw new Error(
        `${this.session.kind.displayName} answered the create of ${this.plan.address} with id ${id}, which state already gives to ${owner}; ` +
          `not recorded (one live object backs one address) — check both in the provider, then bind the right one with \`campaignctl state adopt ${this.plan.address} --id <ID>\``,
      );
    }
    this.claimedIds.add(this.id);
    this.step(`created id ${this.id}`);
    // Record the id at once: a crash after this point must not lose it.
    this.record(body);
  }

  private async send(body: JsonObject, key: string, nameField: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const created = await this.client.create(body, { idempotencyKey: key });
        if (created.id === undefined) {
          await this.resolveCreatedId(body);
          break;
        }
        this.id = created.id;
        this.live = created.live;
        break;
      } catch (err) {
        const uncertain = isProviderApiError(err) && (err.retryable || err.ambiguous);
        if (!uncertain) throw err;
        if (!this.client.list) {
          const name = this.session.kind.displayName;
          if (!err.ambiguous) throw err;
          throw new Error(
            `the create may or may not have reached ${name} (${errorText(err)}), and ${name} cannot be read back to check. ` +
              `It is not retried blindly: look for the campaign in the dashboard; if it exists, bind it with ` +
              `\`campaignctl state adopt ${this.plan.address} --id <ID>\`, otherwise run \`campaignctl apply --recreate-pending\`.`,
          );
        }
        // Look the name up before trying again: the failed attempt may have created it.
        const found = await this.unclaimedNamed(body);
        if (found.length === 1) {
          this.id = found[0]?.id;
          this.live = found[0];
          this.step(`found the campaign the interrupted create made (id ${this.id})`);
          break;
        }
        if (found.length > 1) throw new Error(`after an interrupted create, ${found.length} campaigns named ${JSON.stringify(body[nameField])} exist; bind one with campaignctl state adopt`);
        // A 2xx we could not read: the provider acted, so sending the create again could duplicate it.
        if (attempt >= 3 || err.kind === "answer") throw err;
      }
    }
  }

  private async update(step: Extract<PlanStep, { kind: "update" }>): Promise<void> {
    if (this.id === undefined) throw new Error("update without an id");
    this.live = await this.client.update(this.id, step.body);
    this.step(`updated ${step.fields.join(", ")}`);
    await this.verifyFields(step.fields);
  }

  /**
   * Read-back verification of a field write: checks only what a response carries (the write's answer,
   * else a fresh read merged onto it), and says plainly what it could not verify. A field the
   * response does not carry is unknown — never "did not take".
   */
  private async verifyFields(fields: readonly string[]): Promise<void> {
    const desired = this.plan.desired ?? {};
    const name = this.session.kind.displayName;
    const writeOnly = fields.filter((f) => this.caps.writeOnlyFields.some((w) => pathWithin(f, w)));
    if (writeOnly.length > 0) {
      this.outcome.warnings.push(`${writeOnly.join(", ")}: accepted; ${name} returns no value for it, so the write cannot be verified`);
    }
    let checkable = fields.filter((f) => !writeOnly.includes(f));
    if (checkable.length === 0) return;
    let live = await this.readBack(checkable);
    if (!live) {
      this.outcome.warnings.push(`${name} has no read API: the write was accepted but cannot be verified`);
      return;
    }
    const carries = (l: LiveCampaign, f: string) => !l.missing.some((m) => pathWithin(m, f) || pathWithin(f, m));
    // Fields only the list view carries (Altur retries, timezone, texts): look the campaign up there.
    if (checkable.some((f) => !carries(live as LiveCampaign, f)) && this.client.lookup && this.id !== undefined) {
      const status = live.status ?? this.plan.status;
      const listed = await this.client.lookup(this.id, { ...(status === undefined ? {} : { status }), spec: desired });
      if (listed) {
        live = mergeLive(listed, live);
        this.live = live;
      }
    }
    const seen = live;
    const carried = (f: string) => carries(seen, f);
    const unverified = checkable.filter((f) => !carried(f));
    if (unverified.length > 0) {
      this.outcome.warnings.push(
        `${unverified.join(", ")}: accepted; not verified — no ${name} answer carries ${unverified.length === 1 ? "it" : "them"}`,
      );
      checkable = checkable.filter(carried);
      if (checkable.length === 0) return;
    }
    const want = bodyFromPaths(checkable.map((f) => [f, getPath(desired, f) as JsonValue] as const));
    const diffs = diffUnits(want, live.spec, { mergePaths: this.caps.mergePaths, opaquePaths: this.caps.opaquePaths, unorderedPaths: this.caps.unorderedPaths });
    if (diffs.length > 0) {
      const list = diffs.map((d) => `${d.path} (sent ${JSON.stringify(d.after)}, provider has ${JSON.stringify(d.before ?? null)})`).join("; ");
      throw new VerificationError(`the provider accepted the write but ${list} did not take — it silently ignored the change`);
    }
    for (const f of checkable) if (!this.outcome.verified.includes(f)) this.outcome.verified.push(f);
  }

  private actionDef(name: string): LifecycleAction | undefined {
    return this.caps.lifecycle.actions.find((a) => a.name === name);
  }

  private reached(live: LiveCampaign, def: LifecycleAction | undefined): boolean {
    if (!def) return true;
    if (def.setsFlag) return live.spec[def.setsFlag] === true;
    if (def.to === undefined) return true;
    return live.status === def.to || (this.caps.lifecycle.satisfies[def.to] ?? []).includes(live.status ?? "");
  }

  private async action(step: Extract<PlanStep, { kind: "action" }>): Promise<void> {
    if (this.id === undefined || !this.client.action) throw new Error(`${step.action} is not available for ${this.session.kind.displayName}`);
    const def = this.actionDef(step.action);
    if (def?.preflight && this.client.preflight) {
      const check = await this.client.preflight(this.id, step.action);
      if (check && !check.ready) {
        throw new BlockedAtApply({
          code: "preflight-failed",
          ...(this.caps.lifecycle.statusField ? { field: this.caps.lifecycle.statusField } : {}),
          what: step.action,
          reason: `the provider's pre-check says ${step.action} would fail: ${check.errors.join("; ") || "not ready"}`,
          unblock: "fix what the pre-check reports (e.g. add prospects), then run apply again",
        });
      }
    }
    let answer: LiveCampaign | undefined;
    try {
      answer = await this.client.action(this.id, step.action);
    } catch (err) {
      // A retried non-idempotent action (activate after a reset) may have taken the first time, and a 409
      // whose current status already is the wanted one means the same: re-check where the status lives.
      const now = isProviderApiError(err) ? await this.observeLifecycle(def, undefined).catch(() => undefined) : undefined;
      if (!now || !this.reached(now, def)) throw err;
      answer = now;
    }
    const live = await this.observeLifecycle(def, answer);
    if (live) this.live = live;
    if (!live) {
      this.outcome.warnings.push(`${step.action}: accepted; not verified — no ${this.session.kind.displayName} answer carries the campaign's ${def?.setsFlag ?? "status"}`);
    } else if (!this.reached(live, def)) {
      const now = def?.setsFlag ? `${def.setsFlag}: ${JSON.stringify(live.spec[def.setsFlag])}` : live.status;
      throw new VerificationError(`${step.action} was accepted but the campaign is ${now}, not ${def?.to ?? def?.setsFlag}`);
    }
    this.step(describe(step));
  }

  /** A value written through a call of its own (Extrovert toggle-bulk), right after the create or update. */
  private async sync(step: Extract<PlanStep, { kind: "sync" }>): Promise<void> {
    if (this.id === undefined) throw new Error(`${step.describe}: no id`);
    if (!this.client.sync) throw new Error(`${step.describe}: not available for ${this.session.kind.displayName}`);
    await this.client.sync(this.id, step.call, step.value);
    this.step(step.describe);
  }

  /**
   * Poll until the campaign reaches `step.until` (an action that completes in the background, e.g.
   * Puffle launch → active), bounded by the action's SettleRule or the account's `statusWait`. A
   * rollback status, any other status, or the timeout stops the campaign's remaining steps: nothing
   * that needs `until` (e.g. a pause) is sent early.
   */
  private async wait(step: Extract<PlanStep, { kind: "wait" }>): Promise<void> {
    if (this.id === undefined || !this.client.get) throw new Error(`cannot wait for ${step.until}: ${this.session.kind.displayName} campaigns cannot be read`);
    const rule = this.actionDef(step.after)?.settles;
    const cfg = this.session.account.statusWait;
    const timeoutMs = Math.max(0, (cfg?.timeoutSeconds ?? rule?.timeoutSeconds ?? 180) * 1000);
    const maxPollMs = Math.max(1, (cfg?.pollSeconds ?? rule?.pollSeconds ?? 30) * 1000);
    const rollback = rule?.rollback ?? [];
    const sleep = this.opts.sleep ?? ((ms: number) => abortableSleep(ms, this.opts.signal));
    const started = Date.now();
    const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
    const report = (status: string | undefined, done: boolean) =>
      this.opts.onWait?.(this.plan.address, { status, until: step.until, elapsedMs: Date.now() - started, timeoutMs, done });
    let interval = Math.min(2000, maxPollMs);
    let live = this.live?.status !== undefined ? this.live : await this.client.get(this.id);
    let polls = 0;
    try {
      for (;;) {
        if (!live) throw new VerificationError(`campaign ${this.id} disappeared while waiting for it to become ${step.until}`);
        const status = live.status;
        if (status === step.until) break;
        if (status !== undefined && rollback.includes(status)) {
          const why = await this.providerReason(step.after);
          throw new VerificationError(
            `${step.after} did not complete: the campaign fell back to ${status} after ${seconds()} s${why}; nothing after the ${step.after} was sent — fix the cause and run apply again`,
          );
        }
        if (status !== undefined && !step.through.includes(status)) {
          throw new VerificationError(`after ${step.after} the campaign is ${status}, not ${step.until} (waited ${seconds()} s); the steps after it were not sent`);
        }
        const elapsed = Date.now() - started;
        if (elapsed >= timeoutMs) {
          throw new VerificationError(
            `the campaign is still ${status ?? "in an unknown status"} ${seconds()} s after ${step.after} (limit ${timeoutMs / 1000} s, ${polls} reads); ` +
              `the steps that need it ${step.until} were not sent early — run apply again once it is ${step.until} (statusWait.timeoutSeconds sets the limit)`,
          );
        }
        report(status, false);
        // A signal ends the wait at once: the campaign goes on at the provider; what needs `until` is not sent.
        const stopped = () => new Interrupted(`while waiting for ${step.until} (still ${status ?? "in an unknown status"} after ${seconds()} s)`);
        if (this.opts.signal?.aborted) throw stopped();
        await sleep(Math.min(interval, timeoutMs - elapsed));
        if (this.opts.signal?.aborted) throw stopped();
        interval = Math.min(interval * 2, maxPollMs);
        polls += 1;
        live = await this.client.get(this.id);
      }
    } finally {
      report(live?.status, true);
    }
    this.live = live;
    this.step(`${step.through.join("/")} → ${step.until} after ${seconds()} s (${polls} read${polls === 1 ? "" : "s"})`);
  }

  /** The provider's own account of why an action cannot proceed (its pre-check), as a clause; empty when it gives none. */
  private async providerReason(action: string): Promise<string> {
    if (this.id === undefined || !this.client.preflight) return "";
    try {
      const check = await this.client.preflight(this.id, action);
      const said = [...(check?.errors ?? []), ...(check?.warnings ?? [])];
      return said.length > 0 ? ` (${this.session.kind.displayName} says: ${said.join("; ")})` : ` (${this.session.kind.displayName} gives no reason)`;
    } catch {
      return "";
    }
  }

  /** The managed spec as it now is: what was planned, with the lifecycle fields as actually reached. */
  private finalApplied(): JsonObject {
    const applied = structuredClone(this.plan.desired ?? {});
    const statusField = this.caps.lifecycle.statusField;
    const want = statusField ? applied[statusField] : undefined;
    const status = this.live?.status ?? this.plan.status;
    if (statusField && typeof want === "string" && status !== undefined) {
      const ok = (this.caps.lifecycle.satisfies[want] ?? [want]).includes(status);
      if (!ok) applied[statusField] = status;
    }
    for (const flag of Object.keys(this.caps.lifecycle.flags ?? {})) {
      if (applied[flag] !== undefined && this.live && this.live.spec[flag] !== undefined) applied[flag] = this.live.spec[flag] as JsonValue;
    }
    return applied;
  }

  private async retire(oldId: string): Promise<void> {
    const retire = this.caps.retire;
    if ("manual" in retire) {
      this.outcome.warnings.push(`old campaign ${oldId} is still there: ${retire.manual}`);
      return;
    }
    if (retire.action === "delete") {
      if (!this.client.remove) throw new Error("delete is not available");
      await this.client.remove(oldId);
    } else {
      if (!this.client.action) throw new Error(`${retire.action} is not available`);
      await this.client.action(oldId, retire.action);
    }
    this.step(`${retire.action === "delete" ? "deleted" : `${retire.action}d`} old campaign ${oldId}`);
  }

  async run(): Promise<CampaignOutcome> {
    const p = this.plan;
    // The steps not (or not completely) done when a signal stops this campaign, for its outcome.
    let notDone: string[] = [];
    try {
      if (p.movedFrom !== undefined) this.moveState(p.movedFrom);
      if (p.action === "noop") return this.recordNoop();
      if (p.action === "orphan") return await this.prune();
      if (p.action === "replace" && !this.opts.allowReplace) {
        this.outcome.status = "skipped";
        this.outcome.reason = "needs-replace";
        this.outcome.message = `needs replacement (${p.replaceFields?.join(", ")} changed); re-run with --allow-replace`;
        return this.outcome;
      }
      const retire = this.caps.retire;
      const oldId = p.action === "replace" ? p.id : undefined;
      if (oldId !== undefined && !("manual" in retire) && retire.order === "before-create") {
        await this.retire(oldId);
        // The recorded id is gone now: if the create below fails, the next plan must plan a create, not report a deletion.
        this.store.delete(p.address);
      }
      for (const [i, step] of p.steps.entries()) {
        notDone = p.steps.slice(i).map(describe);
        this.checkSignal(describe(step));
        if (step.kind === "create") await this.create(step.body);
        else if (step.kind === "update") await this.update(step);
        else if (step.kind === "wait") await this.wait(step);
        else if (step.kind === "audience") await this.audience(step);
        else if (step.kind === "sync") await this.sync(step);
        else await this.action(step);
      }
      const a = p.audience;
      if (!this.audienceState && a?.record && a.liveCount !== undefined) this.audienceState = { mode: a.mode, files: a.files, rows: a.rows, count: a.liveCount };
      if (oldId !== undefined && ("manual" in retire || retire.order === "after-create")) {
        notDone = [`retire old campaign ${oldId}`];
        this.checkSignal(`retiring old campaign ${oldId}`);
        await this.retire(oldId);
      }
      this.record(this.finalApplied());
      if (this.outcome.blocked.length > 0) this.outcome.status = "blocked";
    } catch (err) {
      if (err instanceof BlockedAtApply) {
        this.outcome.blocked.push(err.blocked);
        this.outcome.status = "blocked";
      } else if (err instanceof Interrupted) {
        this.outcome.status = "skipped";
        this.outcome.reason = "interrupted";
        this.outcome.message = `${err.message}${notDone.length > 0 ? `; not done: ${notDone.join(", ")}` : ""} — run apply again to finish`;
      } else {
        this.outcome.status = "failed";
        this.outcome.reason = err instanceof VerificationError ? "not-verified" : isProviderApiError(err) ? "provider-error" : "step-failed";
        this.outcome.message = errorText(err);
      }
      // Keep what did happen: the id and the fields written before the failure.
      if (this.id !== undefined && this.store.doc.campaigns[p.address]?.id !== this.id) this.record(p.steps[0]?.kind === "create" ? p.steps[0].body : {});
      if (this.outcome.status === "blocked" && this.id !== undefined) this.record(this.finalApplied());
    }
    return this.outcome;
  }

  /** A rename: the entry recorded under the old address now lives under the new one. */
  private moveState(from: string): void {
    const entry = this.store.doc.campaigns[from];
    if (!entry || this.store.doc.campaigns[this.plan.address]) return;
    try {
      this.store.set(this.plan.address, entry);
      this.store.delete(from);
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
    this.step(`moved in state from ${from}`);
  }

  /**
   * A no-op that still changes state: a campaign adopted by its name is recorded (else every plan adopts
   * it again), and audience files state does not describe yet are recorded with the roster count (no request).
   */
  private recordNoop(): CampaignOutcome {
    const p = this.plan;
    const a = p.audience;
    if (a?.record && a.liveCount !== undefined && p.blocked.length === 0) this.audienceState = { mode: a.mode, files: a.files, rows: a.rows, count: a.liveCount };
    const entry = this.store.doc.campaigns[p.address];
    if (this.audienceState && entry && entry.id === p.id) {
      try {
        this.store.set(p.address, { ...entry, audience: this.audienceState });
      } catch (err) {
        if (!isStateWriteError(err)) throw err;
      }
      this.step(`recorded the audience files in state (${this.audienceState.rows} ${a?.noun ?? "rows"}, nothing to upload)`);
    }
    if (p.identity === "adopted" && p.id !== undefined && this.store.doc.campaigns[p.address]?.id !== p.id) {
      this.claimedIds.add(p.id);
      this.record(p.desired ?? {});
      this.step(`recorded adopted campaign ${p.id}`);
    }
    if (this.outcome.blocked.length > 0) this.outcome.status = "blocked";
    return this.outcome;
  }

  private async prune(): Promise<CampaignOutcome> {
    const p = this.plan;
    if (!this.opts.prune) {
      this.outcome.status = "skipped";
      this.outcome.reason = "needs-prune";
      this.outcome.message = "no longer in Git; run apply with --prune to retire it";
      return this.outcome;
    }
    const retire = this.caps.retire;
    if ("manual" in retire || p.id === undefined) {
      this.outcome.status = "manual";
      this.outcome.reason = "manual" in retire ? "manual-retire" : "no-id";
      this.outcome.message =
        "manual" in retire ? `${retire.manual}; then run \`campaignctl state forget ${p.address}\`` : "no id recorded";
      return this.outcome;
    }
    // Retire only what was read live; an orphan already gone at the provider just leaves state.
    this.checkSignal(`retiring ${p.id}`);
    if (p.status !== undefined) await this.retire(p.id);
    else this.step(`campaign ${p.id} is already gone at ${this.session.kind.displayName}; removed from state`);
    this.store.delete(p.address);
    return this.outcome;
  }
}

/** What every campaign of one apply shares: the state, the ids taken, the options. */
export interface ApplyContext {
  store: StateRecorder;
  /** Ids bound to some address (never adopt or claim one twice). */
  claimed: Set<string>;
  opts: ApplyOptions;
}

export function applyContext(store: StateRecorder, opts: ApplyOptions): ApplyContext {
  return { store, claimed: new Set(Object.values(store.doc.campaigns).map((e) => e.id)), opts };
}

/** Campaigns of a plan that apply works on: changes, blocked no-ops, and adoptions to record. */
export function applicableCampaigns(plan: Plan): CampaignPlan[] {
  return plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0 || c.identity === "adopted" || c.movedFrom !== undefined || c.audience?.record === true);
}

/**
 * Run one campaign's steps and record the results. Safe to call from several worker pools at once
 * (per account, say): the recorder serialises writes, and every campaign touches only its own address.
 */
export async function applyCampaign(c: CampaignPlan, session: KindSession | undefined, ctx: ApplyContext): Promise<CampaignOutcome> {
  let outcome: CampaignOutcome;
  if (ctx.opts.signal?.aborted && c.action !== "noop") {
    outcome = { address: c.address, status: "skipped", done: [], reason: "interrupted", message: "not started: apply was interrupted; run apply again", blocked: [], warnings: [], verified: [] };
  } else if (!session) {
    outcome = { address: c.address, status: "failed", done: [], reason: "no-session", message: `no session for ${c.provider}/${c.account}`, blocked: [], warnings: [], verified: [] };
  } else {
    outcome = await new CampaignRun(c, session, ctx.store, ctx.claimed, ctx.opts).run();
  }
  if (outcome.id === undefined && c.id !== undefined && c.action !== "replace") outcome.id = c.id;
  ctx.opts.onOutcome?.(outcome);
  return outcome;
}

/** Execute a plan. Independent campaigns keep going when one fails; every change is recorded as it happens. */
export async function executePlan(plan: Plan, sessions: Map<string, AccountSession>, store: StateRecorder, opts: ApplyOptions): Promise<CampaignOutcome[]> {
  const ctx = applyContext(store, opts);
  const work = applicableCampaigns(plan);
  const outcomes: CampaignOutcome[] = [];
  // One worker pool per account, as wide as the account's own concurrency (or --parallel): accounts
  // run side by side, each at its own rate, and a slow one never holds another's campaigns back. A
  // campaign's steps stay in order inside its run (applyCampaign).
  const pool = async (key: string, items: CampaignPlan[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const c = items[next++] as CampaignPlan;
        const session = sessions.get(key);
        const ready = withKnownIds(c, store.doc);
        outcomes.push(
          "waiting" in ready
            ? notApplied(c, ready.waiting, ctx)
            : await applyCampaign(ready.plan, session && sessionForKind(session, c.kind), ctx),
        );
      }
    };
    const width = opts.parallel ?? sessions.get(key)?.concurrency ?? 8;
    await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  };
  // Dependency order (docs/design.md §11): an object whose steps wait for new ids runs after the objects that
  // make them, wave by wave; inside a wave, as before.
  for (const wave of applyWaves(work)) {
    const byAccount = new Map<string, CampaignPlan[]>();
    for (const c of wave) {
      const key = accountKey(c.provider, c.account);
      byAccount.set(key, [...(byAccount.get(key) ?? []), c]);
    }
    await Promise.all([...byAccount].map(([key, items]) => pool(key, items)));
  }
  return outcomes.sort((a, b) => a.address.localeCompare(b.address));
}

/** Idempotency-Key of one roster batch: the same batch for the same campaign always gets the same key (UUID-shaped). */
function batchKey(campaignId: string, rows: readonly JsonObject[]): string {
  return uuidFromHash(`${campaignId}\n${stableStringify(rows)}`);
}

/** Waves of work: each campaign after those in `dependsOn` (a dependency outside the work is already done). */
export function applyWaves(work: readonly CampaignPlan[]): CampaignPlan[][] {
  const byAddress = new Map(work.map((c) => [c.address, c]));
  const order = dependencyWaves(new Map(work.map((c) => [c.address, c.dependsOn ?? []])));
  if ("cycle" in order) return [[...work]];
  return order.waves.map((w) => w.map((a) => byAddress.get(a) as CampaignPlan));
}

/**
 * The plan with every `(known after apply)` placeholder replaced by the id now recorded in state for
 * its object (the new one after a create or replace; the old one when a replace was skipped), or the
 * addresses still without an id (their create failed or did not run).
 */
export function withKnownIds(c: CampaignPlan, doc: StateDocument): { plan: CampaignPlan } | { waiting: Address[] } {
  if (!c.dependsOn || c.dependsOn.length === 0) return { plan: c };
  const idOf = (a: Address) => doc.campaigns[a]?.id;
  const waiting = c.dependsOn.filter((a) => idOf(a) === undefined);
  if (waiting.length > 0) return { waiting };
  const plan: CampaignPlan = {
    ...c,
    steps: c.steps.map((s) => fillPlaceholders(s as unknown as JsonObject, idOf) as unknown as PlanStep),
    ...(c.desired ? { desired: fillPlaceholders(c.desired, idOf) } : {}),
  };
  return { plan };
}

function notApplied(c: CampaignPlan, waiting: readonly Address[], ctx: ApplyContext): CampaignOutcome {
  const outcome: CampaignOutcome = {
    address: c.address,
    status: "failed",
    done: [],
    reason: "dependency-missing",
    message: `not applied: it needs the id of ${waiting.join(", ")}, which ${waiting.length === 1 ? "was" : "were"} not created in this apply (see ${waiting.length === 1 ? "its" : "their"} outcome)`,
    blocked: [],
    warnings: [],
    verified: [],
    ...(c.id === undefined || c.action === "replace" ? {} : { id: c.id }),
  };
  ctx.opts.onOutcome?.(outcome);
  return outcome;
}

/** apply exit code (docs/design.md §6): 0 all applied and verified; 1 anything failed; 3 applied what it could, blocked remain. */
export function applyExitCode(outcomes: readonly CampaignOutcome[]): number {
  if (outcomes.some((o) => o.status === "failed")) return 1;
  if (outcomes.some((o) => o.status === "blocked" || (o.status === "skipped" && o.reason === "needs-replace"))) return 3;
  return 0;
}
