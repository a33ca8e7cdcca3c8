import type { ResourcePlan, Plan } from "../../core/plan.js";
import type { SafetyConfig } from "../../core/types.js";

/** Campaigns the safety threshold counts: updates, transitions, replacements, and orphans retired with --prune. */
export function riskyCount(campaigns: readonly ResourcePlan[], opts: { prune: boolean }): number {
  return campaigns.filter((c) => c.action === "update" || c.action === "transition" || c.action === "replace" || (c.action === "orphan" && opts.prune)).length;
}

/**
 * Whether the safety threshold could still refuse, knowing `risky` counted changes and `unknown`
 * campaigns not planned yet (each might be one more). False means no plan completing this one can be
 * refused: an account may then be applied before the others are refreshed.
 */
export function safetyMayRefuse(risky: number, unknown: number, managed: number, safety: SafetyConfig): boolean {
  if (managed < safety.minManagedForThreshold || managed === 0) return false;
  return ((risky + unknown) * 100) / managed > safety.maxChangePercent;
}

/** Refuse large change sets without --force (octoDNS-style threshold). Returns the refusal or undefined. */
export function safetyRefusal(plan: Plan, managed: number, safety: SafetyConfig, opts: { prune: boolean }): string | undefined {
  const risky = riskyCount(plan.campaigns, opts);
  if (!safetyMayRefuse(risky, 0, managed, safety)) return undefined;
  const percent = (risky * 100) / managed;
  return `this apply would change ${risky} of ${managed} managed campaigns (${percent.toFixed(0)}%), above safety.maxChangePercent ${safety.maxChangePercent}%; review the plan and re-run with --force if it is intended`;
}
