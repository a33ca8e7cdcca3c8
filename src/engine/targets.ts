import type { StateDocument, Workspace } from "../core/types.js";
import { Minimatch } from "minimatch";
import { UserError } from "../core/errors.js";
import { nearMatches } from "../core/suggest.js";
import { kindModuleOf } from "../providers/registry.js";

/**
 * Address patterns are shell globs read by minimatch (pinned; bash/fnmatch semantics): `*` and `?` within
 * one address segment, `**` across segments, `[abc]` / `[!abc]` a character class, `{a,b}` alternatives.
 * A pattern selects an address when it matches the address or one of its leading segments, so `altur`,
 * `altur/default` and `altur/*` select everything below them (4-segment addresses included), as a
 * Terraform module target does. `!` at the start is not negation (use --exclude).
 */
export function isGlob(pattern: string): boolean {
  const mm = new Minimatch(pattern, MATCH_OPTIONS);
  return mm.hasMagic() || mm.set.length > 1;
}

const MATCH_OPTIONS = { nonegate: true, nocomment: true, dot: true } as const;

/**
 * A pattern minimatch would silently read as "matches nothing": a reversed range in a character class
 * (`[z-a]`). Returns the problem located by character (1-based) in the argument, else undefined.
 */
export function patternProblem(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      i += 1;
      continue;
    }
    if (ch !== "[") continue;
    let j = i + 1;
    if (pattern[j] === "!" || pattern[j] === "^") j += 1;
    if (pattern[j] === "]") j += 1; // a leading ] is a member
    const body = j;
    while (j < pattern.length && pattern[j] !== "]") j += 1;
    if (j >= pattern.length) return undefined; // no closing ]: a literal [, as in bash
    for (let k = body; k + 2 < j + 1; k++) {
      if (pattern[k + 1] === "-" && k + 2 < j && pattern[k]! > pattern[k + 2]!) {
        return `character ${k + 1}: the range ${pattern[k]}-${pattern[k + 2]} in ${pattern.slice(i, j + 1)} is reversed (write ${pattern[k + 2]}-${pattern[k]})`;
      }
    }
    i = j;
  }
  return undefined;
}

/** A predicate for one --target/--exclude pattern (see isGlob); a bad pattern is a TargetSelectionError naming it. */
export function addressMatcher(flag: string, pattern: string): (address: string) => boolean {
  const problem = patternProblem(pattern);
  if (problem !== undefined) throw new TargetSelectionError([`${flag} ${pattern} is not a valid pattern: ${problem}`]);
  const mm = new Minimatch(pattern, MATCH_OPTIONS);
  return (address) => {
    const parts = address.split("/");
    for (let n = parts.length; n >= 1; n--) if (mm.match(parts.slice(0, n).join("/"))) return true;
    return false;
  };
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
 * (declared in Git or recorded in state) into the concrete addresses to work on. An address, prefix or
 * glob that matches nothing is an error with the closest known addresses; so is a bad pattern.
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
      const matches = known.filter(addressMatcher(flag, p));
      if (matches.length === 0) {
        const near = nearMatches(p.replace(/[*?[\]{}!]/g, ""), known);
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

/** `--replace ADDRESS…`: each must be a campaign the workspace declares (exact address); errors name near matches. */
export function checkReplace(workspace: Workspace, replace: readonly string[] | undefined): void {
  if (replace === undefined || replace.length === 0) return;
  const declared = workspace.campaigns.map((c) => c.address);
  const known = new Set(declared);
  const problems = replace
    .filter((a) => !known.has(a))
    .map((a) => {
      const near = nearMatches(a, declared);
      return `--replace ${a} is not a campaign this workspace declares${near.length > 0 ? `; did you mean ${near.join(", ")}?` : ""}`;
    });
  if (problems.length > 0) throw new TargetSelectionError(problems);
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
