/**
 * Audiences (docs/design.md §10), the pure part: what differs between the rows in the files and the
 * provider's roster, and how identities are shown (masked, never a whole row).
 */
import { suppressedLine } from "./suppression.js";
import type { AudienceRow, RosterEntry } from "./types.js";

export interface AudienceDelta {
  /** Rows whose identity is not in the roster yet. */
  add: AudienceRow[];
  /** Rows already in the roster (updated ones included). */
  present: number;
  /** Rows already in the roster whose attributes differ from the live entry's, with that entry. */
  update: { row: AudienceRow; entry: RosterEntry }[];
  /** `mode: exact`: roster entries no longer listed that the provider lets us remove. */
  remove: RosterEntry[];
  /** `mode: exact`: entries no longer listed that cannot be removed (their status). */
  keep: RosterEntry[];
}

/** How two cell values compare (the provider's normalisation of a column, e.g. emails lower-cased). */
export type CompareAs = (column: string, value: string) => string;

/**
 * Whether a file row's attributes differ from a live entry's: every column the row carries (a blank
 * cell is not carried, so it never clears a live value) except the identity, group keys one by one.
 * Values compare as text after `compareAs` (a live number 3 equals the cell "3").
 */
export function rowDiffers(row: Readonly<Record<string, unknown>>, live: Readonly<Record<string, unknown>>, identityColumn: string, compareAs?: CompareAs): boolean {
  const text = (column: string, v: unknown): string | undefined => {
    if (v === null || v === undefined) return undefined;
    const t = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
    return compareAs ? compareAs(column, t) : t;
  };
  for (const [column, value] of Object.entries(row)) {
    if (column === identityColumn) continue;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const group = live[column];
      const liveGroup = group !== null && typeof group === "object" && !Array.isArray(group) ? (group as Record<string, unknown>) : {};
      for (const [key, v] of Object.entries(value)) if (text(`${column}.${key}`, v) !== text(`${column}.${key}`, liveGroup[key])) return true;
      continue;
    }
    if (text(column, value) !== text(column, live[column])) return true;
  }
  return false;
}

/**
 * Compare by identity (both sides already normalised the provider's way), then the rows already there
 * by attributes where the roster listing carries them (`RosterEntry.fields`).
 */
export function diffAudience(
  rows: readonly AudienceRow[],
  roster: readonly RosterEntry[],
  mode: "append" | "exact",
  removableEntries?: readonly string[],
  compare?: { identityColumn: string; compareAs?: CompareAs },
): AudienceDelta {
  const live = new Map(roster.map((e) => [e.identity, e]));
  const add: AudienceRow[] = [];
  const update: AudienceDelta["update"] = [];
  for (const r of rows) {
    const entry = live.get(r.identity);
    if (!entry) add.push(r);
    else if (compare && entry.fields && rowDiffers(r.row, entry.fields, compare.identityColumn, compare.compareAs)) update.push({ row: r, entry });
  }
  const delta: AudienceDelta = { add, present: rows.length - add.length, update, remove: [], keep: [] };
  if (mode === "exact") {
    const listed = new Set(rows.map((r) => r.identity));
    for (const e of roster) {
      if (listed.has(e.identity)) continue;
      if (!removableEntries || (e.status !== undefined && removableEntries.includes(e.status))) delta.remove.push(e);
      else delta.keep.push(e);
    }
  }
  return delta;
}

/**
 * An identity as plan output may show it: `a***@acme.com`, `https://www.linkedin.com/in/a***`,
 * `+1202***00`. Enough to recognise a row in one's own file, not enough to learn it.
 */
export function maskIdentity(identity: string): string {
  const at = identity.indexOf("@");
  if (at > 0) return `${identity[0]}***${identity.slice(at)}`;
  const slug = /^(https?:\/\/[^/]+\/in\/)(.)/.exec(identity);
  if (slug) return `${slug[1]}${slug[2]}***`;
  if (/^\+\d{6,}$/.test(identity)) return `${identity.slice(0, 5)}***${identity.slice(-2)}`;
  return `${identity.slice(0, 1)}***`;
}

/** Masked identities shown with a plan (--verbose, JSON): at most this many. */
export const MASKED_SAMPLES = 10;

/** Same files with the same digests. */
export function sameFiles(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** "upload 118 prospects", "upload 5 contacts, update 1 contacts, remove 2". */
export function describeAudienceStep(step: { noun: string; add: number; update?: number; remove: number }): string {
  const parts: string[] = [];
  if (step.add > 0) parts.push(`upload ${step.add} ${step.noun}`);
  if ((step.update ?? 0) > 0) parts.push(`update ${step.update} ${step.noun}`);
  if (step.remove > 0) parts.push(`remove ${step.remove} ${step.noun}`);
  return parts.join(", ");
}

/**
 * The plan line for an audience: `+ 118 prospects (3 already present, 2 duplicates in the files)`,
 * `~ 12 contacts updated`, `- 4 contacts no longer listed`, or `prospects unchanged (120, roster not read)`.
 */
export function audienceSummary(a: {
  noun: string;
  add: number;
  /** Absent in plans saved before row edits were compared. */
  update?: number;
  present: number;
  duplicates: number;
  remove: number;
  keep: number;
  unchanged: boolean;
  rows: number;
  suppressed?: { files: readonly { path: string; rows: number; lists: Readonly<Record<string, number>> }[]; live?: { remove: number; keep: number } };
}): string[] {
  // Suppression lists (docs/design.md §15): one line per audience file, counts per list, never an identity.
  const suppressed = (a.suppressed?.files ?? []).map((f) => suppressedLine(f.rows, f.lists, `in ${f.path}`));
  if (a.unchanged) return [`${a.noun}: ${a.rows} as last applied (files unchanged; roster not read)`, ...suppressed];
  const extras: string[] = [];
  if (a.present > 0) extras.push(`${a.present} already present`);
  if (a.duplicates > 0) extras.push(`${a.duplicates} duplicate${a.duplicates === 1 ? "" : "s"} in the files`);
  const lines: string[] = [];
  const update = a.update ?? 0;
  if (a.add > 0 || a.remove + a.keep + update === 0) lines.push(`+ ${a.add} ${a.noun}${extras.length ? ` (${extras.join(", ")})` : ""}`);
  if (update > 0) lines.push(`~ ${update} ${a.noun} updated`);
  const suppressedLive = a.suppressed?.live?.remove ?? 0;
  if (a.remove + a.keep - suppressedLive > 0) lines.push(`- ${a.remove + a.keep - suppressedLive} ${a.noun} no longer listed${a.keep > 0 ? ` (${a.keep} cannot be removed)` : ""}`);
  if (suppressedLive > 0) lines.push(`- ${suppressedLive} ${a.noun} already uploaded, now on a suppression list: removed`);
  return [...lines, ...suppressed];
}
