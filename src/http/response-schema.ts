import { createRequire } from "node:module";
import type { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";

// ajv is loaded at the first request that needs a check, not when a provider module is imported: commands that
// talk to no provider (validate, --help, state) never pay for it (~45 ms of module loading).
const require = createRequire(import.meta.url);

/**
 * Response schemas: what a provider client needs from a 2xx answer, checked at the boundary (in the
 * HTTP client) before the client reads it. Each provider keeps its schemas as data in
 * `src/providers/<p>/responses.ts`, derived from the documented shapes in the provider references:
 * permissive about extra keys, requiring only what the client reads (an absent optional key is
 * "unknown", not an error). A body that is not JSON, or lacks what is required, fails the request
 * with a ProviderApiError of kind "answer" — never read as an empty list.
 */

/** A JSON Schema (draft 2020-12 subset: type, required, properties, items, enum, anyOf, minimum). */
export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface ResponseCheck {
  /** The schema, as written (test/response-schema.test.ts checks every provider's against the meta-schema). */
  readonly schema: JsonSchema;
  /**
   * Undefined when the body is acceptable, else plain words saying what is wrong ("campaigns is null,
   * expected a list"). `at` names where the value sits in its answer (an item of a list read as it
   * arrives: "campaigns[3]"), and the words say so ("campaigns[3].id is null, expected a string").
   */
  check(body: unknown, at?: string): string | undefined;
  /**
   * Compiles the schema now, if not yet done. The HTTP client calls it when a request is made, before
   * it is sent: the first compile (and loading ajv, ~100 ms) then never runs while answers of other
   * requests wait to be read and their accounts' next requests wait to be sent (issue 30).
   */
  prepare(): void;
}

let ajv: Ajv2020 | undefined;

function compiler(): Ajv2020 {
  // Not strict: schemas are small hand-written data; first error only (allErrors off keeps it linear).
  if (ajv === undefined) {
    const { Ajv2020: Compiler } = require("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    // validateSchema off: the schemas are this repository's own data, each compiled and checked against the
    // draft 2020-12 meta-schema by test/response-schema.test.ts; compiling the meta-schema at run time
    // cost ~50 ms of every command that talks to a provider.
    ajv = new Compiler({ allErrors: false, strict: false, logger: false, validateSchema: false });
  }
  return ajv;
}

/** Compiles a schema lazily (when a request that needs it is made, or at the first answer it checks). */
export function responseSchema(schema: JsonSchema): ResponseCheck {
  let compiled: ValidateFunction | undefined;
  const validator = (): ValidateFunction => (compiled ??= compiler().compile(schema));
  return {
    schema,
    prepare() {
      validator();
    },
    check(body, at) {
      const validate = validator();
      if (validate(body)) return undefined;
      const err = validate.errors?.[0];
      return err ? describeError(err, body, at) : `${at ?? "the answer"} does not have the documented shape`;
    },
  };
}

/** Named schemas for one provider's endpoints: `{ listCampaigns: {...}, ... }` → checks. */
export function responseSchemas<K extends string>(schemas: Record<K, JsonSchema>): Record<K, ResponseCheck> {
  const out = {} as Record<K, ResponseCheck>;
  for (const key of Object.keys(schemas) as K[]) out[key] = responseSchema(schemas[key]);
  return out;
}

/** `/campaigns/3/id` → `campaigns[3].id`; "" → "the answer" (or `at`, the value's own place, when given: `/id` at "campaigns[3]" → `campaigns[3].id`). */
function pathText(pointer: string, at?: string): string {
  if (pointer === "") return at ?? "the answer";
  return pointer
    .split("/")
    .slice(1)
    .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === "" ? seg : `${acc}.${seg}`), at ?? "");
}

function valueAt(body: unknown, pointer: string): unknown {
  let v = body;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  object: "an object",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
  null: "null",
};

export function describeJsonValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isInteger(v) ? "an integer" : "a number";
  if (typeof v === "boolean") return String(v);
  return typeof v;
}

function describeError(err: ErrorObject, body: unknown, at?: string): string {
  const where = pathText(err.instancePath, at);
  switch (err.keyword) {
    case "required": {
      const missing = String((err.params as { missingProperty?: unknown }).missingProperty);
      return err.instancePath === "" && at === undefined ? `no "${missing}" key` : `${where} has no "${missing}" key`;
    }
    case "type": {
      const t = (err.params as { type?: unknown }).type;
      const wanted = (Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(" or ");
      return `${where} is ${describeJsonValue(valueAt(body, err.instancePath))}, expected ${wanted}`;
    }
    case "enum":
      return `${where} has an undocumented value`;
    case "minLength":
      return `${where} is empty`;
    case "minimum":
      return `${where} is ${JSON.stringify(valueAt(body, err.instancePath))}, expected at least ${String((err.params as { limit?: unknown }).limit)}`;
    default:
      return `${where} ${err.message ?? "does not have the documented shape"}`;
  }
}
