import { getPath, setPath } from "../core/diff.js";
import { sharedJson, type JsonObject } from "../core/json.js";
import type { Plan } from "../core/plan.js";
import type { Address, StateEntry } from "../core/types.js";
import { recordsByAddress, type RefreshedResource } from "./refresh.js";

/**
 * Reads stop when nothing can change (issue 30): the status a refresh saw on a campaign the plan leaves
 * alone (a no-op) is recorded in state, the way an apply that wrote it records it, so the next refresh
 * can skip the detail reads that status makes pointless (KindCapabilities.frozenReads). Without it a
 * campaign launched outside campaignctl kept its detail GET on every plan and apply.
 *
 * Recorded only where that is sound: the plan is a no-op with nothing blocked (live matches the spec on
 * every managed path the refresh could see), no managed path stayed unread (an `unread-*` note or an
 * unknown path), and every frozen path state still holds is managed by the spec — so what state holds
 * for it afterwards is what the provider showed at this read (it is set to the spec's value, which the
 * no-op says the provider has). A frozen path recorded but no longer managed keeps the entry as it is.
 */
export function observedEntries(plan: Plan, refreshed: readonly RefreshedResource[]): { address: Address; entry: StateEntry }[] {
  const byAddress = recordsByAddress(refreshed);
  const out: { address: Address; entry: StateEntry }[] = [];
  for (const c of plan.campaigns) {
    if (c.action !== "noop" || c.blocked.length > 0) continue;
    const r = byAddress.get(c.address);
    const entry = r?.state;
    const status = r?.live?.status;
    if (!r || !entry || !r.live || status === undefined || r.movedFrom !== undefined || entry.id !== r.live.id) continue;
    if (entry.observed?.status === status) continue;
    if ((r.live.unknown?.length ?? 0) > 0 || r.notes.some((n) => n.code === "unread-from-state" || n.code === "unread-unknown")) continue;
    const frozen = (r.session.kind.capabilities.frozenReads ?? []).flatMap((rule) => rule.paths);
    let applied: JsonObject | undefined = entry.applied;
    let sound = true;
    for (const p of frozen) {
      if (getPath(entry.applied, p) === undefined) continue;
      const want = getPath(c.desired, p);
      if (want === undefined) {
        sound = false;
        break;
      }
      // A copy of the top level only: setPath copies what it writes through, and the declared value is
      // shared frozen where short (sharedJson). Deep copies of every body here were about 60 MB of an
      // apply's live heap at 100,000 campaigns (issue 30).
      if (applied === entry.applied) applied = { ...entry.applied };
      setPath(applied, p, sharedJson(want));
    }
    if (!sound) continue;
    // Object.assign, not a spread: a spread gave each of these entries a hidden class of its own on Node 20.
    out.push({ address: c.address, entry: Object.assign({}, entry, { applied, observed: { ...entry.observed, status } }) });
  }
  return out;
}
