/**
 * Audiences (docs/design.md §10), the pure part: what differs between the rows in the files and the
 * provider's roster, and how identities are shown (masked, never a whole row).
 */
import type { AudienceRow, RosterEntry } from "./types.js";

export interface AudienceDelta {
  /** Rows whose identity is not in the roster yet. */
  add: AudienceRow[];
  /** Rows already in the roster. */
  present: number;
  /** `mode: exact`: roster entries no longer listed that the provider lets us remove. */
  remove: RosterEntry[];
  /** `mode: exact`: entries no longer listed that cannot be removed (their status). */
  keep: RosterEntry[];
}

/** Compare by identity (both sides already normalised the provider's way). */
export function diffAudience(
  rows: readonly AudienceRow[],
  roster: readonly RosterEntry[],
  mode: "append" | "exact",
  removableEntries?: readonly string[],
): AudienceDelta {
  const live = new Set(roster.map((e) => e.identity));
  const add = rows.filter((r) => !live.has(r.identity));
  const delta: AudienceDelta = { add, present: rows.length - add.length, remove: [], keep: [] };
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

/** "upload 118 prospects", "upload 5 contacts, remove 2". */
export function describeAudienceStep(step: { noun: string; add: number; remove: number }): string {
  const parts: string[] = [];
  if (step.add > 0) parts.push(`upload ${step.add} ${step.noun}`);
  if (step.remove > 0) parts.push(`remove ${step.remove} ${step.noun}`);
  return parts.join(", ");
}

/**
 * The plan line for an audience: `+ 118 prospects (3 already present, 2 duplicates in the files)`,
 * `- 4 contacts no longer listed`, or `prospects unchanged (120, roster not read)`.
 */
export function audienceSummary(a: {
  noun: string;
  add: number;
  present: number;
  duplicates: number;
  remove: number;
  keep: number;
  unchanged: boolean;
  rows: number;
}): string[] {
  if (a.unchanged) return [`${a.noun}: ${a.rows} as last applied (files unchanged; roster not read)`];
  const extras: string[] = [];
  if (a.present > 0) extras.push(`${a.present} already present`);
  if (a.duplicates > 0) extras.push(`${a.duplicates} duplicate${a.duplicates === 1 ? "" : "s"} in the files`);
  const lines: string[] = [];
  if (a.add > 0 || a.remove + a.keep === 0) lines.push(`+ ${a.add} ${a.noun}${extras.length ? ` (${extras.join(", ")})` : ""}`);
  if (a.remove + a.keep > 0) lines.push(`- ${a.remove + a.keep} ${a.noun} no longer listed${a.keep > 0 ? ` (${a.keep} cannot be removed)` : ""}`);
  return lines;
}
