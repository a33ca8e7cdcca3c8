/**
 * A synthetic state of `n` campaigns for size tests and benches (scripts/bench/state-size.ts): a third
 * each of Puffle, Altur and Extrovert entries, with `applied` specs of realistic shape and size (~1.6 KB
 * per campaign pretty-printed, the figure issue 30 measured on real applies). Deterministic: no randomness.
 */
import type { StateDocument, StateEntry } from "../../src/core/types.js";

const PROVIDERS = [
  { provider: "puffle", kind: "PuffleCampaign" },
  { provider: "altur", kind: "AlturCampaign" },
  { provider: "extrovert", kind: "ExtrovertCampaign" },
] as const;

export function syntheticEntry(i: number, accounts = 1): { address: string; entry: StateEntry } {
  const p = PROVIDERS[i % 3] as (typeof PROVIDERS)[number];
  const account = accounts === 1 ? "default" : `client-${i % accounts}`;
  const name = `campaign-${String(i).padStart(6, "0")}`;
  const entry: StateEntry = {
    provider: p.provider,
    account,
    kind: p.kind,
    id: p.provider === "altur" ? String(100000 + i) : `${p.provider.slice(0, 2)}_${(i * 2654435761 >>> 0).toString(16).padStart(8, "0")}${i}`,
    appliedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, i % 86400)).toISOString(),
    applied: {
      name: `Q4 outreach ${i} — reactivation wave for segment ${i % 97}`,
      status: "active",
      schedule: { timezone: "Europe/Berlin", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:30" },
      sequence: [
        { subject: `Quick question about {{company}} (${i})`, body: "Hi {{firstName}}, I noticed {{company}} is growing its outbound team. We help teams like yours book more meetings without more headcount. Worth a 15-minute call next week?", delayDays: 0 },
        { subject: "Re: quick question", body: "Hi {{firstName}}, bumping this in case it got buried. Happy to send a two-minute video instead if that is easier.", delayDays: 3 },
        { subject: "Closing the loop", body: "Hi {{firstName}}, I will stop here. If outbound becomes a priority, reply to this and I will pick it up.", delayDays: 7 },
      ],
      settings: { stopOnReply: true, trackOpens: false, dailyLimit: 50 + (i % 50) },
    },
    observed: { status: "active" },
  };
  return { address: `${p.provider}/${account}/${name}`, entry };
}

export function syntheticState(n: number, accounts = 1): StateDocument {
  const campaigns: Record<string, StateEntry> = {};
  for (let i = 0; i < n; i += 1) {
    const { address, entry } = syntheticEntry(i, accounts);
    campaigns[address] = entry;
  }
  return { version: 1, serial: 7, lineage: "00000000-0000-4000-8000-000000000000", campaigns };
}
