import type { GuardrailFinding, Plan } from "../../core/plan.js";
import type { Style } from "./style.js";

/**
 * The guardrails section of a plan (docs/design.md §14; README.md, Guardrails), rendered at the top of
 * text and markdown: findings first, then how many people the apply starts and resumes contacting, then
 * the cost line. Kept apart from the campaign rendering so the two can change independently.
 */

const n = (count: number, noun = "people"): string => `${count.toLocaleString("en-US")} ${count === 1 && noun === "people" ? "person" : noun}`;

/** "this apply starts contacting 2,140 people, resumes 310" (+ staged rows, + campaigns whose roster is unknown). */
export function peopleLine(plan: Plan): string | undefined {
  const p = plan.people;
  if (!p) return undefined;
  const parts = [`this apply starts contacting ${n(p.starts)}, resumes ${n(p.resumes)}`];
  if (p.staged > 0) parts.push(`${n(p.staged)} uploaded to campaigns that stay stopped`);
  if (p.unknown && p.unknown.length > 0) parts.push(`roster size not known for ${p.unknown.join(", ")} (not counted)`);
  return parts.join("; ");
}

function perCampaign(plan: Plan): string[] {
  return (plan.people?.campaigns ?? []).map((c) => {
    const bits = [...(c.starts > 0 ? [`starts ${c.starts}`] : []), ...(c.resumes > 0 ? [`resumes ${c.resumes}`] : []), ...(c.staged > 0 ? [`${c.staged} staged`] : [])];
    return `${c.address}: ${bits.join(", ")}`;
  });
}

/** Whether the section has anything to say (a plan with no changes and no finding has none). */
function worthShowing(plan: Plan, changes: boolean): boolean {
  return (plan.guardrails ?? []).length > 0 || (plan.people?.campaigns.length ?? 0) > 0 || (changes && plan.people !== undefined);
}

const label = (f: GuardrailFinding): string => `${f.code} (${f.level})`;

export function guardrailsText(plan: Plan, s: Style, changes: boolean): string[] {
  if (!worthShowing(plan, changes)) return [];
  const out = [s.bold("Guardrails:")];
  for (const f of plan.guardrails ?? []) out.push(`  ${f.level === "error" ? s.red(`! ${label(f)}`) : s.yellow(`! ${label(f)}`)} ${f.message}`);
  const people = peopleLine(plan);
  if (people) out.push(`  People: ${people}`, ...perCampaign(plan).map((l) => `    ${l}`));
  if (plan.cost) out.push(`  Cost: ${plan.cost.note}`);
  out.push("");
  return out;
}

export function guardrailsMarkdown(plan: Plan, changes: boolean, escape: (text: string) => string): string[] {
  if (!worthShowing(plan, changes)) return [];
  const out: string[] = [];
  for (const f of plan.guardrails ?? []) out.push(`> ${f.level === "error" ? ":no_entry:" : ":warning:"} **${f.code}** (${f.level}): ${escape(f.message)}`, "");
  const people = peopleLine(plan);
  if (people) {
    out.push(`**People:** ${escape(people)}.`, "");
    const rows = perCampaign(plan);
    if (rows.length > 1) out.push("<details><summary>People per campaign</summary>", "", ...rows.map((r) => `- ${escape(r)}`), "", "</details>", "");
  }
  if (plan.cost) out.push(`**Cost:** ${escape(plan.cost.note)}.`, "");
  return out;
}
