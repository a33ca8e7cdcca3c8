import type { JsonObject } from "../../core/json.js";
import type { LiveResource, ProviderClient } from "../../providers/types.js";
import { Interrupted } from "./errors.js";
import { nextTurn } from "../../http/turns.js";

/** A list-view lookup as fields.ts asks it: ProviderClient.lookup, through the client that asks. */
export type ListLookup = (client: ProviderClient, id: string, hint: { status?: string; spec?: JsonObject }) => Promise<LiveResource | undefined>;

interface Parked {
  id: string;
  hint: { status?: string; spec?: JsonObject };
  client: ProviderClient;
  resolve: (live: LiveResource | undefined) => void;
  reject: (err: unknown) => void;
}

/**
 * One account's worker pool whose list-view verifications are batched (issue 30: "one list walk per
 * account verifies a batch of writes"). A campaign whose write must be checked in the list view parks
 * there and gives its place in the pool to the next campaign, so the account's writes go on at its pace;
 * when every campaign of the pool is either finished or parked, one batch lookup (the client's
 * `lookupMany`, which picks the fewest list pages; else `lookup` per campaign) answers them all, and the
 * parked campaigns go on with their steps. Per-request concurrency stays the HTTP layer's.
 *
 * `fn` gets the lookup to use for verification. A rejection of `fn` rejects the pool (as runPool does).
 */
export function runVerifyingPool<T>(items: readonly T[], width: number, fn: (item: T, lookup: ListLookup) => Promise<void>, signal?: AbortSignal): Promise<void> {
  if (items.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const limit = Math.max(1, Math.floor(width));
    let next = 0;
    /** Started, not finished, not parked. */
    let active = 0;
    let finished = 0;
    let failed = false;
    let parked: Parked[] = [];
    const flush = (): void => {
      const batch = parked;
      parked = [];
      // Stopped by a signal: no list walk starts; the writes stay unrecorded, so the next plan shows them again.
      if (signal?.aborted) {
        for (const p of batch) {
          active += 1;
          p.reject(new Interrupted("before the list read verifying the write"));
        }
        return;
      }
      // Group by client (one account may have several kinds): each client answers its own batch.
      const byClient = new Map<ProviderClient, Parked[]>();
      for (const p of batch) {
        const group = byClient.get(p.client);
        if (group) group.push(p);
        else byClient.set(p.client, [p]);
      }
      for (const [client, group] of byClient) {
        const answer = client.lookupMany
          ? client.lookupMany(group.map((p) => ({ id: p.id, hint: p.hint })))
          : Promise.all(group.map((p) => client.lookup!(p.id, p.hint))).then((found) => new Map(group.map((p, k) => [p.id, found[k]])));
        answer.then(
          // The batch's campaigns go on in a turn of their own: due pacing timers and answers run first (turns.ts).
          async (found) => {
            await nextTurn();
            for (const p of group) {
              active += 1;
              p.resolve(found.get(p.id));
            }
          },
          (err: unknown) => {
            for (const p of group) {
              active += 1;
              p.reject(err);
            }
          },
        );
      }
    };
    const pump = (): void => {
      if (failed) return;
      while (active < limit && next < items.length) {
        const item = items[next++] as T;
        active += 1;
        fn(item, park).then(
          () => {
            active -= 1;
            finished += 1;
            if (finished === items.length) resolve();
            else pump();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
      if (active === 0 && parked.length > 0) flush();
    };
    const park: ListLookup = (client, id, hint) =>
      new Promise((res, rej) => {
        parked.push({ id, hint, client, resolve: res, reject: rej });
        active -= 1;
        pump();
      });
    pump();
  });
}
