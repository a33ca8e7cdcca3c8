import type { LookupField, ReferenceField } from "../core/refs.js";
import { addressOf, type CampaignKind, type ObjectKind, type ProviderName } from "../core/types.js";
import type { KindModule, ProviderModule } from "./types.js";
import { extrovert } from "./extrovert/index.js";
import { puffle } from "./puffle/index.js";
import { altur } from "./altur/index.js";

/** One line per provider. */
export const PROVIDERS: Readonly<Record<ProviderName, ProviderModule>> = { extrovert, puffle, altur };

export function providerForKind(kind: string): ProviderModule | undefined {
  return Object.values(PROVIDERS).find((p) => p.kind === (kind as CampaignKind) || p.objectKinds?.some((k) => k.kind === kind));
}

/** The campaign kind of a provider, seen as a KindModule. */
export function campaignKindOf(module: ProviderModule): KindModule {
  return {
    kind: module.kind,
    displayName: module.displayName,
    validateSpec: module.validateSpec,
    capabilities: module.capabilities,
    createClient: module.createClient,
    ...(module.references ? { references: module.references } : {}),
    ...(module.lookups ? { lookups: module.lookups } : {}),
  };
}

/** Every kind a provider offers: its campaign kind first, then its other kinds. */
export function kindsOf(module: ProviderModule): KindModule[] {
  return [campaignKindOf(module), ...(module.objectKinds ?? [])];
}

/** The module of any kind (campaign or other), with its provider. */
export function kindModule(kind: ObjectKind): { provider: ProviderModule; kind: KindModule } | undefined {
  for (const provider of Object.values(PROVIDERS)) {
    const found = kindsOf(provider).find((k) => k.kind === kind);
    if (found) return { provider, kind: found };
  }
  return undefined;
}

/** The address of an object of `kind` named `name` in an account (what a `{ ref: name }` points at). */
export function addressForKind(kind: ObjectKind, account: string, name: string): string | undefined {
  const found = kindModule(kind);
  return found ? addressOf(found.provider.name, account, name, found.kind.short) : undefined;
}

/** Reference fields of a kind (none for a kind that declares none). */
export function referencesOf(kind: ObjectKind): readonly ReferenceField[] {
  return kindModule(kind)?.kind.references ?? [];
}

/** Lookup fields of a kind. */
export function lookupsOf(kind: ObjectKind): readonly LookupField[] {
  return kindModule(kind)?.kind.lookups ?? [];
}
