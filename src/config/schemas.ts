import { createRequire } from "node:module";
import type { ErrorObject, ValidateFunction } from "ajv";
import { isJsonObject } from "../core/json.js";
import { findProvider, kindModule, providerIds, providers } from "../providers/registry.js";
import type { KindModule } from "../providers/types.js";
import { validators } from "./generated/validators.js";

/**
 * The JSON Schemas of schemas/ — the single source editors (yaml-language-server), ajv and the
 * generated TypeScript types all use. The validators are precompiled from them at build time
 * (scripts/gen-schemas.mjs → ./generated/validators.ts, checked by test/schema.test.ts), so no
 * schema is compiled at run time. The schemas' "editor parity:" if/then rules are left out of them
 * (see withoutEditorParity in the generator): the provider rules report the same problems better.
 *
 * A kind registered at run time (registerProvider: the fake provider of the tests) is unknown to the
 * precompiled validators, which list the built-in kinds and providers: its envelope is still checked by
 * them, and its spec by its own schema (KindModule.specSchema), compiled with ajv the first time a file
 * of that kind is checked. The built-in kinds never reach ajv's compiler (test/startup-modules.test.ts).
 */
export const CAMPAIGN_SCHEMA_FILE = "campaign.schema.json";
export const CONFIG_SCHEMA_FILE = "campaignctl.schema.json";

export type SchemaValidator = (value: unknown) => ErrorObject[];

function precompiled(name: "campaign" | "config" | "campaignSet" | "suppressionList"): SchemaValidator {
  return (value) => {
    const validate = (validators() as Record<string, ValidateFunction>)[name]!;
    return validate(value) ? [] : [...(validate.errors ?? [])];
  };
}

const campaignSchema = precompiled("campaign");
const configSchema = precompiled("config");
const campaignSetSchema = precompiled("campaignSet");
const suppressionListSchema = precompiled("suppressionList");

/** Validates a SuppressionList document (src/config/schema/suppression-list.schema.json). */
export const validateSuppressionListSchema: SchemaValidator = (value) => suppressionListSchema(value);

/** Validates a CampaignSet's envelope (src/config/schema/campaign-set.schema.json); the template is checked once expanded. */
export const validateCampaignSetSchema: SchemaValidator = (value) => campaignSetSchema(value);

/** Validates a campaign document (envelope + the spec selected by `kind`). */
export const validateCampaignSchema: SchemaValidator = (value) => {
  const errors = campaignSchema(value);
  const kind = isJsonObject(value) && typeof value.kind === "string" ? kindModule(value.kind)?.kind : undefined;
  if (kind?.specSchema === undefined) return withRegistryEnums(errors, "/kind", allKinds);
  // A run-time kind: the precompiled envelope check stands, except its list of kinds.
  const envelope = errors.filter((e) => !(e.instancePath === "/kind" && e.keyword === "enum"));
  const spec = (value as Record<string, unknown>).spec;
  return isJsonObject(spec) ? [...envelope, ...specErrors(kind, spec)] : envelope;
};

/** Validates a workspace config (campaignctl.yaml); an account's `provider` may be any registered one. */
export const validateConfigSchema: SchemaValidator = (value) => {
  const errors = configSchema(value).filter((e) => !(e.keyword === "enum" && PROVIDER_AT.test(e.instancePath) && typeof e.data === "string" && findProvider(e.data)));
  return withRegistryEnums(errors, PROVIDER_AT, providerIds);
};

const PROVIDER_AT = /^\/accounts\/\d+\/provider$/;

function allKinds(): string[] {
  return providers().flatMap((p) => p.kinds.map((k) => k.kind));
}

/**
 * An `enum` error on the kind or provider quotes the registry's list (messages say "must be one of …"
 * and suggest the closest): the generated list lacks what was registered at run time.
 */
function withRegistryEnums(errors: ErrorObject[], at: string | RegExp, names: () => string[]): ErrorObject[] {
  const matches = (path: string) => (typeof at === "string" ? path === at : at.test(path));
  return errors.map((e) => {
    if (e.keyword !== "enum" || !matches(e.instancePath) || !isJsonObject(e.parentSchema)) return e;
    const known = names();
    const listed = Array.isArray(e.parentSchema.enum) ? e.parentSchema.enum : [];
    if (known.length === listed.length) return e;
    return { ...e, params: { allowedValues: known }, parentSchema: { ...e.parentSchema, enum: known } };
  });
}

// ---------------------------------------------------------------------------------------------
// Run-time kinds: their spec schema, compiled on first use with the generator's options.

const require = createRequire(import.meta.url);
const compiled = new WeakMap<KindModule, ValidateFunction>();

function specErrors(kind: KindModule, spec: unknown): ErrorObject[] {
  let validate = compiled.get(kind);
  if (validate === undefined) {
    validate = compileSpecSchema(kind);
    compiled.set(kind, validate);
  }
  if (validate(spec)) return [];
  // The spec's errors, located inside the document.
  return (validate.errors ?? []).map((e) => ({ ...e, instancePath: `/spec${e.instancePath}` }));
}

function compileSpecSchema(kind: KindModule): ValidateFunction {
  const { Ajv2020 } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const addFormats = require("ajv-formats") as typeof import("ajv-formats").default;
  // The options scripts/gen-schemas.mjs compiles the built-in schemas with (verbose: messages say what is allowed).
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false, logger: false });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  try {
    return ajv.compile(kind.specSchema as object);
  } catch (e) {
    throw new Error(`the spec schema of kind ${kind.kind} does not compile: ${e instanceof Error ? e.message : String(e)}`);
  }
}
