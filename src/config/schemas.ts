import type { ErrorObject, ValidateFunction } from "ajv";
import { validators } from "./generated/validators.js";

/**
 * The JSON Schemas of schemas/ — the single source editors (yaml-language-server), ajv and the
 * generated TypeScript types all use. The validators are precompiled from them at build time
 * (scripts/gen-schemas.mjs → ./generated/validators.ts, checked by test/schema.test.ts), so no
 * schema is compiled at run time. The schemas' "editor parity:" if/then rules are left out of them
 * (see withoutEditorParity in the generator): the provider rules report the same problems better.
 */
export const CAMPAIGN_SCHEMA_FILE = "campaign.schema.json";
export const CONFIG_SCHEMA_FILE = "campaignctl.schema.json";

export type SchemaValidator = (value: unknown) => ErrorObject[];

function validator(name: "campaign" | "config"): SchemaValidator {
  return (value) => {
    const validate = (validators() as Record<string, ValidateFunction>)[name]!;
    return validate(value) ? [] : [...(validate.errors ?? [])];
  };
}

/** Validates a campaign document (envelope + the spec selected by `kind`). */
export const validateCampaignSchema: SchemaValidator = validator("campaign");
/** Validates a workspace config (campaignctl.yaml). */
export const validateConfigSchema: SchemaValidator = validator("config");
