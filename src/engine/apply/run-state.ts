import { sharedSubtrees, type JsonObject, type JsonValue } from "../../core/json.js";
import { statusSatisfies } from "../../core/lifecycle.js";
import type { ResourcePlan } from "../../core/plan.js";
import type { AudienceState, StateEntry } from "../../core/types.js";
import type { LiveResource } from "../../providers/types.js";
import type { KindSession } from "../session.js";
import { Interrupted, isStateWriteError } from "./errors.js";
import type { ApplyOptions, ResourceOutcome, StateRecorder } from "./outcome.js";
import type { ListLookup } from "./verify-batch.js";

/** Runs one campaign's steps against its provider and records the result in state. */
export class ResourceRunState {
  id: string | undefined;
  /** A new version: the ids of the earlier versions, recorded with the new id. */
  previousIds?: string[];
  live: LiveResource | undefined;
  audienceState: AudienceState | undefined;
  readonly outcome: ResourceOutcome;
  /** Batched list-view verification of this account's pool (verify-batch.ts); absent: the client's own lookup. */
  listLookup: ListLookup | undefined;

  constructor(
    readonly plan: ResourcePlan,
    readonly session: KindSession,
    readonly store: StateRecorder,
    /** Where the ids bound to some address come from (read only when needed: ApplyContext.claimed). */
    private readonly ids: { readonly claimed: Set<string> },
    readonly opts: ApplyOptions,
  ) {
    this.id = plan.action === "replace" ? undefined : plan.id;
    this.outcome = { address: plan.address, status: "applied", done: [], blocked: [...plan.blocked], warnings: [...plan.warnings], verified: [] };
  }

  /** Ids bound to some address (never adopt or claim one twice). */
  get claimedIds(): Set<string> {
    return this.ids.claimed;
  }

  get caps() {
    return this.session.kind.capabilities;
  }

  get client() {
    return this.session.client;
  }

  /** The roster list state recorded for this campaign (Extrovert prospect list), kept when the audience is recorded again. */
  previousList(): { list?: string } {
    const previous = this.store.doc.campaigns[this.plan.address];
    const list = previous?.id === this.id ? previous?.audience?.list : undefined;
    return list === undefined ? {} : { list };
  }

  /** After a failed upload: a list it created is recorded for the campaign (the next upload adds to it), nothing else changes. */
  keepList(): void {
    const list = this.audienceState?.list;
    const entry = this.store.doc.campaigns[this.plan.address];
    if (list === undefined || !entry || entry.id !== this.id || entry.audience?.list === list) return;
    try {
      this.store.set(this.plan.address, { ...entry, audience: { ...(entry.audience ?? this.audienceState!), list } });
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
  }

  checkSignal(what: string): void {
    if (this.opts.signal?.aborted) throw new Interrupted(`before ${what}`);
  }

  step(what: string): void {
    this.outcome.done.push(what);
    this.opts.onStep?.(this.plan.address, what);
  }

  /** Record the id and applied spec; a failed write keeps it in memory (printed at the end if it never lands). */
  record(applied: JsonObject): void {
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
      ...(this.previousIds ? { previousIds: this.previousIds } : {}),
    };
    try {
      this.store.set(this.plan.address, entry);
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
  }

  /**
   * Upload the rows the plan counted, in batches of the provider's documented maximum, paced by the

  /** The managed spec as it now is: what was planned, with the lifecycle fields as actually reached. */
  finalApplied(): JsonObject {
    // A compact copy whose short subtrees are shared frozen with equal ones (sharedSubtrees), not a deep
    // copy per campaign: only top-level fields are set below (issue 30: memory at 100,000 campaigns).
    const applied = sharedSubtrees(this.plan.desired ?? {});
    const statusField = this.caps.lifecycle.statusField;
    const want = statusField ? applied[statusField] : undefined;
    const status = this.live?.status ?? this.plan.status;
    if (statusField && typeof want === "string" && status !== undefined) {
      if (!statusSatisfies(this.caps.lifecycle, want, status)) applied[statusField] = status;
    }
    for (const flag of Object.keys(this.caps.lifecycle.flags ?? {})) {
      if (applied[flag] !== undefined && this.live && this.live.spec[flag] !== undefined) applied[flag] = this.live.spec[flag] as JsonValue;
    }
    return applied;
  }
}
