import { ACTION_GLYPH, type CampaignPlan, type FieldChange, type Plan, type PlanStep } from "../../core/plan.js";
import { showValue, style, type Style } from "./style.js";

const MARKDOWN_LIMIT = 60_000;

function glyphFor(c: CampaignPlan): string {
  return ACTION_GLYPH[c.action];
}

function colorFor(s: Style, c: CampaignPlan): (x: string) => string {
  switch (c.action) {
    case "create":
      return s.green;
    case "update":
    case "transition":
      return s.yellow;
    case "replace":
    case "orphan":
      return s.red;
    default:
      return (x) => x;
  }
}

function changeLine(ch: FieldChange, s: Style): string[] {
  if (ch.class === "blocked") {
    const lines = [`      ${s.magenta("!")} ${ch.path}: ${showValue(ch.before)} → ${showValue(ch.after)}  ${s.magenta("(blocked)")}`];
    if (ch.reason) lines.push(`          ${s.dim(`why: ${ch.reason}`)}`);
    if (ch.unblock) lines.push(`          ${s.dim(`to unblock: ${ch.unblock}`)}`);
    return lines;
  }
  if (ch.class === "immutable") {
    return [`      ${s.red("-/+")} ${ch.path}: ${showValue(ch.before)} → ${showValue(ch.after)}  ${s.red("(forces replacement)")}`];
  }
  if (ch.before === undefined) return [`      ${s.green("+")} ${ch.path}: ${showValue(ch.after)}`];
  return [`      ${s.yellow("~")} ${ch.path}: ${showValue(ch.before)} → ${showValue(ch.after)}`];
}

export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case "create":
      return `create (POST with ${Object.keys(step.body).length} fields)`;
    case "update":
      return `update ${step.fields.join(", ")}`;
    case "action":
      return step.from !== undefined && step.to !== undefined ? `${step.action} (${step.from} → ${step.to})` : step.action;
  }
}

function campaignHeader(c: CampaignPlan): string {
  const bits = [c.id === undefined ? undefined : `id ${c.id}`, c.status === undefined ? undefined : `status ${c.status}`].filter(Boolean);
  return `${c.address}${bits.length ? ` (${bits.join(", ")})` : ""}`;
}

function verb(c: CampaignPlan): string {
  switch (c.action) {
    case "create":
      return "will be created";
    case "update":
      return "will be updated in place";
    case "transition":
      return "will change status";
    case "replace":
      return "must be replaced (only with --allow-replace)";
    case "orphan":
      return "is no longer in Git (kept unless --prune)";
    case "noop":
      return "is in sync";
  }
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const parts = [`${s.create} to create`, `${s.update} to update`, `${s.transition} to transition`, `${s.replace} to replace`, `${s.orphan} orphaned`, `${s.noop} unchanged`];
  return `Plan: ${parts.join(", ")}${s.blocked ? `; ${s.blocked} with blocked changes` : ""}.`;
}

export function renderPlanText(plan: Plan, opts: { color: boolean; showNoop?: boolean }): string {
  const s = style(opts.color);
  const out: string[] = [];
  const shown = plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0 || opts.showNoop);
  for (const c of shown) {
    const color = colorFor(s, c);
    out.push(`  ${s.bold(`# ${campaignHeader(c)}`)} ${verb(c)}`);
    out.push(`  ${color(glyphFor(c))} ${c.kind} ${JSON.stringify(c.displayName)}`);
    for (const ch of c.changes) out.push(...changeLine(ch, s));
    const steps = c.steps.map(describeStep);
    if (steps.length > 0 && c.action !== "replace") out.push(`      ${s.dim(`steps: ${steps.join(" → ")}`)}`);
    for (const b of c.blocked.filter((b) => !c.changes.some((ch) => ch.path === b.what))) {
      out.push(`      ${s.magenta("!")} ${b.what} blocked: ${b.reason}`);
      if (b.unblock) out.push(`          ${s.dim(`to unblock: ${b.unblock}`)}`);
    }
    for (const w of c.warnings) out.push(`      ${s.yellow("warning:")} ${w}`);
    for (const n of c.notes) out.push(`      ${s.dim(`note: ${n}`)}`);
    out.push("");
  }
  for (const e of plan.errors) out.push(`${s.red("error:")} ${e.address}: ${e.message}`);
  if (plan.errors.length > 0) out.push("");
  const changed = plan.campaigns.filter((c) => c.action !== "noop").length;
  if (changed === 0 && plan.summary.blocked === 0 && plan.errors.length === 0) {
    out.push(`No changes. Live matches Git for ${plan.campaigns.length} campaign${plan.campaigns.length === 1 ? "" : "s"}.`);
  } else {
    out.push(s.bold(summaryLine(plan)));
  }
  return `${out.join("\n")}\n`;
}

/** Machine-readable plan: the Plan document itself (formatVersion 1, documented in the README). */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/[|<>`]/g, (ch) => `\\${ch}`);
}

function markdownDetails(c: CampaignPlan): string {
  const lines: string[] = [];
  for (const ch of c.changes) {
    const mark = ch.class === "blocked" ? "!" : ch.class === "immutable" ? "-/+" : ch.before === undefined ? "+" : "~";
    lines.push(`${mark} ${ch.path}: ${showValue(ch.before, 200)} → ${showValue(ch.after, 200)}${ch.class === "editable" ? "" : `  (${ch.class})`}`);
    if (ch.reason) lines.push(`    why: ${ch.reason}`);
    if (ch.unblock) lines.push(`    to unblock: ${ch.unblock}`);
  }
  if (c.steps.length > 0) lines.push(`steps: ${c.steps.map(describeStep).join(" → ")}`);
  for (const b of c.blocked.filter((b) => !c.changes.some((ch) => ch.path === b.what))) lines.push(`! ${b.what} blocked: ${b.reason}`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  for (const n of c.notes) lines.push(`note: ${n}`);
  const body = lines.join("\n").replace(/```/g, "'''");
  return `<details><summary><code>${glyphFor(c).trim() || "="}</code> <b>${mdEscape(c.address)}</b> — ${verb(c)}</summary>\n\n\`\`\`diff\n${body}\n\`\`\`\n</details>\n`;
}

/** For pull-request comments: summary first, one <details> per campaign, under 60,000 characters. */
export function renderPlanMarkdown(plan: Plan, limit = MARKDOWN_LIMIT): string {
  const s = plan.summary;
  const head: string[] = ["### campaignctl plan", ""];
  const changed = plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0);
  if (changed.length === 0 && plan.errors.length === 0) {
    head.push(`**No changes.** Live matches Git for ${plan.campaigns.length} campaigns.`, "");
    return `${head.join("\n")}\n`;
  }
  head.push("| create | update | transition | replace | orphan | unchanged | blocked |", "|---:|---:|---:|---:|---:|---:|---:|");
  head.push(`| ${s.create} | ${s.update} | ${s.transition} | ${s.replace} | ${s.orphan} | ${s.noop} | ${s.blocked} |`, "");
  if (s.blocked > 0) head.push(`> **${s.blocked} campaign(s) have blocked changes** that apply will not send; see the details.`, "");
  if (s.replace > 0) head.push(`> **${s.replace} campaign(s) need replacement**, which apply runs only with \`--allow-replace\`.`, "");
  for (const e of plan.errors) head.push(`- :x: \`${e.address}\`: ${mdEscape(e.message)}`);
  if (plan.errors.length > 0) head.push("");
  let text = `${head.join("\n")}\n`;
  const reserve = 300;
  let shown = 0;
  for (const c of changed) {
    const block = markdownDetails(c);
    if (text.length + block.length + reserve > limit) break;
    text += block;
    shown += 1;
  }
  if (shown < changed.length) {
    text += `\n> Output cut to stay under ${limit.toLocaleString("en-US")} characters: ${changed.length - shown} more campaign(s) not shown. Run \`campaignctl plan\` for the full plan.\n`;
  }
  return text;
}
