import { adoptionCandidates } from "../core/lifecycle.js";
import type { PlanNote } from "../core/plan.js";
import type { Address, StateEntry, Workspace } from "../core/types.js";
import type { StateRecorder } from "./apply.js";
import { accountKey, sessionForKind, type AccountSession } from "./session.js";

/**
 * Pending creates (recorded before they were sent, answer never recorded) of addresses that are no
 * longer declared. Declared ones are resolved by the refresh (exact-name adoption, or the Extrovert
 * block); these have no campaign file to plan from, so: on a readable provider, the single live
 * campaign with that exact name is recorded (it then shows as an orphan that `--prune` retires), and a
 * pending create with no such campaign is dropped (it never happened). Returns notes for the user.
 */
export async function resolveUndeclaredPending(workspace: Workspace, store: StateRecorder, sessions: Map<string, AccountSession>): Promise<PlanNote[]> {
  const declared = new Set(workspace.campaigns.map((c) => c.address));
  const notes: PlanNote[] = [];
  const note = (text: string) => notes.push({ code: "pending-undeclared", text });
  const claimed = new Set(Object.values(store.doc.campaigns).map((e) => e.id));
  for (const [address, p] of Object.entries(store.doc.pending ?? {}) as [Address, NonNullable<typeof store.doc.pending>[string]][]) {
    if (declared.has(address) || store.doc.campaigns[address]) continue;
    const account = sessions.get(accountKey(p.provider, p.account));
    // Resolved with the pending object's own kind: its client lists objects of that kind, and a kind
    // that cannot be read is left to the user, like an unreadable provider.
    const session = account && sessionForKind(account, p.kind);
    const client = session?.client;
    if (!session || !client?.list || !session.kind.capabilities.readable) {
      note(
        `${address} is no longer declared, but an earlier apply sent its create at ${p.at} without recording the answer; ` +
          `if that campaign exists, bind it with \`campaignctl state adopt ${address} --id <ID>\` (after restoring its file) or delete it in the dashboard`,
      );
      continue;
    }
    // Only what the interrupted create could have made: a create sets no lifecycle flag, so an
    // archived campaign of that name is an older, retired one (core/lifecycle.ts adoptableByName).
    const caps = session.kind.capabilities;
    const found = adoptionCandidates(caps, { [caps.nameField]: p.name }, await client.list(), claimed);
    if (found.length === 1 && found[0]) {
      const live = found[0];
      const entry: StateEntry = { provider: p.provider, account: p.account, kind: p.kind, id: live.id, appliedAt: new Date().toISOString(), applied: live.spec };
      store.set(address, entry);
      claimed.add(live.id);
      note(`${address}: recorded campaign ${live.id}, made by an interrupted create; its file is gone, so it is an orphan now (\`apply --prune\` retires it)`);
    } else if (found.length === 0) {
      store.unpend(address);
      note(`${address}: an interrupted create left no campaign named ${JSON.stringify(p.name)}; forgotten`);
    } else {
      note(`${address}: ${found.length} live campaigns are named ${JSON.stringify(p.name)} (ids ${found.map((c) => c.id).join(", ")}); an interrupted create made one of them`);
    }
  }
  return notes;
}
