/**
 * Audiences (docs/design.md §10), the engine part: read the roster only when the files or the provider's
 * count differ from what state recorded, and hand the planner counts and apply the rows.
 */
import { diffAudience, MASKED_SAMPLES, maskIdentity, sameFiles } from "../core/audience.js";
import { SUPPRESSION_DIGEST_KEY, suppressingLists } from "../core/suppression.js";
import type { AudiencePlan } from "../core/plan.js";
import type { AudiencePlanInput } from "../core/planner.js";
import type { AudienceDecl, AudienceRow, ResourceDecl, RosterEntry, StateEntry } from "../core/types.js";
import type { AudienceRules, LiveResource } from "../providers/types.js";
import type { KindSession } from "./session.js";

/** One campaign's audience after the refresh. */
export interface RefreshedAudience {
  input: AudiencePlanInput;
  decl: AudienceDecl;
  rules: AudienceRules;
  /** Rows to upload (every row for a campaign not created yet), rows whose attributes changed (with their live entry), entries to remove (exact). */
  add: AudienceRow[];
  update: { row: AudienceRow; entry: RosterEntry }[];
  remove: RosterEntry[];
  /** Roster size at plan time (0 for a campaign not created yet), when known. */
  liveCount?: number;
}

/** Roster requests made while planning: none when nothing changed (Puffle: the count comes with the list). */
export async function refreshAudience(
  session: KindSession,
  decl: ResourceDecl,
  live: LiveResource | undefined,
  state: StateEntry | undefined,
): Promise<RefreshedAudience | undefined> {
  const audience = decl.audience;
  const rules = session.kind.audience;
  if (!audience || !rules) return undefined;
  const files = Object.fromEntries(audience.files.map((f) => [f.path, f.digest]));
  // The suppression lists count as one more file: an edited list re-reads the roster (people uploaded before it changed).
  if (audience.suppressed) files[SUPPRESSION_DIGEST_KEY] = audience.suppressed.digest;
  const sup = audience.suppressed;
  const suppressed: Pick<AudiencePlan, "suppressed"> = sup ? { suppressed: { rows: sup.rows, lists: sup.lists, files: sup.files, ...(sup.samples.length > 0 ? { samples: sup.samples } : {}) } } : {};
  const roster = session.client.roster;
  const base: Omit<AudiencePlan, "unchanged" | "add" | "update" | "present" | "remove" | "keep"> = {
    noun: rules.noun,
    mode: audience.mode,
    rows: audience.rows.length,
    duplicates: audience.duplicates,
    files,
    ...suppressed,
  };
  const input = (plan: AudiencePlan): AudiencePlanInput => ({
    plan,
    writableIn: roster ? rules.writableIn : [],
    writeBlocked: rules.writeBlocked,
    removableIn: roster ? rules.removableIn : [],
    removeBlocked: rules.removeBlocked,
    updatableIn: roster?.update && rules.updatableIn ? rules.updatableIn : [],
    updateBlocked: rules.updateBlocked ?? `${session.kind.displayName} ${rules.noun} cannot be updated through its API`,
  });
  const samples = (rows: readonly AudienceRow[]) => rows.slice(0, MASKED_SAMPLES).map((r) => maskIdentity(r.identity));

  // Not created yet (or no roster API): every row is to be uploaded.
  if (!live || !roster) {
    const plan: AudiencePlan = { ...base, unchanged: false, add: audience.rows.length, update: 0, present: 0, remove: 0, keep: 0, samples: samples(audience.rows), ...(live ? {} : { liveCount: 0 }) };
    return { input: input(plan), decl: audience, rules, add: audience.rows, update: [], remove: [], ...(live ? {} : { liveCount: 0 }) };
  }

  const prev = state?.audience;
  // The list the first upload created (Extrovert prospect lists), as state recorded it.
  const ctx = state?.id === live.id && prev?.list !== undefined ? { list: prev.list } : {};
  const liveCount = await roster.count(live.id, live, ctx);
  const unchanged =
    prev !== undefined && prev.mode === audience.mode && prev.rows === audience.rows.length && sameFiles(prev.files, files) && liveCount !== undefined && liveCount === prev.count;
  if (unchanged) {
    const plan: AudiencePlan = { ...base, unchanged: true, add: 0, update: 0, present: audience.rows.length, remove: 0, keep: 0, liveCount };
    return { input: input(plan), decl: audience, rules, add: [], update: [], remove: [], liveCount };
  }
  // The files changed (or the count moved): rows are compared by identity and, where the listing carries
  // them, by attributes — an edited row is an update (docs/design.md §17).
  const identityColumn = rules.identityColumn(decl.spec);
  const listed = await roster.list(live.id, identityColumn, ctx);
  // People already in the roster whom a suppression list names: removed where the provider allows it, else blocked.
  const index = audience.suppression;
  const isSuppressed = (e: RosterEntry) => index !== undefined && rules.suppressAs !== undefined && suppressingLists(index, { ...(e.fields ?? {}), [identityColumn]: e.identity }, rules.suppressAs).length > 0;
  const onList = listed.filter(isSuppressed);
  const entries = onList.length === 0 ? listed : listed.filter((e) => !onList.includes(e));
  const removable = (e: RosterEntry) => !rules.removableEntries || (e.status !== undefined && rules.removableEntries.includes(e.status));
  const suppressedRemove = onList.filter(removable);
  const delta = diffAudience(audience.rows, entries, audience.mode, rules.removableEntries, { identityColumn, ...(rules.compareAs ? { compareAs: rules.compareAs } : {}) });
  delta.remove.push(...suppressedRemove);
  const suppressedLive = onList.length > 0 ? { live: { remove: suppressedRemove.length, keep: onList.length - suppressedRemove.length } } : {};
  const count = liveCount ?? listed.length;
  const plan: AudiencePlan = {
    ...base,
    ...(base.suppressed && onList.length > 0 ? { suppressed: { ...base.suppressed, ...suppressedLive } } : {}),
    unchanged: false,
    add: delta.add.length,
    update: delta.update.length,
    present: delta.present,
    remove: delta.remove.length,
    keep: delta.keep.length,
    liveCount: count,
    samples: samples(delta.add),
    // Nothing to send, but state does not describe these files (or this count) yet.
    ...(delta.add.length === 0 && delta.update.length === 0 && delta.remove.length === 0 && delta.keep.length === 0 && onList.length === 0 ? { record: true } : {}),
  };
  return { input: input(plan), decl: audience, rules, add: delta.add, update: delta.update, remove: delta.remove, liveCount: count };
}
