import type { StateDocument, Workspace } from "../core/types.js";
import { nearMatches } from "../core/suggest.js";
import { CliError } from "./io.js";

/** `*` and `?` within one address segment, `**` across segments, `[abc]` a character class. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        re += ".*";
        i += 1;
      } else re += "[^/]*";
    } else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Resolve --target ADDR|GLOB... and --exclude ADDR|GLOB... against the addresses campaignctl knows
 * (declared in Git or recorded in state) into the concrete addresses to work on. An address or
 * glob that matches nothing is an error with the closest known addresses.
 */
export function selectAddresses(
  workspace: Workspace,
  state: StateDocument,
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): string[] | undefined {
  const hasInclude = include !== undefined && include.length > 0;
  const hasExclude = exclude !== undefined && exclude.length > 0;
  if (!hasInclude && !hasExclude) return undefined;
  const known = [...new Set([...workspace.campaigns.map((c) => c.address), ...Object.keys(state.campaigns)])].sort();
  const resolve = (flag: string, patterns: readonly string[]): Set<string> => {
    const out = new Set<string>();
    const problems: string[] = [];
    for (const p of patterns) {
      const matches = isGlob(p) ? known.filter((a) => globToRegExp(p).test(a)) : known.filter((a) => a === p);
      if (matches.length === 0) {
        const near = nearMatches(p.replace(/[*?[\]]/g, ""), known);
        const what = isGlob(p) ? `${flag} ${p} matches no campaign` : `unknown ${flag} ${p}`;
        problems.push(near.length > 0 ? `${what}; did you mean ${near.join(", ")}?` : what);
      }
      for (const m of matches) out.add(m);
    }
    if (problems.length > 0) {
      throw new CliError(`${problems.join("; ")} (addresses look like altur/default/q2-reactivation and globs like altur/* or puffle/default/email-*; see \`campaignctl state list\`)`);
    }
    return out;
  };
  const included = hasInclude ? resolve("--target", include) : new Set(known);
  const excluded = hasExclude ? resolve("--exclude", exclude) : new Set<string>();
  return [...included].filter((a) => !excluded.has(a));
}
