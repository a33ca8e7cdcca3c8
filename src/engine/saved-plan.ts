import { sameFiles } from "../core/audience.js";
import { UserError } from "../core/errors.js";
import { summarize, type ResourcePlan, type Plan } from "../core/plan.js";
import type { StateDocument } from "../core/types.js";

/**
 * The checks a saved plan (`plan --out FILE`, then `apply FILE`) passes before anything of it is
 * applied (docs/design.md §12): made from this state, and nothing it touches changed since.
 */
export interface SavedPlan {
  /** The file it was read from, as the user named it (for messages). */
  file: string;
  plan: Plan;
}

/** Why apply refused to start writing: each is a UserError the CLI prints as it is. */
export type ApplyRefusalCode =
  | "plan-other-lineage"
  | "plan-older-than-state"
  | "plan-stale"
  | "safety-threshold"
  /** Guardrails (docs/design.md §14): more people than guardrails.maxNewContacts, or a sender booked past its daily limit. */
  | "max-new-contacts"
  | "sender-capacity";

export class ApplyRefused extends UserError {
  override name = "ApplyRefused";
  constructor(
    readonly code: ApplyRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** A saved plan is applied only to the state it was made from (docs/design.md §12): same lineage, no newer serial. */
export function checkPlanState({ file, plan: saved }: SavedPlan, state: StateDocument): void {
  const made = saved.state;
  if (!made) return;
  const serial = state.serial ?? 0;
  if (made.lineage !== undefined && state.lineage !== undefined && made.lineage !== state.lineage) {
    throw new ApplyRefused(
      "plan-other-lineage",
      `${file} was made against another state (lineage ${made.lineage}; this workspace's state has lineage ${state.lineage}): ` +
        `it belongs to another workspace or a replaced state file; run \`campaignctl plan --out\` here`,
    );
  }
  if (made.serial < serial) {
    throw new ApplyRefused(
      "plan-older-than-state",
      `${file} is older than the state: it was made at state serial ${made.serial}, the state is now at serial ${serial} ` +
        `(another apply, import or state command wrote it since); run \`campaignctl plan --out\` again`,
    );
  }
}

/** The audience counts a saved plan promised still hold (files and roster unchanged since). */
function sameAudience(saved: ResourcePlan, fresh: ResourcePlan): boolean {
  const a = saved.audience;
  const b = fresh.audience;
  if (!a || !b) return a === b;
  return a.add === b.add && (a.update ?? 0) === (b.update ?? 0) && a.remove === b.remove && sameFiles(a.files, b.files);
}

/** A saved plan may be applied only if nothing it touches changed since it was made. */
export function staleAddresses(saved: Plan, fresh: Plan): string[] {
  const now = new Map(fresh.campaigns.map((c) => [c.address, c]));
  const stale: string[] = [];
  for (const c of saved.campaigns) {
    if (c.action === "noop") continue;
    const f = now.get(c.address);
    if (!f || f.fingerprint !== c.fingerprint || f.id !== c.id || !sameAudience(c, f)) stale.push(c.address);
  }
  for (const e of fresh.errors) if (saved.campaigns.some((c) => c.address === e.address)) stale.push(e.address);
  return [...new Set(stale)].sort();
}

/** The plan apply executes for a saved plan: refused when stale against the fresh one, else the saved campaigns as they were planned. */
export function savedPlanToApply(saved: Plan, fresh: Plan, prune: boolean): Plan {
  const stale = staleAddresses(saved, fresh);
  if (stale.length > 0) {
    throw new ApplyRefused("plan-stale", `the saved plan is stale: ${stale.join(", ")} changed since it was made; run \`campaignctl plan --out\` again`);
  }
  const keep = new Set(saved.campaigns.map((c) => c.address));
  const campaigns: ResourcePlan[] = saved.campaigns.filter((c) => keep.has(c.address));
  return { ...saved, campaigns, summary: summarize(campaigns), errors: [], prune };
}
