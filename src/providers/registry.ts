import type { LookupField, ReferenceField } from "../core/refs.js";
import { addressOf, type KindCatalog, type ObjectKind, type ProviderId } from "../core/types.js";
import type { KindModule, ProviderModule } from "./types.js";
import { extrovert } from "./extrovert/index.js";
import { puffle } from "./puffle/index.js";
import { altur } from "./altur/index.js";

/**
 * The only list of providers (one line per provider) and, through their `kinds`, of kinds. Everything
 * above the providers asks here: by provider id, by kind name, or for all of them.
 */
const BUILT_IN: readonly ProviderModule[] = [extrovert, puffle, altur];

const registered: ProviderModule[] = [];
for (const module of BUILT_IN) register(module);

/** The registered providers, in registration order (the built-in ones first). */
export function providers(): readonly ProviderModule[] {
  return registered;
}

/** The registered provider ids, in registration order. */
export function providerIds(): ProviderId[] {
  return registered.map((p) => p.id);
}

/** The provider with this id, or undefined. */
export function findProvider(id: string): ProviderModule | undefined {
  return registered.find((p) => p.id === id);
}

/** The provider with this id; an unknown id is a programming error (ids are checked when config and state load). */
export function providerById(id: ProviderId): ProviderModule {
  const found = findProvider(id);
  if (!found) throw new Error(`no provider ${JSON.stringify(id)} is registered (registered: ${providerIds().join(", ")})`);
  return found;
}

/** The module of any kind, with its provider. */
export function kindModule(kind: ObjectKind): { provider: ProviderModule; kind: KindModule } | undefined {
  for (const provider of registered) {
    const found = provider.kinds.find((k) => k.kind === kind);
    if (found) return { provider, kind: found };
  }
  return undefined;
}

/** The module of a kind that is known to be registered (state and config were checked against the catalog). */
export function kindModuleOf(kind: ObjectKind): { provider: ProviderModule; kind: KindModule } {
  const found = kindModule(kind);
  if (!found) throw new Error(`no registered provider offers kind ${JSON.stringify(kind)}`);
  return found;
}

/** The address of an object of `kind` named `name` in an account (what a `{ ref: name }` points at). */
export function addressForKind(kind: ObjectKind, account: string, name: string): string | undefined {
  const found = kindModule(kind);
  return found ? addressOf(found.provider.id, account, name, found.kind.short) : undefined;
}

/** The kind an address names (`<provider>/<account>/<name>`: the primary kind; `<provider>/<account>/<short>/<name>`: the kind with that segment). */
export function kindAtAddress(address: string): { provider: ProviderModule; kind: KindModule } | undefined {
  const parts = address.split("/");
  const provider = findProvider(parts[0] ?? "");
  if (!provider || (parts.length !== 3 && parts.length !== 4)) return undefined;
  const short = parts.length === 4 ? parts[2] : undefined;
  const kind = provider.kinds.find((k) => k.short === short);
  return kind ? { provider, kind } : undefined;
}

/** Reference fields of a kind (none for a kind that declares none). */
export function referencesOf(kind: ObjectKind): readonly ReferenceField[] {
  return kindModule(kind)?.kind.references ?? [];
}

/** Lookup fields of a kind. */
export function lookupsOf(kind: ObjectKind): readonly LookupField[] {
  return kindModule(kind)?.kind.lookups ?? [];
}

/** The API key variable `init` and `demo` write for a provider's account: `<ID>_API_KEY`. */
export function defaultApiKeyEnv(id: ProviderId): string {
  return `${id.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_API_KEY`;
}

/** What state and config validation need of the registry (they may not import providers: see core/types KindCatalog). */
export const catalog: KindCatalog = {
  providers: providerIds,
  kindsOf: (provider) => (findProvider(provider)?.kinds ?? []).map((k) => ({ kind: k.kind, ...(k.short === undefined ? {} : { short: k.short }) })),
};

/**
 * Add a provider (tests only: a fake in-memory provider for the contract suite). Returns the function
 * that removes it again. Refused when its id, a kind name or an address segment clashes.
 */
export function registerProvider(module: ProviderModule): () => void {
  // The generated validators know the built-in kinds only: a kind added at run time brings its schema.
  const schemaless = module.kinds.filter((k) => k.specSchema === undefined).map((k) => k.kind);
  if (schemaless.length > 0) throw new Error(`provider ${module.id}: kinds registered at run time carry their spec schema (KindModule.specSchema): ${schemaless.join(", ")} do not`);
  register(module);
  return () => {
    const at = registered.indexOf(module);
    if (at >= 0 && !BUILT_IN.includes(module)) registered.splice(at, 1);
  };
}

function register(module: ProviderModule): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(module.id)) problems.push(`id ${JSON.stringify(module.id)} is not a lower-case word`);
  if (findProvider(module.id)) problems.push(`id ${module.id} is already registered`);
  const primary = module.kinds.filter((k) => k.short === undefined);
  if (primary.length > 1) problems.push(`${primary.length} kinds have no address segment (short); at most one may`);
  const shorts = module.kinds.flatMap((k) => (k.short === undefined ? [] : [k.short]));
  if (new Set(shorts).size !== shorts.length) problems.push(`address segments repeat: ${shorts.join(", ")}`);
  for (const k of module.kinds) if (kindModule(k.kind)) problems.push(`kind ${k.kind} is already offered by ${kindModule(k.kind)?.provider.id}`);
  if (new Set(module.kinds.map((k) => k.kind)).size !== module.kinds.length) problems.push("kind names repeat");
  if (problems.length > 0) throw new Error(`provider ${module.id}: ${problems.join("; ")}`);
  registered.push(module);
}
