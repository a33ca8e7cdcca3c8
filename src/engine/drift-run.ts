import { driftOf, driftReport, type DriftReport } from "../core/drift.js";
import { resolvedSpec } from "./build-plan.js";
import { runPlan, type PlanRunEvents, type PlanRunOptions } from "./plan-run.js";
import { closeSessions, type KindSession } from "./session.js";

export interface DriftRunOptions {
  targets?: readonly string[];
  exclude?: readonly string[];
  session: PlanRunOptions["session"];
}

/**
 * The drift workflow: a read-only plan run, then every refreshed campaign classified (Git, the last
 * applied state and live; core/drift.ts), with one limitation line per kind without a read API.
 */
export async function runDrift(workspace: Parameters<typeof runPlan>[0], opts: DriftRunOptions, events: PlanRunEvents = {}, now?: Date): Promise<DriftReport> {
  const result = await runPlan(
    workspace,
    { readOnly: true, ...(opts.targets ? { targets: opts.targets } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}), session: opts.session },
    events,
  );
  closeSessions(result.sessions);
  const plans = new Map(result.plan.campaigns.map((c) => [c.address, c]));
  const campaigns = result.refreshed
    .filter((r) => !r.error)
    .map((r) => {
      const plan = plans.get(r.address);
      return driftOf({
        address: r.address,
        provider: r.session.provider.id,
        caps: r.session.kind.capabilities,
        ...(r.decl ? { git: resolvedSpec(result.plan, r.address) ?? r.decl.spec } : {}),
        ...(r.state ? { applied: r.state.applied } : {}),
        ...(r.live ? { live: r.live } : {}),
        ...(plan ? { plan } : {}),
        ...(r.state?.audience ? { appliedAudience: r.state.audience } : {}),
        notes: r.notes,
      });
    });
  const limitations: string[] = [];
  // One line per kind without a read API that has objects in scope, account by account.
  const unreadable = new Map<KindSession, number>();
  for (const r of result.refreshed) if (!r.session.kind.capabilities.readable) unreadable.set(r.session, (unreadable.get(r.session) ?? 0) + 1);
  for (const [session, n] of [...unreadable].sort(([a], [b]) => a.key.localeCompare(b.key))) {
    limitations.push(
      `${session.kind.displayName} (${session.key}) has no read API: its ${n} ${session.kind.capabilities.noun ?? "campaign"}(s) are compared with the last applied state only, so edits made in its dashboard cannot be detected; only pending drift is reported.`,
    );
  }
  return driftReport(campaigns, result.plan.errors, now ?? new Date(), limitations);
}

/** drift exit codes (docs/design.md §6): 0 in sync, 2 drift found, 1 error. */
export function driftExitCode(r: DriftReport): number {
  if (r.errors.length > 0) return 1;
  return r.summary.drifted > 0 ? 2 : 0;
}
