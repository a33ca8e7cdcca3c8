import type { ResourceOutcome } from "./outcome.js";
import type { ResourceRunState } from "./run-state.js";

export async function retireOld(run: ResourceRunState, oldId: string): Promise<void> {
  const retire = run.caps.retire;
  if ("manual" in retire) {
    run.outcome.warnings.push(`old campaign ${oldId} is still there: ${retire.manual}`);
    return;
  }
  if (retire.action === "delete") {
    if (!run.client.remove) throw new Error("delete is not available");
    await run.client.remove(oldId);
  } else {
    if (!run.client.action) throw new Error(`${retire.action} is not available`);
    await run.client.action(oldId, retire.action);
  }
  run.step(`${retire.action === "delete" ? "deleted" : `${retire.action}d`} old campaign ${oldId}`);
}

export async function prune(run: ResourceRunState): Promise<ResourceOutcome> {
  const p = run.plan;
  if (!run.opts.prune) {
    run.outcome.status = "skipped";
    run.outcome.reason = "needs-prune";
    run.outcome.message = "no longer in Git; run apply with --prune to retire it";
    return run.outcome;
  }
  const retire = run.caps.retire;
  if ("manual" in retire || p.id === undefined) {
    run.outcome.status = "manual";
    run.outcome.reason = "manual" in retire ? "manual-retire" : "no-id";
    run.outcome.message =
      "manual" in retire ? `${retire.manual}; then run \`campaignctl state forget ${p.address}\`` : "no id recorded";
    return run.outcome;
  }
  // Retire only what was read live; an orphan already gone at the provider just leaves state.
  run.checkSignal(`retiring ${p.id}`);
  if (p.status !== undefined) await retireOld(run, p.id);
  else run.step(`campaign ${p.id} is already gone at ${run.session.kind.displayName}; removed from state`);
  run.store.delete(p.address);
  return run.outcome;
}
