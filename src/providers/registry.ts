import type { CampaignKind, ProviderName } from "../core/types.js";
import type { ProviderModule } from "./types.js";
import { extrovert } from "./extrovert/index.js";
import { puffle } from "./puffle/index.js";
import { altur } from "./altur/index.js";

/** One line per provider. */
export const PROVIDERS: Readonly<Record<ProviderName, ProviderModule>> = { extrovert, puffle, altur };

export function providerForKind(kind: string): ProviderModule | undefined {
  return Object.values(PROVIDERS).find((p) => p.kind === (kind as CampaignKind));
}
