import { hasDrift, type CampaignDrift, type DriftReport } from "../../core/drift.js";
import { showValue, style } from "./style.js";

const MARKDOWN_LIMIT = 60_000;

function counts(r: DriftReport): string {
  const s = r.summary;
  return `${s.checked} checked, ${s.inSync} in sync, ${s.drifted} drifted (${s.pending} pending, ${s["out-of-band"]} out-of-band, ${s.conflict} conflict, ${s.blocked} blocked)`;
}

export function renderDriftText(r: DriftReport, opts: { color: boolean }): string {
  const s = style(opts.color);
  const out: string[] = [];
  for (const c of r.campaigns.filter(hasDrift)) {
    out.push(s.bold(`# ${c.address}${c.id ? ` (id ${c.id}${c.status ? `, status ${c.status}` : ""})` : ""}`));
    if (c.summary) out.push(`    ${c.summary}`);
    for (const f of c.fields) {
      out.push(`    ${s.yellow(f.class.padEnd(11))} ${f.path}: git ${showValue(f.git, 50)} | applied ${showValue(f.applied, 50)} | live ${showValue(f.live, 50)}`);
      if (f.reason) out.push(`                ${s.dim(f.reason)}`);
    }
    for (const n of c.notes) out.push(`    ${s.dim(`note: ${n}`)}`);
    out.push("");
  }
  for (const e of r.errors) out.push(`${s.red("error:")} ${e.address}: ${e.message}`);
  for (const l of r.limitations) out.push(s.dim(`note: ${l}`));
  out.push(r.summary.drifted === 0 && r.errors.length === 0 ? `No drift: ${counts(r)}.` : `Drift: ${counts(r)}.`);
  return `${out.join("\n")}\n`;
}

function cell(v: unknown): string {
  return v === undefined ? "—" : `\`${showValue(v, 120).replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

function section(c: CampaignDrift): string {
  const lines = [`#### \`${c.address}\`${c.id ? ` (id ${c.id}${c.status ? `, ${c.status}` : ""})` : ""}`, ""];
  if (c.summary) lines.push(c.summary, "");
  if (c.fields.length > 0) {
    lines.push("| field | Git | last applied | live | class |", "|---|---|---|---|---|");
    for (const f of c.fields) lines.push(`| \`${f.path}\` | ${cell(f.git)} | ${cell(f.applied)} | ${cell(f.live)} | ${f.class}${f.reason ? ` — ${f.reason.replace(/\|/g, "\\|")}` : ""} |`);
    lines.push("");
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
  let shown = 0;
  for (const c of drifted) {
    const block = section(c);
    if (text.length + block.length + 300 > limit) break;
    text += block;
    shown += 1;
  }
  if (shown < drifted.length) {
    text += `\n> Report cut to stay under ${limit.toLocaleString("en-US")} characters: ${drifted.length - shown} more drifted campaign(s) not shown. Run \`campaignctl drift\` for the full report.\n`;
  }
  return text;
}
