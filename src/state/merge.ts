/**
 * A three-way merge of state documents by address, for the GitOps commit-back when another run
 * committed a newer state of the same lineage meanwhile (scripts/gitops/commit-state.sh):
 * base = the state the refused run started from, ours = what it wrote, theirs = what the branch holds.
 *
 * - an address only ours added or changed (theirs still as in base) takes ours, its removal too;
 * - an address only theirs changed keeps theirs;
 * - both changed it: the same id keeps theirs (newer); different ids keep theirs and record ours in
 *   `untracked`, so plans report that live object as a duplicate nobody tracks;
 * - pending creates: ours' are kept unless theirs bound the address (then its create is theirs to
 *   resolve — the next apply refreshes it by name where it can).
 * The result extends theirs (its serial and lineage): writeState makes it the next serial.
 */
import { stableStringify } from "../core/json.js";
import type { Address, StateDocument, StateEntry, UntrackedEntry } from "../core/types.js";

export interface MergeResult {
  doc: StateDocument;
  /** Addresses where ours was taken. */
  taken: Address[];
  /** Ours bound an address to another id than theirs: recorded as untracked. */
  conflicts: UntrackedEntry[];
}

const same = (a: StateEntry | undefined, b: StateEntry | undefined) => (a === undefined ? b === undefined : b !== undefined && stableStringify(a) === stableStringify(b));

export function mergeStates(base: StateDocument, ours: StateDocument, theirs: StateDocument): MergeResult {
  const campaigns: Record<Address, StateEntry> = { ...theirs.campaigns };
  const taken: Address[] = [];
  const conflicts: UntrackedEntry[] = [];
  const addresses = new Set([...Object.keys(base.campaigns), ...Object.keys(ours.campaigns)]);
  for (const address of [...addresses].sort()) {
    const b = base.campaigns[address];
    const o = ours.campaigns[address];
    const t = theirs.campaigns[address];
    if (same(o, b)) continue; // ours did not touch it: theirs stands
    if (same(t, b)) {
      taken.push(address);
      if (o === undefined) delete campaigns[address];
      else campaigns[address] = o;
      continue;
    }
    if (o !== undefined && t !== undefined && o.id !== t.id) conflicts.push({ address, ...o });
    else if (o !== undefined && t === undefined) {
      // theirs removed what ours changed or created: ours' object exists; keep tracking it.
      taken.push(address);
      campaigns[address] = o;
    }
  }
  const pending = { ...(theirs.pending ?? {}) };
  for (const [address, p] of Object.entries(ours.pending ?? {})) if (campaigns[address] === undefined) pending[address] = p;
  for (const address of Object.keys(pending)) if (campaigns[address] !== undefined) delete pending[address];
  const known = new Set<string>();
  const untracked: UntrackedEntry[] = [];
  for (const u of [...(theirs.untracked ?? []), ...(ours.untracked ?? []), ...conflicts]) {
    const key = `${u.provider}:${u.account}:${u.id}`;
    const bound = Object.values(campaigns).some((e) => `${e.provider}:${e.account}:${e.id}` === key);
    if (known.has(key) || bound) continue;
    known.add(key);
    untracked.push(u);
  }
  const doc: StateDocument = {
    version: 1,
    serial: theirs.serial ?? 0,
    ...(theirs.lineage === undefined ? {} : { lineage: theirs.lineage }),
    campaigns,
    ...(Object.keys(pending).length > 0 ? { pending } : {}),
    ...(untracked.length > 0 ? { untracked } : {}),
  };
  return { doc, taken, conflicts };
}
