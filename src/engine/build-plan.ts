import { summarize, type CampaignPlan, type Plan } from "../core/plan.js";
import { planCampaign, type PlanCampaignInput } from "../core/planner.js";
import { KINDS } from "../core/types.js";
import type { RefreshedCampaign } from "./refresh.js";

/** What the pure planner gets for one refreshed campaign. */
export function plannerInput(r: RefreshedCampaign): PlanCampaignInput {
  const provider = r.session.module.name;
  return {
    address: r.address,
    provider,
    account: r.session.account.name,
    kind: KINDS[provider],
    caps: r.session.module.capabilities,
    ...(r.decl ? { spec: r.decl.spec } : {}),
    ...(r.live ? { live: r.live } : {}),
    ...(r.state ? { state: r.state } : {}),
    identity: r.identity,
    ...(r.preflight ? { preflight: r.preflight } : {}),
    ...(r.movedFrom ? { movedFrom: r.movedFrom } : {}),
    notes: r.notes,
    ...(r.audience ? { audience: r.audience.input } : {}),
  };
}

/** Turn refreshed campaigns into a plan: the pure planner per address, errors collected, sorted. */
export function buildPlan(refreshed: readonly RefreshedCampaign[], now: Date = new Date()): Plan {
  const campaigns: CampaignPlan[] = [];
  const errors: Plan["errors"] = [];
  for (const r of refreshed) {
    if (r.error) errors.push({ address: r.address, message: r.error });
    else {
      const c = planCampaign(plannerInput(r));
      if (r.blockedCreate && c.action === "create") {
        c.steps = [];
        c.blocked.push(r.blockedCreate);
      }
      campaigns.push(c);
    }
  }
  campaigns.sort((a, b) => a.address.localeCompare(b.address));
  return { formatVersion: 1, createdAt: now.toISOString(), campaigns, summary: summarize(campaigns), errors };
}
