import type { ErrorObject } from "ajv";
import { isJsonObject } from "../core/json.js";
import type { DocPath, Target } from "./source.js";
import { truncate } from "./source.js";
import { closest } from "../core/suggest.js";

/** One schema problem in plain words, with the place it points at. */
export interface SchemaIssue {
  path: DocPath;
  target: Target;
  code: string;
  message: string;
}

type Schema = Record<string, unknown>;

/** Fields whose value may be a secret pasted in the wrong place: never quoted back. */
const SECRET_FIELDS = new Set(["apiKeyEnv"]);

/** Keywords that judge a value, in the order their code wins when several fail at one place. */
const VALUE_KEYWORDS: Record<string, string> = {
  const: "SCHEMA_ENUM",
  enum: "SCHEMA_ENUM",
  type: "SCHEMA_TYPE",
  pattern: "SCHEMA_FORMAT",
  format: "SCHEMA_FORMAT",
  minimum: "SCHEMA_RANGE",
  maximum: "SCHEMA_RANGE",
  exclusiveMinimum: "SCHEMA_RANGE",
  exclusiveMaximum: "SCHEMA_RANGE",
  multipleOf: "SCHEMA_RANGE",
  minLength: "SCHEMA_LENGTH",
  maxLength: "SCHEMA_LENGTH",
  minItems: "SCHEMA_ITEMS",
  maxItems: "SCHEMA_ITEMS",
  uniqueItems: "SCHEMA_ITEMS",
};
const PRIORITY = Object.keys(VALUE_KEYWORDS);

/**
 * Turns ajv's errors into one plain sentence per problem: if/then bookkeeping is dropped, several
 * failed keywords on one value become one message saying what is allowed, missing fields of one
 * mapping are named together, unknown keys point at the key and suggest the closest known name.
 */
export function explainSchemaErrors(errors: readonly ErrorObject[], data: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const missing = new Map<string, { path: DocPath; fields: string[] }>();
  const values = new Map<string, { path: DocPath; errors: ErrorObject[] }>();

  for (const err of withoutWrongBranches(errors)) {
    const path = toPath(err.instancePath, data);
    if (err.keyword === "if" || err.keyword === "allOf" || err.keyword === "anyOf" || err.keyword === "oneOf") continue;
    if (err.keyword === "required") {
      const field = String((err.params as { missingProperty: string }).missingProperty);
      const entry = missing.get(err.instancePath) ?? { path, fields: [] };
      if (!entry.fields.includes(field)) entry.fields.push(field);
      missing.set(err.instancePath, entry);
    } else if (err.keyword === "additionalProperties") {
      const field = String((err.params as { additionalProperty: string }).additionalProperty);
      issues.push(unknownField(path, field, err.parentSchema as Schema | undefined));
    } else if (err.keyword in VALUE_KEYWORDS) {
      const entry = values.get(err.instancePath) ?? { path, errors: [] };
      entry.errors.push(err);
      values.set(err.instancePath, entry);
    } else {
      issues.push({ path, target: "value", code: "SCHEMA_INVALID", message: `${where(path)} ${err.message ?? "is invalid"}` });
    }
  }

  for (const { path, fields } of missing.values()) {
    const list = fields.map((f) => JSON.stringify(f)).join(", ");
    const noun = fields.length === 1 ? "field" : "fields";
    const message = path.length === 0 ? `missing required ${noun} ${list}` : `${display(path)} is missing required ${noun} ${list}`;
    issues.push({ path, target: "key", code: "SCHEMA_REQUIRED", message });
  }

  for (const { path, errors: errs } of values.values()) {
    errs.sort((a, b) => PRIORITY.indexOf(a.keyword) - PRIORITY.indexOf(b.keyword));
    const first = errs[0]!;
    // Every failed keyword at one place shares the same (sub)schema: describe it whole.
    const schema = (first.parentSchema ?? {}) as Schema;
    const value = first.data;
    let message = `${display(path)} must be ${describe(schema)}, got ${got(value, first.keyword, path)}`;
    const options = Array.isArray(schema.enum) ? schema.enum : undefined;
    if (options && typeof value === "string" && !isSecret(path)) {
      const suggestion = closest(value, options.filter((o): o is string => typeof o === "string"));
      if (suggestion) message += ` (did you mean ${JSON.stringify(suggestion)}?)`;
    }
    issues.push({ path, target: "value", code: VALUE_KEYWORDS[first.keyword]!, message });
  }
  return issues;
}

/**
 * A value that may take one of several shapes (`anyOf`: an id, or `{ ref }` / `{ teamMember }`) fails
 * every branch. The branches of the other type say nothing useful ("must be a mapping" for a malformed
 * id): when some branch of the value's own type failed on something else, the wrong-type failures at
 * that place are dropped, so the message is about the shape the user meant.
 */
function withoutWrongBranches(errors: readonly ErrorObject[]): readonly ErrorObject[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  if (anyOfAt.size === 0) return errors;
  const informative = (at: string) => errors.some((e) => e.keyword !== "type" && e.keyword !== "anyOf" && (e.instancePath === at || e.instancePath.startsWith(`${at}/`)));
  return errors.filter((e) => !(e.keyword === "type" && anyOfAt.has(e.instancePath) && informative(e.instancePath)));
}

function unknownField(parent: DocPath, field: string, schema: Schema | undefined): SchemaIssue {
  const known = isJsonObject(schema?.properties) ? Object.keys(schema.properties) : [];
  const suggestion = closest(field, known);
  const place = parent.length === 0 ? "at the top level" : `in ${display(parent)}`;
  const hint = suggestion
    ? `; did you mean ${JSON.stringify(suggestion)}?`
    : known.length > 0
      ? `; allowed: ${known.join(", ")}`
      : "";
  return {
    path: [...parent, field],
    target: "key",
    code: "SCHEMA_UNKNOWN_FIELD",
    message: `unknown field ${JSON.stringify(truncate(field, 80))} ${place}${hint}`,
  };
}

/** JSON pointer → path with numeric sequence indexes (walking the data to know which is which). */
function toPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === "") return [];
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = isJsonObject(node) ? node[segment] : undefined;
    }
  }
  return path;
}

/** `spec.sequence_nodes[2].type` */
export function display(path: DocPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

function where(path: DocPath): string {
  return path.length === 0 ? "the document" : display(path);
}

function isSecret(path: DocPath): boolean {
  const last = path.at(-1);
  return typeof last === "string" && SECRET_FIELDS.has(last);
}

/** What the (sub)schema allows, as a noun phrase: "an integer from 0 to 5", "one of "a", "b"". */
export function describe(schema: Schema): string {
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : [];
  if (types.length === 0) return "valid";
  return types.map((t) => describeType(t, schema)).join(" or ");
}

function describeType(type: string, s: Schema): string {
  switch (type) {
    case "integer":
    case "number":
      return describeNumber(type === "integer" ? "an integer" : "a number", s);
    case "string": {
      if (typeof s.patternErrorMessage === "string") return s.patternErrorMessage.replace(/^must be /, "");
      const min = s.minLength as number | undefined;
      const max = s.maxLength as number | undefined;
      if (min !== undefined && max !== undefined) return `a string of ${min} to ${max} characters`;
      if (max !== undefined) return `a string of at most ${max} characters`;
      if (min === 1) return "a non-empty string";
      if (min !== undefined) return `a string of at least ${min} characters`;
      return "a string";
    }
    case "boolean":
      return "true or false";
    case "null":
      return "null";
    case "array": {
      const min = s.minItems as number | undefined;
      const max = s.maxItems as number | undefined;
      if (min !== undefined && max !== undefined) return `a list of ${min} to ${max} items`;
      if (max !== undefined) return `a list of at most ${max} items`;
      if (min !== undefined) return `a list of at least ${min} ${min === 1 ? "item" : "items"}`;
      return "a list";
    }
    case "object":
      return "a mapping";
    default:
      return type;
  }
}

function describeNumber(noun: string, s: Schema): string {
  const min = s.minimum as number | undefined;
  const max = s.maximum as number | undefined;
  const above = s.exclusiveMinimum as number | undefined;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (above !== undefined) return `${noun} greater than ${above}`;
  if (min === 0) return noun === "an integer" ? "a non-negative integer" : "a non-negative number";
  if (min !== undefined) return `${noun} of ${min} or more`;
  if (max !== undefined) return `${noun} of ${max} or less`;
  return noun;
}

/** The offending value, quoted so the reader sees exactly what was written. */
function got(value: unknown, keyword: string, path: DocPath): string {
  if (isSecret(path)) return "a value that is not shown here (it may be a secret)";
  if (keyword === "minLength" || keyword === "maxLength") {
    const length = typeof value === "string" ? [...value].length : 0;
    return length === 0 ? "an empty string" : `${length} characters`;
  }
  if (keyword === "minItems" || keyword === "maxItems") {
    const count = Array.isArray(value) ? value.length : 0;
    return count === 0 ? "an empty list" : `${count} ${count === 1 ? "item" : "items"}`;
  }
  if (keyword === "uniqueItems") return "a list with duplicates";
  return quote(value);
}

export function quote(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (typeof value === "string") return JSON.stringify(truncate(value));
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
