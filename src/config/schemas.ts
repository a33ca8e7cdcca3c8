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
  const load = (file: string): object => withoutEditorParity(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), "utf8"))) as object;
  return { campaign: ajv.compile(load(CAMPAIGN_SCHEMA_FILE)), config: ajv.compile(load(CONFIG_SCHEMA_FILE)) };
}

export const EDITOR_PARITY = "editor parity:";

/**
 * The schemas also state some provider rules (channel-only fields, node types per channel) as
 * `if`/`then` so that editors flag them; those subschemas carry a `$comment` starting with
 * "editor parity:". validate leaves them out, because the provider rules report the same problems
 * with better messages (and located at the key).
 */
export function withoutEditorParity(node: unknown): unknown {
  if (Array.isArray(node)) {
    return node
      .filter((n) => !(n !== null && typeof n === "object" && typeof (n as { $comment?: unknown }).$comment === "string" && ((n as { $comment: string }).$comment.startsWith(EDITOR_PARITY))))
      .map(withoutEditorParity);
  }
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withoutEditorParity(v);
  if (Array.isArray(out.allOf) && out.allOf.length === 0) delete out.allOf;
  return out;
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
