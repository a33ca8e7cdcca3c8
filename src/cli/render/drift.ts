import { escapeInvisible } from "../../core/text.js";
import { hasDrift, type ResourceDrift, type DriftField, type DriftReport } from "../../core/drift.js";
import type { JsonValue } from "../../core/json.js";
import { kindAtAddress } from "../../providers/registry.js";
import { style, type Style } from "./style.js";
import { fieldDiff, type DiffLine } from "./value-diff.js";

const MARKDOWN_LIMIT = 60_000;

function counts(r: DriftReport): string {
  const s = r.summary;
  return `${s.checked} checked, ${s.inSync} in sync, ${s.drifted} drifted (${s.pending} pending, ${s["out-of-band"]} out-of-band, ${s.conflict} conflict, ${s.blocked} blocked)`;
}

/**
 * The comparisons that explain a drift class, each shown as a complete nested diff:
 * pending — what Git changed since the last apply; out-of-band — what changed live since then;
 * conflict — both; blocked — what apply would have to change live.
 */
function comparisons(f: DriftField): { label: string; before: JsonValue | undefined; after: JsonValue | undefined }[] {
  switch (f.class) {
    case "pending":
      return [{ label: f.applied === undefined && f.live !== undefined ? "live → Git" : "last applied → Git", before: f.applied ?? f.live, after: f.git }];
    case "out-of-band":
      return [{ label: "last applied → live", before: f.applied, after: f.live }];
    case "conflict":
      return [
        { label: "last applied → Git", before: f.applied, after: f.git },
        { label: "last applied → live", before: f.applied, after: f.live },
      ];
    case "blocked":
      return [{ label: "live → Git", before: f.live, after: f.git }];
  }
}

function setPaths(c: ResourceDrift): readonly string[] {
  return kindAtAddress(c.address)?.kind.capabilities.unorderedPaths ?? [];
}

function fieldLines(c: ResourceDrift, f: DriftField): { label: string; lines: DiffLine[] }[] {
  return comparisons(f).map(({ label, before, after }) => {
    const lines = fieldDiff(f.path, before, after, { setPaths: setPaths(c) });
    return { label, lines: lines.length > 0 ? lines : [{ depth: 0, mark: " ", text: `${f.path}: (unchanged)`, quiet: true }] };
  });
}

function markColor(s: Style, l: DiffLine): (x: string) => string {
  if (l.quiet) return s.dim;
  return l.mark === "+" ? s.green : l.mark === "-" ? s.red : l.mark === "~" ? s.yellow : (x) => x;
}

export function renderDriftText(r: DriftReport, opts: { color: boolean }): string {
  const s = style(opts.color);
  const out: string[] = [];
  for (const c of r.campaigns.filter(hasDrift)) {
    out.push(s.bold(`# ${c.address}${c.id ? ` (id ${c.id}${c.status ? `, status ${c.status}` : ""})` : ""}`));
    if (c.summary) out.push(`    ${c.summary}`);
    for (const f of c.fields) {
      out.push(`    ${s.yellow(f.class)} ${f.path}`);
      if (f.reason) out.push(`        ${s.dim(f.reason)}`);
      for (const { label, lines } of fieldLines(c, f)) {
        out.push(`        ${s.dim(`# ${label}`)}`);
        for (const l of lines) {
          const color = markColor(s, l);
          out.push(`        ${"    ".repeat(l.depth)}${color(l.mark)} ${l.quiet ? s.dim(l.text) : l.text}`);
        }
      }
    }
    for (const n of c.notes) out.push(`    ${s.dim(`note: ${n}`)}`);
    out.push("");
  }
  for (const e of r.errors) out.push(`${s.red("error:")} ${e.address}: ${e.message}`);
  for (const l of r.limitations) out.push(s.dim(`note: ${l}`));
  out.push(r.summary.drifted === 0 && r.errors.length === 0 ? `No drift: ${counts(r)}.` : `Drift: ${counts(r)}.`);
  return escapeInvisible(`${out.join("\n")}\n`);
}

function fenceFor(body: string): string {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return "`".repeat(Math.max(3, longest + 1));
}

function section(c: ResourceDrift): string {
  const lines = [`#### \`${c.address}\`${c.id ? ` (id ${c.id}${c.status ? `, ${c.status}` : ""})` : ""}`, ""];
  if (c.summary) lines.push(c.summary, "");
  if (c.fields.length > 0) {
    const body: string[] = [];
    for (const f of c.fields) {
      body.push(`# ${f.class}: ${f.path}${f.reason ? ` — ${f.reason}` : ""}`);
      for (const { label, lines: diff } of fieldLines(c, f)) {
        body.push(`#   ${label}`);
        for (const l of diff) body.push(`${l.mark} ${"    ".repeat(l.depth)}${l.text}`);
      }
    }
    const text = body.join("\n");
    const fence = fenceFor(text);
    lines.push(`${fence}diff`, text, fence, "");
  }
  for (const n of c.notes) lines.push(`> ${n}`, "");
  return `${lines.join("\n")}\n`;
}

/** A report fit for a GitHub issue body: counts first, one section per drifted campaign, under 60,000 characters. */
export function renderDriftMarkdown(r: DriftReport, limit = MARKDOWN_LIMIT): string {
  const s = r.summary;
  let text = `### campaignctl drift report\n\nChecked ${r.checkedAt}.\n\n| checked | in sync | drifted | pending | out-of-band | conflict | blocked |\n|---:|---:|---:|---:|---:|---:|---:|\n| ${s.checked} | ${s.inSync} | ${s.drifted} | ${s.pending} | ${s["out-of-band"]} | ${s.conflict} | ${s.blocked} |\n\n`;
  text += "*pending*: Git changed, not applied yet · *out-of-band*: live changed since the last apply (e.g. a UI edit) · *conflict*: both · *blocked*: cannot be applied in the current status\n\n";
  for (const l of r.limitations) text += `> **Note:** ${l}\n\n`;
  for (const e of r.errors) text += `- :x: \`${e.address}\`: ${e.message}\n`;
  if (r.errors.length) text += "\n";
  const drifted = r.campaigns.filter(hasDrift);
  const reserve = 2_500;
  const hidden: ResourceDrift[] = [];
  for (const c of drifted) {
    if (hidden.length > 0) {
      hidden.push(c);
      continue;
    }
    const block = section(c);
    if (text.length + block.length + reserve > limit) hidden.push(c);
    else text += block;
  }
  if (hidden.length > 0) {
    const lines = [`> ${hidden.length} more drifted campaign(s) not shown (to stay under ${limit.toLocaleString("en-US")} characters); run \`campaignctl drift\` for the full report:`, ""];
    let room = limit - text.length - lines.join("\n").length - 200;
    let listed = 0;
    for (const c of hidden) {
      const line = `- \`${c.address}\` (${[...new Set(c.fields.map((f) => f.class))].join(", ") || "whole campaign"})`;
      if (room - line.length - 1 < 0) break;
      lines.push(line);
      room -= line.length + 1;
      listed += 1;
    }
    if (listed < hidden.length) lines.push(`- … and ${hidden.length - listed} more`);
    text += `\n${lines.join("\n")}\n`;
  }
  return escapeInvisible(text);
}
