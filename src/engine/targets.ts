import type { StateDocument, Workspace } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { nearMatches } from "../core/suggest.js";
import { kindModuleOf } from "../providers/registry.js";

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
 * --target/--exclude named addresses or globs that match nothing: one problem each (with the closest
 * known addresses). The CLI adds how addresses and globs look.
 */
export class TargetSelectionError extends UserError {
  override name = "TargetSelectionError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("; "));
  }
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
      throw new TargetSelectionError(problems);
    }
    return out;
  };
  const included = hasInclude ? resolve("--target", include) : new Set(known);
  const excluded = hasExclude ? resolve("--exclude", exclude) : new Set<string>();
  return [...included].filter((a) => !excluded.has(a));
}

/** The concrete addresses --target/--exclude select (undefined: all); errors name near matches. */
export function checkTargets(workspace: Workspace, state: StateDocument, targets: readonly string[] | undefined, exclude?: readonly string[]): string[] | undefined {
  const selected = selectAddresses(workspace, state, targets, exclude);
  if (selected !== undefined && selected.length === 0) {
    throw new UserError(`--target/--exclude leave no campaign to work on (see \`campaignctl state list\` and the campaign files)`);
  }
  return selected;
}

/**
 * A selection that names a renamed campaign by its new address also takes in the orphan it was
 * renamed from (same account, same recorded name), so that the refresh can pair them as a move
 * instead of planning a second campaign.
 */
export function withRenameSources(workspace: Workspace, state: StateDocument, targets: string[] | undefined): string[] | undefined {
  if (targets === undefined) return undefined;
  const declared = new Set(workspace.campaigns.map((c) => c.address));
  const chosen = new Set(targets);
  const extra: string[] = [];
  for (const decl of workspace.campaigns) {
    if (!chosen.has(decl.address) || state.campaigns[decl.address]) continue;
    const nameField = kindModuleOf(decl.kind).kind.capabilities.nameField;
    for (const [address, entry] of Object.entries(state.campaigns)) {
      if (declared.has(address) || chosen.has(address) || entry.kind !== decl.kind || entry.account !== decl.account) continue;
      if (entry.applied[nameField] !== undefined && entry.applied[nameField] === decl.spec[nameField]) extra.push(address);
    }
  }
  return extra.length === 0 ? targets : [...targets, ...extra];
}
