import { describeAudienceStep } from "../../core/audience.js";
import type { JsonObject, JsonValue } from "../../core/json.js";
import type { ResourcePlan, PlanStep } from "../../core/plan.js";
import type { AudienceState, StateEntry } from "../../core/types.js";
import type { LiveResource } from "../../providers/types.js";
import type { KindSession } from "../session.js";
import { Interrupted, isStateWriteError } from "./errors.js";
import type { ApplyOptions, ResourceOutcome, StateRecorder } from "./outcome.js";

export function describe(step: PlanStep): string {
  if (step.kind === "create") return "create";
  if (step.kind === "update") return `update ${step.fields.join(", ")}`;
  if (step.kind === "wait") return `wait for ${step.until}`;
  if (step.kind === "audience") return describeAudienceStep(step);
  if (step.kind === "sync") return step.describe;
  return step.from !== undefined && step.to !== undefined ? `${step.action} (${step.from} → ${step.to})` : step.action;
}

/** Runs one campaign's steps against its provider and records the result in state. */
export class ResourceRunState {
  id: string | undefined;
  live: LiveResource | undefined;
  audienceState: AudienceState | undefined;
  readonly outcome: ResourceOutcome;

  constructor(
    readonly plan: ResourcePlan,
    readonly session: KindSession,
    readonly store: StateRecorder,
    readonly claimedIds: Set<string>,
    readonly opts: ApplyOptions,
  ) {
    this.id = plan.action === "replace" ? undefined : plan.id;
    this.outcome = { address: plan.address, status: "applied", done: [], blocked: [...plan.blocked], warnings: [...plan.warnings], verified: [] };
  }

  get caps() {
    return this.session.kind.capabilities;
  }

  get client() {
    return this.session.client;
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
}
