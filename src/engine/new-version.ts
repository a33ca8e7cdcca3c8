import type { Plan } from "../core/plan.js";
import type { AudienceRow } from "../core/types.js";
import type { RosterClient } from "../providers/types.js";
import { recordsByAddress, type RefreshedResource } from "./refresh.js";

/**
 * New versions (docs/design.md §16): a replace carries over only the people the old campaign has not
 * contacted yet — roster entries whose status is in `newVersion.notContacted` (Puffle `pending`, Altur
 * `queue`) or who are not in its roster at all. Everyone else stays with the old campaign.
 */
export async function contactedIdentities(roster: RosterClient, oldId: string, identityColumn: string, notContacted: readonly string[]): Promise<Set<string>> {
  const entries = await roster.list(oldId, identityColumn);
  return new Set(entries.filter((e) => e.status === undefined || !notContacted.includes(e.status)).map((e) => e.identity));
}

/** The rows a new version uploads: the files' rows minus the people the old campaign contacted. */
export function carriedOver(rows: readonly AudienceRow[], contacted: ReadonlySet<string>): AudienceRow[] {
  return rows.filter((r) => !contacted.has(r.identity));
}

/**
 * Reads each replaced campaign's old roster (GET only) and sets the plan's numbers: rows carried over
 * to the new version (the audience step's `add`) and left behind (`audience.leftBehind`), with a note.
 */
export async function planCarryOver(plan: Plan, refreshed: readonly RefreshedResource[]): Promise<void> {
  const byAddress = recordsByAddress(refreshed);
  for (const c of plan.campaigns) {
    if (c.action !== "replace" || c.id === undefined || !c.audience || !c.steps.some((s) => s.kind === "rename-old")) continue;
    const r = byAddress.get(c.address);
    const nv = r?.session.kind.capabilities.newVersion;
    const roster = r?.session.client.roster;
    const audience = r?.audience;
    if (!r?.decl || !nv || !roster || !audience) continue;
    const contacted = await contactedIdentities(roster, c.id, audience.rules.identityColumn(r.decl.spec), nv.notContacted);
    const carried = carriedOver(audience.decl.rows, contacted).length;
    const left = audience.decl.rows.length - carried;
    c.audience.add = carried;
    c.audience.leftBehind = left;
    for (const s of c.steps) if (s.kind === "audience") s.add = carried;
    const noun = c.audience.noun;
    c.notes.push({
      code: "carry-over",
      text: `new version: ${carried} ${noun} not contacted yet move to it; ${left} the old campaign ${c.id} already contacted stay with it (\`--recontact\` uploads everyone)`,
    });
  }
}
