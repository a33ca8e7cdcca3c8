import { audienceSummary } from "../../core/audience.js";
import { ACTION_GLYPH, describeStep, isChange, type BlockedStep, type ResourcePlan, type FieldChange, type Plan, type PlanStep } from "../../core/plan.js";
import { escapeInvisible } from "../../core/text.js";
import { kindModule } from "../../providers/registry.js";
import { guardrailsMarkdown, guardrailsText } from "./guardrails.js";
import { style, type Style } from "./style.js";
import { fieldDiff, scalarText, type DiffLine } from "./value-diff.js";

const MARKDOWN_LIMIT = 60_000;

function glyphFor(c: ResourcePlan, prune: boolean): string {
  if (c.action === "noop" && c.movedFrom !== undefined) return "~";
  if (c.action === "noop" && c.blocked.length > 0) return "!";
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
      if (manualHint(c)) return "is no longer in Git: retire it by hand (the provider cannot)";
      {
        const del = c.steps.find((st) => st.kind === "delete");
        if (del) return `is no longer in Git: apply DELETES it (prune: delete) — lost: ${del.loses}`;
      }
      return "is no longer in Git: apply retires it, keeping its history (prune is on)";
    case "noop":
      return c.blocked.length > 0 ? "has blocked changes only: apply sends nothing for it" : "is in sync";
  }
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const prune = plan.prune === true;
  const parts = [`${s.create} to create`, `${s.update} to update`, `${s.transition} to transition`, `${s.replace} to replace`];
  const manual = plan.campaigns.filter((c) => c.action === "orphan" && c.retire === "manual").length;
  if (prune) parts.push(`${s.orphan - manual} to retire`);
  // s.moved: renames without other change (a rename that also updates counts as the update).
  const moved = s.moved ?? 0;
  if (moved > 0) parts.push(`${moved} to move`);
  parts.push(`${s.noop} unchanged`);
  const kept = prune ? manual : s.orphan;
  const note = kept > 0 ? ` Note: ${kept} no longer in Git, left alone (${prune ? "the provider cannot retire them" : "prune is off"}).` : "";
  return `Plan: ${parts.join(", ")}${s.blocked ? `; ${s.blocked} with blocked changes` : ""}.${note}`;
}

export function renderPlanText(plan: Plan, opts: { color: boolean; showNoop?: boolean }): string {
  return [...planTextChunks(plan, opts)].join("");
}

/**
 * renderPlanText's bytes in pieces (the guardrails, then one piece per campaign or set group, then the
 * errors and the summary), so a plan of 100,000 campaigns is written as it is rendered, never held whole
 * (issue 30). Each piece is whole lines ending in "\n", escaped like the whole text was.
 */
export function* planTextChunks(plan: Plan, opts: { color: boolean; showNoop?: boolean }): Generator<string> {
  const s = style(opts.color);
  const prune = plan.prune === true;
  const piece = (lines: readonly string[]): string => escapeInvisible(`${lines.join("\n")}\n`);
  const shown = plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0 || c.movedFrom !== undefined || opts.showNoop);
  // Guardrails first (docs/design.md §14): findings, people reached, cost.
  const guardrails = guardrailsText(plan, s, plan.campaigns.some((c) => isChange(c, prune)));
  if (guardrails.length > 0) yield piece(guardrails);
  for (const entry of groupBySet(shown, prune)) {
    if ("members" in entry) {
      yield piece([...setGroupText(entry, s, prune, opts), ""]);
      continue;
    }
    const c = entry;
    const color = isChange(c, prune) ? colorFor(s, c) : s.dim;
    const out: string[] = [];
    out.push(`  ${s.bold(`# ${campaignHeader(c)}`)} ${verb(c, prune)}`);
    out.push(`  ${color(glyphFor(c, prune))} ${c.kind} ${JSON.stringify(c.displayName)}`);
    for (const block of textBlocks(c, s, prune, opts)) out.push(...block);
    out.push("");
    yield piece(out);
  }
  const out: string[] = [];
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
  yield piece(out);
}

/** The lines under one campaign's header, one block per change, audience, steps, blocked step, warning and note. */
function textBlocks(c: ResourcePlan, s: Style, prune: boolean, opts: { showNoop?: boolean }): string[][] {
  const blocks: string[][] = [];
  for (const ch of c.changes) blocks.push(changeLines(c, ch, s));
  if (c.audience) {
    const lines = audienceSummary(c.audience).map((line) => `      ${c.audience!.unchanged ? s.dim(line) : line.startsWith("+") ? s.green(line) : s.red(line)}`);
    // Identities only masked, and only on --verbose.
    if (opts.showNoop && c.audience.samples?.length) lines.push(`          ${s.dim(`e.g. ${c.audience.samples.join(", ")}${c.audience.add > c.audience.samples.length ? ", …" : ""}`)}`);
    const sup = c.audience.suppressed;
    if (opts.showNoop && sup?.samples?.length) lines.push(`          ${s.dim(`suppressed, e.g. ${sup.samples.join(", ")}${sup.rows > sup.samples.length ? ", …" : ""}`)}`);
    blocks.push(lines);
  }
  const steps = c.steps.map((step) => describeStep(step));
  const newVersion = c.steps.some((st) => st.kind === "rename-old");
  if (steps.length > 0 && (c.action !== "replace" || newVersion) && (c.action !== "orphan" || prune)) blocks.push([`      ${s.dim(`steps: ${steps.join(" → ")}`)}`]);
  if (c.dependsOn && c.dependsOn.length > 0) blocks.push([`      ${s.dim(`after: ${c.dependsOn.join(", ")} (ids known after apply)`)}`]);
  for (const b of c.blocked.filter((b) => !shownAsChange(c, b))) {
    blocks.push([`      ${s.magenta("!")} ${b.what} blocked: ${b.reason}`, ...(b.unblock ? [`          ${s.dim(`to unblock: ${b.unblock}`)}`] : [])]);
  }
  for (const w of c.warnings) blocks.push([`      ${s.yellow("warning:")} ${w}`]);
  for (const n of c.notes) blocks.push([`      ${s.dim(`note: ${n.text}`)}`]);
  return blocks;
}

/** Campaigns of one CampaignSet that plan the same action (docs/design.md §13): shown once, with the instance list. */
export interface SetGroup {
  set: string;
  members: ResourcePlan[];
}

/**
 * The campaigns to show, with those of one set that plan the same action (and the same move or not)
 * gathered into one group at the place of the first; a set with a single such campaign stays a campaign.
 */
export function groupBySet(shown: readonly ResourcePlan[], prune: boolean): (ResourcePlan | SetGroup)[] {
  const key = (c: ResourcePlan): string | undefined => (c.set === undefined ? undefined : JSON.stringify([c.set, c.kind, glyphFor(c, prune), verb(c, prune).replace(/from \S+/, ""), c.movedFrom === undefined]));
  const groups = new Map<string, SetGroup>();
  for (const c of shown) {
    const k = key(c);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.members.push(c);
    else groups.set(k, { set: c.set!, members: [c] });
  }
  const out: (ResourcePlan | SetGroup)[] = [];
  const placed = new Set<SetGroup>();
  for (const c of shown) {
    const k = key(c);
    const g = k === undefined ? undefined : groups.get(k);
    if (!g || g.members.length < 2) out.push(c);
    else if (!placed.has(g)) {
      placed.add(g);
      out.push(g);
    }
  }
  return out;
}

/** Blocks every member shows identically (by their text), and what is left per member. */
function splitShared<T>(members: readonly T[], blocksOf: (m: T) => string[][]): { shared: string[][]; own: string[][][] } {
  const all = members.map(blocksOf);
  const textOf = (b: string[]) => b.join("\n");
  const counts = all.map((blocks) => new Set(blocks.map(textOf)));
  const shared = (all[0] ?? []).filter((b) => counts.every((set) => set.has(textOf(b))));
  const sharedText = new Set(shared.map(textOf));
  return { shared, own: all.map((blocks) => blocks.filter((b) => !sharedText.has(textOf(b)))) };
}

/** What a group's campaigns do, in the words of one campaign (a move names no single source). */
function setVerb(c: ResourcePlan, prune: boolean): string {
  return c.movedFrom === undefined ? actionVerb(c, prune) : `move (same campaigns, state re-keyed) and ${actionVerb(c, prune)}`;
}

/** The instance names of a group, or the addresses of members that have none. */
function instanceList(members: readonly ResourcePlan[]): string {
  return members.map((c) => c.instance ?? c.address).join(", ");
}

function setGroupText(g: SetGroup, s: Style, prune: boolean, opts: { showNoop?: boolean }): string[] {
  const first = g.members[0]!;
  const color = isChange(first, prune) ? colorFor(s, first) : s.dim;
  const out = [`  ${color(glyphFor(first, prune))} ${s.bold(`${g.members.length} campaigns of set ${g.set}:`)} ${setVerb(first, prune)} (${first.kind})`];
  out.push(`      instances: ${instanceList(g.members)}`);
  const { shared, own } = splitShared(g.members, (c) => textBlocks(c, s, prune, opts));
  for (const block of shared) out.push(...block);
  g.members.forEach((c, i) => {
    const mine = own[i]!;
    if (mine.length === 0 && c.id === undefined && c.movedFrom === undefined) return;
    const bits = [c.id === undefined ? undefined : `id ${c.id}`, c.movedFrom === undefined ? undefined : `from ${c.movedFrom}`].filter(Boolean);
    out.push(`    ${s.dim(`${c.instance ?? c.address}`)} ${s.dim(`(${c.address}${bits.length ? `, ${bits.join(", ")}` : ""})`)}`);
    for (const block of mine) out.push(...block);
  });
  return out;
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

function markdownBlocks(c: ResourcePlan, prune: boolean): string[][] {
  const blocks: string[][] = [];
  for (const ch of c.changes) {
    const lines: string[] = [];
    const suffix = classSuffix(ch);
    changeDiff(c, ch).forEach((l, i) => {
      lines.push(`${l.mark} ${"    ".repeat(l.depth)}${safeLine(l.text)}${i === 0 && suffix ? `  ${suffix}` : ""}`);
    });
    if (ch.class === "blocked" && ch.reason) lines.push(`    why: ${ch.reason}`);
    if (ch.class === "blocked" && ch.unblock) lines.push(`    to unblock: ${ch.unblock}`);
    blocks.push(lines);
  }
  // Counts only: a pull-request comment never shows a row or an identity.
  if (c.audience) blocks.push(audienceSummary(c.audience));
  if (c.steps.length > 0 && (c.action !== "orphan" || prune)) blocks.push([`steps: ${c.steps.map((step) => describeStep(step)).join(" → ")}`]);
  for (const b of c.blocked.filter((b) => !shownAsChange(c, b))) blocks.push([`! ${b.what} blocked: ${b.reason}`, ...(b.unblock ? [`    to unblock: ${b.unblock}`] : [])]);
  for (const w of c.warnings) blocks.push([`warning: ${w}`]);
  for (const n of c.notes) blocks.push([`note: ${n.text}`]);
  return blocks;
}

function fenced(body: string): string {
  const fence = fenceFor(body);
  return `${fence}diff\n${body}\n${fence}`;
}

function markdownDetails(c: ResourcePlan, prune: boolean): string {
  const body = markdownBlocks(c, prune).flat().join("\n");
  return `<details><summary><code>${glyphFor(c, prune).trim() || "="}</code> <b>${mdEscape(c.address)}</b> — ${verb(c, prune)}</summary>\n\n${fenced(body)}\n</details>\n`;
}

/** One <details> for the campaigns of a set that plan the same action: what they share once, then what differs per instance. */
function markdownGroupDetails(g: SetGroup, prune: boolean): string {
  const first = g.members[0]!;
  const { shared, own } = splitShared(g.members, (c) => markdownBlocks(c, prune));
  const lines = [`instances: ${instanceList(g.members)}`, ...shared.flat()];
  g.members.forEach((c, i) => {
    const mine = own[i]!;
    if (mine.length === 0 && c.movedFrom === undefined) return;
    lines.push("", `# ${c.instance ?? c.address} (${c.address}${c.movedFrom === undefined ? "" : `, from ${c.movedFrom}`})`, ...mine.flat());
  });
  return `<details><summary><code>${glyphFor(first, prune).trim() || "="}</code> <b>${g.members.length} campaigns of set ${mdEscape(g.set)}</b> — ${setVerb(first, prune)}</summary>\n\n${fenced(lines.join("\n"))}\n</details>\n`;
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
  // Guardrails first (docs/design.md §14): findings, people reached, cost.
  head.push(...guardrailsMarkdown(plan, changed.length > 0, mdEscape));
  const kept = plan.campaigns.filter((c) => c.action === "orphan" && !isChange(c, prune));
  if (changed.length === 0 && plan.errors.length === 0) {
    const inSync = plan.campaigns.length - plan.campaigns.filter((c) => c.action === "orphan").length;
    head.push(`**No changes.** Live matches Git for ${inSync} campaign${inSync === 1 ? "" : "s"}.`, "");
    if (plan.untracked && plan.untracked.length > 0) head.push(...untrackedMarkdown(plan.untracked));
    if (kept.length > 0) head.push(...orphanNoteMarkdown(kept, prune));
    return escapeInvisible(`${head.join("\n")}\n`);
  }
  const retire = prune ? s.orphan : 0;
  head.push("| create | update | transition | replace | retire | move | unchanged | blocked |", "|---:|---:|---:|---:|---:|---:|---:|---:|");
  head.push(`| ${s.create} | ${s.update} | ${s.transition} | ${s.replace} | ${retire} | ${s.moved ?? 0} | ${s.noop} | ${s.blocked} |`, "");
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
  for (const entry of groupBySet(changed, prune)) {
    const members = "members" in entry ? entry.members : [entry];
    // Once one campaign did not fit, the rest are listed, not rendered (keeps thousands cheap).
    if (hidden.length > 0) {
      hidden.push(...members);
      continue;
    }
    const block = "members" in entry ? markdownGroupDetails(entry, prune) : markdownDetails(entry, prune);
    if (text.length + block.length + reserve > limit) hidden.push(...members);
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
