/**
 * Suppression lists (docs/design.md §15), the pure part: which audience rows and roster entries an entry of a
 * list matches. Values on both sides are already normalised (emails lower-cased, phones in E.164, LinkedIn URLs
 * in campaignctl's canonical form: src/providers/roster-cells.ts), so matching is set membership.
 */
/** A suppression list's columns. */
export type SuppressionColumn = "email" | "domain" | "phone" | "linkedin_url";

/** One list's entries, by column (in memory only: never in state, plans or logs). */
export interface SuppressionEntries {
  name: string;
  email: ReadonlySet<string>;
  domain: ReadonlySet<string>;
  phone: ReadonlySet<string>;
  linkedin_url: ReadonlySet<string>;
}

/** Every list of the workspace and one digest over all of them (what state records: a change re-reads rosters). */
export interface SuppressionIndex {
  lists: readonly SuppressionEntries[];
  digest: string;
}

/** What the suppression lists took out of one campaign's audience (counts and masked identities only). */
export interface AudienceSuppression {
  /** SuppressionIndex.digest: recorded with the audience's file digests, so an edited list re-reads the roster. */
  digest: string;
  /** Rows left out. */
  rows: number;
  /** List name → rows it matched (a row matching two lists counts for both). */
  lists: Record<string, number>;
  /** Per audience file (as written in the campaign file), in file order; files with no suppressed row left out. */
  files: { path: string; rows: number; lists: Record<string, number> }[];
  /** Masked identities of the first few rows left out (JSON and --verbose only). */
  samples: string[];
}

/** The lists a normalised value of `column` is on (`email` also by its domain). */
function listsFor(index: SuppressionIndex, column: SuppressionColumn, value: string, into: Set<string>): void {
  const text = column === "email" ? value.trim().toLowerCase() : value;
  const at = column === "email" ? text.lastIndexOf("@") : -1;
  const domain = at >= 0 ? text.slice(at + 1) : undefined;
  for (const list of index.lists) {
    if (list[column].has(text) || (domain !== undefined && list.domain.has(domain))) into.add(list.name);
  }
}

/**
 * The lists a roster row (the provider's write shape) is on, checking every column `suppressAs` names
 * (roster column → suppression column): an opted-out email suppresses a LinkedIn row that carries it too.
 */
export function suppressingLists(index: SuppressionIndex, row: Readonly<Record<string, unknown>>, suppressAs: Readonly<Record<string, SuppressionColumn>>): string[] {
  const found = new Set<string>();
  for (const [column, as] of Object.entries(suppressAs)) {
    const value = row[column];
    if (typeof value === "string" && value !== "") listsFor(index, as, value, found);
  }
  return [...found].sort();
}

/**
 * The key under which an audience's state and plan record the suppression lists' digest, beside its files'
 * (written in parentheses so that it does not read as a file path).
 */
export const SUPPRESSION_DIGEST_KEY = "(suppression lists)";

/** Masked identities shown for suppressed rows: at most this many. */
export const SUPPRESSED_SAMPLES = 10;

/** `- 3 suppressed (do-not-contact: 2, customers: 1)`. */
export function suppressedLine(rows: number, lists: Readonly<Record<string, number>>, where?: string): string {
  const named = Object.entries(lists)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, n]) => `${name}: ${n}`)
    .join(", ");
  return `- ${rows} suppressed (${named})${where ? ` ${where}` : ""}`;
}
