import type { ObjectKind, ProviderId, StateEntry } from "./types.js";

/**
 * The address other than `address` that state already binds to this live object (same provider,
 * account, kind and id), if any. One live object backs one address: `state adopt` refuses such an id,
 * and apply refuses a create answer that reuses one.
 */
export function boundElsewhere(
  campaigns: Readonly<Record<string, StateEntry>>,
  address: string,
  object: { provider: ProviderId; account: string; kind: ObjectKind; id: string },
): string | undefined {
  for (const [other, e] of Object.entries(campaigns)) {
    if (other !== address && e.provider === object.provider && e.account === object.account && e.kind === object.kind && e.id === object.id) return other;
  }
  return undefined;
}
