import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ErrorObject, ValidateFunction } from "ajv";

/**
 * The JSON Schemas of schemas/ — the single source editors (yaml-language-server), ajv and the
 * generated TypeScript types all use. Read at run time from the package's schemas/ folder
 * (src/config → ../../schemas, and the same from dist/config).
 */
const SCHEMA_DIR = new URL("../../schemas/", import.meta.url);

export const CAMPAIGN_SCHEMA_FILE = "campaign.schema.json";
export const CONFIG_SCHEMA_FILE = "campaignctl.schema.json";

export type SchemaValidator = (value: unknown) => ErrorObject[];

interface Compiled {
  campaign: ValidateFunction;
  config: ValidateFunction;
}

let compiled: Compiled | undefined;

function compile(): Compiled {
  const ajv = new Ajv2020({
    allErrors: true,
    // verbose: errors carry the failing (sub)schema and value, so messages can say what is allowed.
    verbose: true,
    strict: true,
    strictTypes: false,
    logger: false,
  });
  addFormats.default(ajv);
  // Editor-facing annotation (VS Code / yaml-language-server show it when a pattern fails);
  // the CLI uses the same text.
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  const load = (file: string): object => JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), "utf8")) as object;
  return { campaign: ajv.compile(load(CAMPAIGN_SCHEMA_FILE)), config: ajv.compile(load(CONFIG_SCHEMA_FILE)) };
}

function validator(which: keyof Compiled): SchemaValidator {
  return (value) => {
    compiled ??= compile();
    const validate = compiled[which];
    return validate(value) ? [] : [...(validate.errors ?? [])];
  };
}

/** Validates a campaign document (envelope + the spec selected by `kind`). */
export const validateCampaignSchema: SchemaValidator = validator("campaign");
/** Validates a workspace config (campaignctl.yaml). */
export const validateConfigSchema: SchemaValidator = validator("config");
