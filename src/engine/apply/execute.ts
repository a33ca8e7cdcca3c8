import type { JsonObject } from "../../core/json.js";
import type { ResourcePlan, Plan, PlanStep } from "../../core/plan.js";
import { dependencyWaves, fillPlaceholders } from "../../core/refs.js";
import type { Address, StateDocument } from "../../core/types.js";
import { accountKey, sessionForKind, type AccountSession } from "../session.js";
import { applicableResources, applyResource, applyContext, type ApplyContext } from "./resource-run.js";
import type { ApplyOptions, ResourceOutcome, StateRecorder } from "./outcome.js";
import { runVerifyingPool } from "./verify-batch.js";

/** Execute a plan. Independent campaigns keep going when one fails; every change is recorded as it happens. */
export async function executePlan(plan: Plan, sessions: Map<string, AccountSession>, store: StateRecorder, opts: ApplyOptions): Promise<ResourceOutcome[]> {
  const ctx = applyContext(store, opts);
  const work = applicableResources(plan);
  const outcomes: ResourceOutcome[] = [];
  // One worker pool per account, as wide as the account's own concurrency (or --parallel): accounts
  // run side by side, each at its own rate, and a slow one never holds another's campaigns back. A
  // campaign's steps stay in order inside its run (applyResource).
  // A campaign whose write is verified in the list view parks until the account's pool has nothing else
  // to start: then one batch lookup (one list walk) verifies them all (verify-batch.ts).
  const pool = (key: string, items: ResourcePlan[]): Promise<void> =>
    runVerifyingPool(items, opts.parallel ?? sessions.get(key)?.concurrency ?? 8, async (c, listLookup) => {
      const session = sessions.get(key);
      const ready = withKnownIds(c, store.doc);
      outcomes.push(
        "waiting" in ready
          ? notApplied(c, ready.waiting, ctx, (a) => outcomes.find((o) => o.address === a))
          : await applyResource(ready.plan, session && sessionForKind(session, c.kind), ctx, listLookup),
      );
    }, opts.signal);
  // Dependency order (docs/design.md §11): an object whose steps wait for new ids runs after the objects that
  // make them, wave by wave; inside a wave, as before.
  for (const wave of applyWaves(work)) {
    const byAccount = new Map<string, ResourcePlan[]>();
    for (const c of wave) {
      const key = accountKey(c.provider, c.account);
      const items = byAccount.get(key);
      if (items) items.push(c);
      else byAccount.set(key, [c]);
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

/**
 * The outcome of an object whose dependencies gave no id. Blocked when every one of them is blocked (an
 * unconfirmed create waits for `state adopt` or `--recreate-pending`: this one follows it, exit code 3);
 * failed when one of them failed or did not run.
 */
function notApplied(
  c: ResourcePlan,
  waiting: readonly Address[],
  ctx: ApplyContext,
  outcomeOf: (address: Address) => ResourceOutcome | undefined,
): ResourceOutcome {
  const blockedBy = waiting.every((a) => outcomeOf(a)?.status === "blocked");
  const them = waiting.length === 1 ? "it" : "them";
  const outcome: ResourceOutcome = {
    address: c.address,
    status: blockedBy ? "blocked" : "failed",
    done: [],
    ...(blockedBy ? {} : { reason: "dependency-missing" as const }),
    message: blockedBy
      ? `not applied yet: it needs the id of ${waiting.join(", ")}, which ${waiting.length === 1 ? "is" : "are"} blocked (see ${waiting.length === 1 ? "its" : "their"} outcome)`
      : `not applied: it needs the id of ${waiting.join(", ")}, which ${waiting.length === 1 ? "was" : "were"} not created in this apply (see ${waiting.length === 1 ? "its" : "their"} outcome)`,
    blocked: blockedBy
      ? [
          {
            code: "dependency-blocked",
            what: c.action === "create" ? "create" : "apply",
            reason: `it refers to ${waiting.join(", ")}, blocked in this apply`,
            unblock: `unblock ${them} first (the outcome of ${them} says how), then run apply again`,
          },
        ]
      : [],
    warnings: [],
    verified: [],
    ...(c.id === undefined || c.action === "replace" ? {} : { id: c.id }),
  };
  ctx.opts.onOutcome?.(outcome);
  return outcome;
}
