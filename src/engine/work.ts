import { isChange, type ResourcePlan } from "../core/plan.js";
import type { ApplyOptions } from "./apply.js";
import type { RefreshedResource } from "./refresh.js";

/** Whether a planned campaign gives apply something to do (a change, a blocked step to report, an adoption or audience to record). */
export function hasWork(c: ResourcePlan, prune: boolean): boolean {
  return isChange(c, prune) || c.blocked.length > 0 || c.identity === "adopted" || c.audience?.record === true;
}

/** The audience work of refreshed campaigns, by address (what executePlan uploads). */
export function audiencesOf(refreshed: readonly RefreshedResource[]): NonNullable<ApplyOptions["audiences"]> {
  return new Map(refreshed.flatMap((r) => (r.audience ? [[r.address, r.audience] as const] : [])));
}
