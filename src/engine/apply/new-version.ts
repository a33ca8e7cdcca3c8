import type { PlanStep } from "../../core/plan.js";
import type { AudienceRow } from "../../core/types.js";
import type { AudienceRules } from "../../providers/types.js";
import { carriedOver, contactedIdentities } from "../new-version.js";
import type { ResourceRunState } from "./run-state.js";

/** Whether this replace runs as a new version (the old campaign renamed and stopped, never deleted). */
export function isNewVersion(run: ResourceRunState): boolean {
  return run.plan.action === "replace" && run.plan.steps.some((s) => s.kind === "rename-old");
}

/** The rows a create or replace uploads: for a new version planned with a carry-over, only people the old campaign has not contacted. */
export async function newVersionRows(run: ResourceRunState, rows: readonly AudienceRow[], rules: AudienceRules): Promise<readonly AudienceRow[]> {
  const p = run.plan;
  const nv = run.caps.newVersion;
  if (!isNewVersion(run) || p.audience?.leftBehind === undefined || p.id === undefined || !nv || !run.client.roster) return rows;
  const contacted = await contactedIdentities(run.client.roster, p.id, rules.identityColumn(p.desired ?? {}), nv.notContacted);
  return carriedOver(rows, contacted);
}

/** Rename the old campaign before the new one takes its name. */
export async function renameOld(run: ResourceRunState, step: Extract<PlanStep, { kind: "rename-old" }>): Promise<void> {
  await run.client.update(step.id, { [run.caps.nameField]: step.name });
  run.step(`renamed old campaign ${step.id} to ${JSON.stringify(step.name)}`);
}

/** Stop the old campaign once the new one runs: its history, prospects and replies stay. */
export async function stopOld(run: ResourceRunState, step: Extract<PlanStep, { kind: "stop-old" }>): Promise<void> {
  if (!run.client.action) throw new Error(`${step.action} is not available for ${run.session.kind.displayName}`);
  await run.client.action(step.id, step.action);
  run.step(`${step.action}d old campaign ${step.id} (kept, never deleted)`);
}
