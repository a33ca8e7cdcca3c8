import { makeDiagnostic } from "../config/source.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { stableStringify, type JsonValue } from "../core/json.js";
import { findLookups, knownAfterApply, replaceAt, valueAt } from "../core/refs.js";
import type { PlanNote } from "../core/plan.js";
import type { Address, ResourceDecl, StateDocument, Workspace } from "../core/types.js";
import { lookupsOf, providerById } from "../providers/registry.js";
import type { LookupCandidate } from "../providers/types.js";
import { inTargets } from "./refresh.js";
import { accountKey, type AccountSession } from "./session.js";

export interface LookupResolution {
  /** The workspace with every lookup replaced by the id it resolved to (unchanged when nothing was looked up). */
  workspace: Workspace;
  /** One located error per lookup with no match or several. */
  diagnostics: Diagnostic[];
  /** What each lookup resolved to, per address, for the plan to show. */
  notes: Map<Address, PlanNote[]>;
}

const norm = (s: string) => s.trim().toLowerCase();

function shown(list: readonly LookupCandidate[]): string {
  const head = list.slice(0, 10).map((c) => c.label).join("; ");
  return list.length > 10 ? `${head}; and ${list.length - 10} more` : head;
}

/**
 * Resolve `{ teamMember: ... }`, `{ sender: ... }` and the like (docs/design.md §11) with read-only list calls,
 * each list read once per account (and narrowing value). Exactly one candidate must match the query
 * (case-insensitively, on any of its keys): none or several is a located error.
 */
export async function resolveLookups(
  workspace: Workspace,
  state: StateDocument,
  sessions: Map<string, AccountSession>,
  targets?: readonly string[],
): Promise<LookupResolution> {
  const diagnostics: Diagnostic[] = [];
  const notes = new Map<Address, PlanNote[]>();
  const lists = new Map<string, Promise<LookupCandidate[]>>();
  const resolved = await Promise.all(
    workspace.campaigns.map(async (decl): Promise<ResourceDecl> => {
      if (!inTargets(targets, decl.address)) return decl;
      const found = findLookups(decl.spec, lookupsOf(decl.kind));
      if (found.length === 0) return decl;
      const session = sessions.get(accountKey(decl.provider, decl.account));
      const module = providerById(decl.provider);
      const replacements: { at: (string | number)[]; value: JsonValue }[] = [];
      for (const lookup of found) {
        const source = module.lookupSources?.[lookup.field.key];
        const where = decl.locate?.(["spec", ...lookup.at, lookup.field.key]) ?? decl.source;
        if (!source || !session) throw new Error(`no lookup source ${lookup.field.key} for ${decl.address}`);
        const field = lookup.at.join(".");
        if (session.keyless) {
          // A read-only run without this account's key (a pull-request plan, least privilege): nothing is
          // sent. The id applied last time stands in (a lookup is only re-checked when the key is there);
          // a new object's id is looked up by apply.
          const applied = valueAt(state.campaigns[decl.address]?.applied, lookup.at);
          const value = typeof applied === "string" ? applied : knownAfterApply(`${lookup.field.key} ${JSON.stringify(lookup.query)}`);
          replacements.push({ at: lookup.at, value });
          const why = `not looked up: no API key for ${session.key} in this read-only run (${source.endpoint} needs it)`;
          notes.set(decl.address, [
            ...(notes.get(decl.address) ?? []),
            { code: "lookup-skipped", text: `${field}: ${lookup.field.key} ${JSON.stringify(lookup.query)} ${why}; ${typeof applied === "string" ? `the id applied last time, ${applied}, is assumed` : "apply looks it up"}` },
          ]);
          continue;
        }
        const narrow = source.narrowBy === undefined ? undefined : decl.spec[source.narrowBy];
        const cacheKey = `${session.key}|${lookup.field.key}|${stableStringify(narrow ?? null)}`;
        let list = lists.get(cacheKey);
        if (!list) lists.set(cacheKey, (list = source.list(session.http, narrow)));
        const candidates = await list;
        const matches = [...new Map(candidates.filter((c) => c.keys.some((k) => norm(k) === norm(lookup.query))).map((c) => [c.id, c])).values()];
        const scope = `${source.describe}s of ${session.key}${narrow === undefined ? "" : ` (${source.narrowBy} ${JSON.stringify(narrow)})`}`;
        if (matches.length !== 1) {
          const message =
            matches.length === 0
              ? `${field}: no ${source.describe} matches ${JSON.stringify(lookup.query)} (by email or name) among the ${candidates.length} ${scope} that ${source.endpoint} lists${candidates.length > 0 ? `: ${shown(candidates)}` : ""}`
              : `${field}: ${matches.length} ${scope} match ${JSON.stringify(lookup.query)}: ${shown(matches)}; name one by a key only it has, or write its id`;
          diagnostics.push(makeDiagnostic("error", matches.length === 0 ? "LOOKUP_NO_MATCH" : "LOOKUP_AMBIGUOUS", message, where.file, where));
          continue;
        }
        const match = matches[0] as LookupCandidate;
        replacements.push({ at: lookup.at, value: match.id });
        notes.set(decl.address, [...(notes.get(decl.address) ?? []), { code: "lookup", text: `${field}: ${lookup.field.key} ${JSON.stringify(lookup.query)} → ${match.label} (looked up with ${source.endpoint})` }]);
      }
      return replacements.length === 0 ? decl : { ...decl, spec: replaceAt(decl.spec, replacements) };
    }),
  );
  return { workspace: { ...workspace, campaigns: resolved }, diagnostics, notes };
}
