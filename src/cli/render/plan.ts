import { audienceSummary } from "../../core/audience.js";
import { ACTION_GLYPH, describeStep, isChange, type BlockedStep, type ResourcePlan, type FieldChange, type Plan, type PlanStep } from "../../core/plan.js";
import { escapeInvisible } from "../../core/text.js";
import { kindModule } from "../../providers/registry.js";
import { style, type Style } from "./style.js";
import { fieldDiff, scalarText, type DiffLine } from "./value-diff.js";

const MARKDOWN_LIMIT = 60_000;

function glyphFor(c: ResourcePlan, prune: boolean): string {
  if (c.action === "noop" && c.movedFrom !== undefined) return "~";
  return c.action === "orphan" && !prune ? "#" : ACTION_GLYPH[c.action];
}

/** A blocked field already shown on its change line (with the reason) is not listed again as a step. */
function shownAsChange(c: ResourcePlan, b: BlockedStep): boolean {
  return b.code === "field-blocked" && c.changes.some((ch) => ch.path === b.field);
}

/** The note that tells how to stop tracking an orphan the provider cannot retire (Extrovert). */
function manualHint(c: ResourcePlan): string | undefined {
  return c.action === "orphan" && c.retire === "manual" ? c.notes.find((n) => n.code === "orphan-manual")?.text : undefined;
}

function colorFor(s: Style, c: ResourcePlan): (x: string) => string {
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

/** Set-valued paths of a campaign's kind (compared and shown as added/removed members). */
const SET_PATHS = new Map<string, readonly string[]>();
function setPathsFor(c: ResourcePlan): readonly string[] {
  let paths = SET_PATHS.get(c.kind);
  if (paths === undefined) {
    paths = kindModule(c.kind)?.kind.capabilities.unorderedPaths ?? [];
    SET_PATHS.set(c.kind, paths);
  }
  return paths;
}

/** Control characters (C0, C1, bidi, separators) inside a line of text shown raw (multi-line values) are escaped, never printed. */
function safeLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The nested diff of one field change, with the class shown on its first line. */
export function changeDiff(c: ResourcePlan, ch: FieldChange): DiffLine[] {
  if (ch.switchedOff) {
    // An optional field the spec dropped (Extrovert full body): it is left out, switching the feature off.
    if (ch.before === null || typeof ch.before !== "object") return [{ depth: 0, mark: "~", text: `${ch.path}: ${scalarText(ch.before ?? null)} → (off)` }];
    const gone = fieldDiff(ch.path, ch.before, undefined, { setPaths: setPathsFor(c) });
    if (gone[0]) gone[0].text = `${gone[0].text} → (off)`;
    return gone;
  }
  const lines = fieldDiff(ch.path, ch.before, ch.after, { setPaths: setPathsFor(c) });
  if (ch.beforeUnknown && lines[0]) {
    // The provider does not return this field: the live value is unknown, not absent.
    lines[0].mark = "~";
    lines[0].text = lines[0].text.replace(`${ch.path}:`, `${ch.path}: (unknown) →`);
  }
  const first = lines[0];
  if (first && ch.class === "blocked") first.mark = "!";
  if (first && ch.class === "immutable") first.mark = "-/+";
  return lines;
}

function classSuffix(ch: FieldChange): string {
  return ch.class === "blocked" ? "(blocked)" : ch.class === "immutable" ? "(forces replacement)" : "";
}

function markColor(s: Style, line: DiffLine): (x: string) => string {
  if (line.quiet) return s.dim;
  switch (line.mark) {
    case "+":
      return s.green;
    case "-":
    case "-/+":
      return s.red;
    case "~":
      return s.yellow;
    case "!":
      return s.magenta;
    default:
      return (x) => x;
  }
}

function changeLines(c: ResourcePlan, ch: FieldChange, s: Style): string[] {
  const suffix = classSuffix(ch);
  const lines = changeDiff(c, ch).map((l, i) => {
    const color = markColor(s, l);
    const text = safeLine(l.text);
    const tail = i === 0 && suffix ? `  ${color(suffix)}` : "";
    return `      ${"    ".repeat(l.depth)}${color(l.mark)} ${l.quiet ? s.dim(text) : text}${tail}`;
  });
  if (ch.reason && ch.class === "blocked") lines.push(`          ${s.dim(`why: ${ch.reason}`)}`);
  if (ch.unblock && ch.class === "blocked") lines.push(`          ${s.dim(`to unblock: ${ch.unblock}`)}`);
  return lines;
}


function campaignHeader(c: ResourcePlan): string {
  const bits = [c.id === undefined ? undefined : `id ${c.id}`, c.status === undefined ? undefined : `status ${c.status}`].filter(Boolean);
  return `${c.address}${bits.length ? ` (${bits.join(", ")})` : ""}`;
}

function verb(c: ResourcePlan, prune: boolean): string {
  const v = actionVerb(c, prune);
  return c.movedFrom === undefined ? v : `moves from ${c.movedFrom} (same campaign, state re-keyed) and ${v}`;
}

function actionVerb(c: ResourcePlan, prune: boolean): string {
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
      if (!prune) return "is no longer in Git: apply leaves it alone (prune is off)";
      return manualHint(c) ? "is no longer in Git: retire it by hand (the provider cannot)" : "is no longer in Git: apply retires it (prune is on)";
    case "noop":
      return "is in sync";
  }
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const prune = plan.prune === true;
  const parts = [`${s.create} to create`, `${s.update} to update`, `${s.transition} to transition`, `${s.replace} to replace`];
  const manual = plan.campaigns.filter((c) => c.action === "orphan" && c.retire === "manual").length;
  if (prune) parts.push(`${s.orphan - manual} to retire`);
  const moved = plan.campaigns.filter((c) => c.movedFrom !== undefined).length;
  if (moved > 0) parts.push(`${moved} to move`);
  parts.push(`${s.noop} unchanged`);
  const kept = prune ? manual : s.orphan;
  const note = kept > 0 ? ` Note: ${kept} no longer in Git, left alone (${prune ? "the provider cannot retire them" : "prune is off"}).` : "";
  return `Plan: ${parts.join(", ")}${s.blocked ? `; ${s.blocked} with blocked changes` : ""}.${note}`;
}

export function renderPlanText(plan: Plan, opts: { color: boolean; showNoop?: boolean }): string {
  const s = style(opts.color);
  const prune = plan.prune === true;
  const out: string[] = [];
  const shown = plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0 || c.movedFrom !== undefined || opts.showNoop);
  for (const c of shown) {
    const color = isChange(c, prune) ? colorFor(s, c) : s.dim;
    out.push(`  ${s.bold(`# ${campaignHeader(c)}`)} ${verb(c, prune)}`);
    out.push(`  ${color(glyphFor(c, prune))} ${c.kind} ${JSON.stringify(c.displayName)}`);
    for (const ch of c.changes) out.push(...changeLines(c, ch, s));
    if (c.audience) {
      for (const line of audienceSummary(c.audience)) out.push(`      ${c.audience.unchanged ? s.dim(line) : line.startsWith("+") ? s.green(line) : s.red(line)}`);
      // Identities only masked, and only on --verbose.
      if (opts.showNoop && c.audience.samples?.length) out.push(`          ${s.dim(`e.g. ${c.audience.samples.join(", ")}${c.audience.add > c.audience.samples.length ? ", …" : ""}`)}`);
    }
    const steps = c.steps.map((step) => describeStep(step));
    if (steps.length > 0 && c.action !== "replace") out.push(`      ${s.dim(`steps: ${steps.join(" → ")}`)}`);
    if (c.dependsOn && c.dependsOn.length > 0) out.push(`      ${s.dim(`after: ${c.dependsOn.join(", ")} (ids known after apply)`)}`);
    for (const b of c.blocked.filter((b) => !shownAsChange(c, b))) {
      out.push(`      ${s.magenta("!")} ${b.what} blocked: ${b.reason}`);
      if (b.unblock) out.push(`          ${s.dim(`to unblock: ${b.unblock}`)}`);
    }
    for (const w of c.warnings) out.push(`      ${s.yellow("warning:")} ${w}`);
    for (const n of c.notes) out.push(`      ${s.dim(`note: ${n.text}`)}`);
    out.push("");
  }
  for (const e of plan.errors) out.push(`${s.red("error:")} ${e.address}: ${e.message}`);
  if (plan.errors.length > 0) out.push("");
  const changed = plan.campaigns.filter((c) => isChange(c, prune)).length;
  if (changed === 0 && plan.summary.blocked === 0 && plan.errors.length === 0) {
    const inSync = plan.campaigns.filter((c) => c.action !== "orphan").length;
    const kept = plan.campaigns.length - inSync;
    out.push(
      `No changes. Live matches Git for ${inSync} campaign${inSync === 1 ? "" : "s"}.${kept > 0 ? ` Note: ${kept} no longer in Git, left alone (${prune ? "the provider cannot retire them" : "prune is off"}).` : ""}`,
    );
  } else {
    out.push(s.bold(summaryLine(plan)));
  }
  if (plan.untracked && plan.untracked.length > 0) out.push(s.yellow(untrackedLine(plan.untracked)));
  // Provider strings (names, reasons) also reach headers and notes: bidi controls escaped there too.
  return escapeInvisible(`${out.join("\n")}\n`);
}

/** Untracked duplicates (a refused state commit merged over): the plan's own output names them, not only stderr. */
function untrackedLine(untracked: NonNullable<Plan["untracked"]>): string {
  const list = untracked.map((u) => `${u.address} (id ${u.id})`).join(", ");
  return `Untracked: ${untracked.length} live object${untracked.length === 1 ? "" : "s"} no address tracks, made by a run whose state commit was merged over: ${list}. Delete ${untracked.length === 1 ? "it" : "them"} in the provider, then \`campaignctl state forget ADDR --untracked ID\`.`;
}

function untrackedMarkdown(untracked: NonNullable<Plan["untracked"]>): string[] {
  return [
    `> **${untracked.length} untracked duplicate${untracked.length === 1 ? "" : "s"}**: live, made by a run whose state commit was merged over; no address tracks ${untracked.length === 1 ? "it" : "them"}. Delete ${untracked.length === 1 ? "it" : "them"} in the provider, then run \`campaignctl state forget ADDR --untracked ID\`:`,
    ...untracked.map((u) => `> - \`${u.address}\`: id \`${u.id}\``),
    "",
  ];
}

/** Machine-readable plan: the Plan document itself (formatVersion 2, documented in the README). */
export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/[|<>`]/g, (ch) => `\\${ch}`);
}

/** Our own sentences (which may hold `code`): only what would turn into HTML or a table is escaped. */
function htmlEscape(s: string): string {
  return s.replace(/[|<>]/g, (ch) => `\\${ch}`);
}

/** A code fence longer than any run of backticks inside, so values are shown exactly as they are. */
function fenceFor(body: string): string {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

function markdownDetails(c: ResourcePlan, prune: boolean): string {
  const lines: string[] = [];
  for (const ch of c.changes) {
    const suffix = classSuffix(ch);
    changeDiff(c, ch).forEach((l, i) => {
      lines.push(`${l.mark} ${"    ".repeat(l.depth)}${safeLine(l.text)}${i === 0 && suffix ? `  ${suffix}` : ""}`);
    });
    if (ch.class === "blocked" && ch.reason) lines.push(`    why: ${ch.reason}`);
    if (ch.class === "blocked" && ch.unblock) lines.push(`    to unblock: ${ch.unblock}`);
  }
  // Counts only: a pull-request comment never shows a row or an identity.
  if (c.audience) lines.push(...audienceSummary(c.audience));
  if (c.steps.length > 0 && c.action !== "orphan") lines.push(`steps: ${c.steps.map((step) => describeStep(step)).join(" → ")}`);
  for (const b of c.blocked.filter((b) => !shownAsChange(c, b))) {
    lines.push(`! ${b.what} blocked: ${b.reason}`);
    if (b.unblock) lines.push(`    to unblock: ${b.unblock}`);
  }
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  for (const n of c.notes) lines.push(`note: ${n.text}`);
  const body = lines.join("\n");
  const fence = fenceFor(body);
  return `<details><summary><code>${glyphFor(c, prune).trim() || "="}</code> <b>${mdEscape(c.address)}</b> — ${verb(c, prune)}</summary>\n\n${fence}diff\n${body}\n${fence}\n</details>\n`;
}

export interface MarkdownOptions {
  /** Characters the comment must stay under (GitHub rejects comments over 65,536). */
  limit?: number;
  /** The plan file saved with --out, named in the "not shown" list. */
  planFile?: string;
}

/**
 * For pull-request comments: summary first, one <details> per campaign, under 60,000 characters.
 * A campaign that does not fit is moved whole to a "not shown" list; no value is ever cut.
 * Nothing is masked: a plan holds the managed spec fields only (never an API key, never prospects).
 */
export function renderPlanMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? MARKDOWN_LIMIT;
  const prune = plan.prune === true;
  const s = plan.summary;
  const head: string[] = ["### campaignctl plan", ""];
  const changed = plan.campaigns.filter((c) => isChange(c, prune) || c.blocked.length > 0);
  const kept = plan.campaigns.filter((c) => c.action === "orphan" && !isChange(c, prune));
  if (changed.length === 0 && plan.errors.length === 0) {
    const inSync = plan.campaigns.length - plan.campaigns.filter((c) => c.action === "orphan").length;
    head.push(`**No changes.** Live matches Git for ${inSync} campaign${inSync === 1 ? "" : "s"}.`, "");
    if (plan.untracked && plan.untracked.length > 0) head.push(...untrackedMarkdown(plan.untracked));
    if (kept.length > 0) head.push(...orphanNoteMarkdown(kept, prune));
    return escapeInvisible(`${head.join("\n")}\n`);
  }
  const retire = prune ? s.orphan : 0;
  head.push("| create | update | transition | replace | retire | unchanged | blocked |", "|---:|---:|---:|---:|---:|---:|---:|");
  head.push(`| ${s.create} | ${s.update} | ${s.transition} | ${s.replace} | ${retire} | ${s.noop} | ${s.blocked} |`, "");
  if (s.blocked > 0) head.push(`> **${s.blocked} campaign(s) have blocked changes** that apply will not send; see the details.`, "");
  if (plan.untracked && plan.untracked.length > 0) head.push(...untrackedMarkdown(plan.untracked));
  const moved = plan.campaigns.filter((c) => c.movedFrom !== undefined).length;
  if (moved > 0) head.push(`> **${moved} campaign(s) renamed** (metadata.name changed): apply re-keys them in state; nothing is created or retired for that.`, "");
  if (s.replace > 0) head.push(`> **${s.replace} campaign(s) need replacement**, which apply runs only with \`--allow-replace\`.`, "");
  if (kept.length > 0) head.push(...orphanNoteMarkdown(kept, prune));
  for (const e of plan.errors) head.push(`- :x: \`${e.address}\`: ${mdEscape(e.message)}`);
  if (plan.errors.length > 0) head.push("");
  let text = `${head.join("\n")}\n`;
  // Room kept for the "not shown" list (addresses, then a count when even the list is too long).
  const reserve = 2_500;
  const hidden: ResourcePlan[] = [];
  for (const c of changed) {
    // Once one campaign did not fit, the rest are listed, not rendered (keeps thousands cheap).
    if (hidden.length > 0) {
      hidden.push(c);
      continue;
    }
    const block = markdownDetails(c, prune);
    if (text.length + block.length + reserve > limit) hidden.push(c);
    else text += block;
  }
  if (hidden.length > 0) {
    const where = opts.planFile
      ? `\`campaignctl show ${opts.planFile}\` (the plan file saved with \`--out\`; in the plan workflow it is in the run's \`campaignctl-plan\` artifact)`
      : "`campaignctl plan` (or `campaignctl show PLANFILE` for a plan saved with `--out`)";
    const lines = ["", `**Not shown** (to keep this comment under ${limit.toLocaleString("en-US")} characters): ${hidden.length} campaign(s). See the full plan with ${where}:`, ""];
    let room = limit - text.length - lines.join("\n").length - 200;
    let listed = 0;
    for (const c of hidden) {
      const line = `- \`${glyphFor(c, prune).trim()}\` ${mdEscape(c.address)} — ${verb(c, prune)}`;
      if (room - line.length - 1 < 0) break;
      lines.push(line);
      room -= line.length + 1;
      listed += 1;
    }
    if (listed < hidden.length) lines.push(`- … and ${hidden.length - listed} more`);
    text += `${lines.join("\n")}\n`;
  }
  return escapeInvisible(text);
}

function orphanNoteMarkdown(kept: readonly ResourcePlan[], prune: boolean): string[] {
  const why = prune ? "the provider cannot retire them" : "prune is off: `prune: false` in campaignctl.yaml, no `--prune`";
  const lines = [`> **Note:** ${kept.length} campaign(s) are in state but no longer in Git. Apply leaves them alone (${why}):`];
  for (const c of kept.slice(0, 50)) lines.push(`> - ${mdEscape(c.address)}${c.id === undefined ? "" : ` (id ${mdEscape(c.id)})`}${manualHint(c) ? ` — ${htmlEscape(manualHint(c) as string)}` : ""}`);
  if (kept.length > 50) lines.push(`> - … and ${kept.length - 50} more`);
  lines.push("");
  return lines;
}
