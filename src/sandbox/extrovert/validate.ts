import { badRequest, show } from "./envelope.js";

/**
 * A tiny declarative body validator shaped like the NestJS ValidationPipe the real API sits behind
 * (whitelist + forbidNonWhitelisted): every problem in the body is collected and reported in one 400.
 */
export type Rule =
  | { kind: "uuid" }
  | { kind: "string"; minLength?: number }
  | { kind: "boolean" }
  /** Integer up to Number.MAX_SAFE_INTEGER; `positive`: 0 < x (documented ranges), else 0 <= x [A]. */
  | { kind: "integer"; positive?: boolean }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "array"; items: Rule }
  | { kind: "object"; fields: Shape };

export interface FieldSpec {
  rule: Rule;
  required: boolean;
  /** Why a field is refused although it exists elsewhere (e.g. ownerId on update). */
  forbidden?: string;
}

export type Shape = Readonly<Record<string, FieldSpec>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

export const req = (rule: Rule): FieldSpec => ({ rule, required: true });
export const opt = (rule: Rule): FieldSpec => ({ rule, required: false });
export const forbidden = (reason: string): FieldSpec => ({ rule: { kind: "boolean" }, required: false, forbidden: reason });

export const uuid: Rule = { kind: "uuid" };
export const bool: Rule = { kind: "boolean" };
export const text: Rule = { kind: "string" };
export const nonEmpty: Rule = { kind: "string", minLength: 1 };
export const positiveInt: Rule = { kind: "integer", positive: true };
export const nonNegativeInt: Rule = { kind: "integer" };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkValue(value: unknown, rule: Rule, path: string, problems: string[]): void {
  switch (rule.kind) {
    case "uuid":
      if (!isUuid(value)) problems.push(`${path} must be a UUID (got ${show(value)})`);
      return;
    case "string":
      if (typeof value !== "string") problems.push(`${path} must be a string (got ${show(value)})`);
      else if (rule.minLength !== undefined && value.length < rule.minLength) {
        problems.push(`${path} must be longer than or equal to ${rule.minLength} characters`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${path} must be a boolean value (got ${show(value)})`);
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) {
        problems.push(`${path} must be an integer number (got ${show(value)})`);
      } else if (value > Number.MAX_SAFE_INTEGER) {
        problems.push(`${path} must not be greater than ${Number.MAX_SAFE_INTEGER}`);
      } else if (rule.positive === true ? value <= 0 : value < 0) {
        problems.push(`${path} must be ${rule.positive === true ? "greater than 0" : "a non-negative integer"} (got ${value})`);
      }
      return;
    case "enum":
      if (typeof value !== "string" || !rule.values.includes(value)) {
        problems.push(`${path} must be one of the following values: ${rule.values.join(", ")} (got ${show(value)})`);
      }
      return;
    case "array":
      if (!Array.isArray(value)) {
        problems.push(`${path} must be an array (got ${show(value)})`);
        return;
      }
      value.forEach((item, i) => checkValue(item, rule.items, `${path}[${i}]`, problems));
      return;
    case "object":
      if (!isPlainObject(value)) {
        problems.push(`${path} must be an object (got ${show(value)})`);
        return;
      }
      checkObject(value, rule.fields, `${path}.`, problems);
      return;
  }
}

function checkObject(value: Record<string, unknown>, shape: Shape, prefix: string, problems: string[]): void {
  for (const key of Object.keys(value)) {
    const spec = shape[key];
    if (spec === undefined) problems.push(`property ${prefix}${key} should not exist`);
    else if (spec.forbidden !== undefined) problems.push(`property ${prefix}${key} should not exist (${spec.forbidden})`);
  }
  for (const [key, spec] of Object.entries(shape)) {
    if (spec.forbidden !== undefined) continue;
    const present = Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined;
    if (!present) {
      if (spec.required) problems.push(`${prefix}${key} is required`);
      continue;
    }
    checkValue(value[key], spec.rule, `${prefix}${key}`, problems);
  }
}

/**
 * Validate a request body against a shape; throws a 400 ExtrovertFailure listing every problem.
 * Returns the body typed as a plain object.
 */
export function validateBody(body: unknown, shape: Shape): Record<string, unknown> {
  if (!isPlainObject(body)) throw badRequest(`request body must be a JSON object (got ${show(body)})`);
  const problems: string[] = [];
  checkObject(body, shape, "", problems);
  if (problems.length > 0) throw badRequest(problems.join("; "));
  return body;
}
