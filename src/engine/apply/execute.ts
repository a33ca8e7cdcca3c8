import type { JsonObject } from "../../core/json.js";
import type { ResourcePlan, Plan, PlanStep } from "../../core/plan.js";
import { dependencyWaves, fillPlaceholders } from "../../core/refs.js";
import type { Address, StateDocument } from "../../core/types.js";
import { accountKey, sessionForKind, type AccountSession } from "../session.js";
import { applicableResources, applyResource, applyContext, type ApplyContext } from "./resource-run.js";
import type { ApplyOptions, ResourceOutcome, StateRecorder } from "./outcome.js";

/** Execute a plan. Independent campaigns keep going when one fails; every change is recorded as it happens. */
export async function executePlan(plan: Plan, sessions: Map<string, AccountSession>, store: StateRecorder, opts: ApplyOptions): Promise<ResourceOutcome[]> {
  const ctx = applyContext(store, opts);
  const work = applicableResources(plan);
  const outcomes: ResourceOutcome[] = [];
  // One worker pool per account, as wide as the account's own concurrency (or --parallel): accounts
  // run side by side, each at its own rate, and a slow one never holds another's campaigns back. A
  // campaign's steps stay in order inside its run (applyResource).
  const pool = async (key: string, items: ResourcePlan[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const c = items[next++] as ResourcePlan;
        const session = sessions.get(key);
        const ready = withKnownIds(c, store.doc);
        outcomes.push(
          "waiting" in ready
            ? notApplied(c, ready.waiting, ctx)
            : await applyResource(ready.plan, session && sessionForKind(session, c.kind), ctx),
        );
      }
    };
    const width = opts.parallel ?? sessions.get(key)?.concurrency ?? 8;
    await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  };
  // Dependency order (docs/design.md §11): an object whose steps wait for new ids runs after the objects that
  // make them, wave by wave; inside a wave, as before.
  for (const wave of applyWaves(work)) {
    const byAccount = new Map<string, ResourcePlan[]>();
    for (const c of wave) {
      const key = accountKey(c.provider, c.account);
      byAccount.set(key, [...(byAccount.get(key) ?? []), c]);
    }
    await Promise.all([...byAccount].map(([key, items]) => pool(key, items)));
  }
  return outcomes.sort((a, b) => a.address.localeCompare(b.address));
}

/** Waves of work: each campaign after those in `dependsOn` (a dependency outside the work is already done). */
export function applyWaves(work: readonly ResourcePlan[]): ResourcePlan[][] {
  const byAddress = new Map(work.map((c) => [c.address, c]));
  const order = dependencyWaves(new Map(work.map((c) => [c.address, c.dependsOn ?? []])));
  if ("cycle" in order) return [[...work]];
  return order.waves.map((w) => w.map((a) => byAddress.get(a) as ResourcePlan));
}

/**
 * The plan with every `(known after apply)` placeholder replaced by the id now recorded in state for
 * its object (the new one after a create or replace; the old one when a replace was skipped), or the
 * addresses still without an id (their create failed or did not run).
 */
export function withKnownIds(c: ResourcePlan, doc: StateDocument): { plan: ResourcePlan } | { waiting: Address[] } {
  if (!c.dependsOn || c.dependsOn.length === 0) return { plan: c };
  const idOf = (a: Address) => doc.campaigns[a]?.id;
  const waiting = c.dependsOn.filter((a) => idOf(a) === undefined);
  if (waiting.length > 0) return { waiting };
  const plan: ResourcePlan = {
    ...c,
    steps: c.steps.map((s) => fillPlaceholders(s as unknown as JsonObject, idOf) as unknown as PlanStep),
    ...(c.desired ? { desired: fillPlaceholders(c.desired, idOf) } : {}),
  };
  return { plan };
}

function notApplied(c: ResourcePlan, waiting: readonly Address[], ctx: ApplyContext): ResourceOutcome {
  const outcome: ResourceOutcome = {
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
