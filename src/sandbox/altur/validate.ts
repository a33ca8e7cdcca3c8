/**
 * Type and range checks for Altur request bodies. Every check throws an AlturFailure naming the field
 * (400 VALIDATION_ERROR [A]) so that no malformed input can reach the stored state or crash a handler.
 */
import { show, validationError } from "./errors.js";
import { DAYS, emptyWeek, type Day, type DayKey, type Week } from "./model.js";

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function has(obj: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

export function requireObject(value: unknown, field: string): Obj {
  if (!isObject(value)) throw validationError(field, `${field} must be a JSON object, got ${show(value)}`);
  return value;
}

/** Rejects the first key not in `allowed` (400 VALIDATION_ERROR, field = prefix + key). */
export function rejectUnknownKeys(obj: Obj, allowed: readonly string[], prefix: string, hint = ""): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw validationError(
        `${prefix}${key}`,
        `unknown field "${prefix}${key}"${hint}; allowed: ${allowed.join(", ")}`,
      );
    }
  }
}

export function readString(
  value: unknown,
  field: string,
  opts: { max?: number; nonEmpty?: boolean } = {},
): string {
  if (typeof value !== "string") throw validationError(field, `${field} must be a string, got ${show(value)}`);
  if (opts.nonEmpty && value.trim() === "") throw validationError(field, `${field} must not be empty`);
  if (opts.max !== undefined && value.length > opts.max) {
    throw validationError(field, `${field} must be at most ${opts.max} characters, got ${value.length}`);
  }
  return value;
}

export function readNullableString(value: unknown, field: string): string | null {
  return value === null ? null : readString(value, field);
}

export function readInt(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw validationError(field, `${field} must be an integer between ${min} and ${max}, got ${show(value)}`);
  }
  if (value < min || value > max) {
    throw validationError(field, `${field} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function readEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw validationError(field, `${field} must be one of ${allowed.join(", ")}, got ${show(value)}`);
  }
  return found;
}

export function readBoolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw validationError(field, `${field} must be true or false, got ${show(value)}`);
  return value;
}

export function readStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw validationError(field, `${field} must be an array of strings, got ${show(value)}`);
  return value.map((item, i) => readString(item, `${field}[${i}]`, { nonEmpty: true }));
}

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** IANA time zone name, e.g. America/Mexico_City. */
export function readTimezone(value: unknown, field: string): string {
  const tz = readString(value, field, { nonEmpty: true });
  let ok = IANA_NAME.test(tz);
  if (ok) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
    } catch {
      ok = false;
    }
  }
  if (!ok) throw validationError(field, `${field} must be an IANA time zone name such as "America/Mexico_City", got ${show(tz)}`);
  return tz;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function readTime(value: unknown, field: string): string {
  if (typeof value !== "string" || !HHMM.test(value)) {
    throw validationError(field, `${field} must be a 24-hour "HH:MM" time (00:00-23:59), got ${show(value)}`);
  }
  return value;
}

const DAY_KEYS = ["startTime", "stopTime", "active"] as const;

/** `{ startTime, stopTime, active }` [D]; HH:MM 24 h, times required and startTime < stopTime when active [A]. */
export function readDay(value: unknown, field: string): Day {
  const obj = requireObject(value, field);
  rejectUnknownKeys(obj, DAY_KEYS, `${field}.`);
  if (!has(obj, "active")) throw validationError(`${field}.active`, `${field}.active is required (true or false)`);
  const active = readBoolean(obj.active, `${field}.active`);
  const day: Day = { active };
  const start = has(obj, "startTime") ? readTime(obj.startTime, `${field}.startTime`) : undefined;
  const stop = has(obj, "stopTime") ? readTime(obj.stopTime, `${field}.stopTime`) : undefined;
  if (active) {
    if (start === undefined) throw validationError(`${field}.startTime`, `${field}.startTime is required when the day is active`);
    if (stop === undefined) throw validationError(`${field}.stopTime`, `${field}.stopTime is required when the day is active`);
    if (start >= stop) {
      throw validationError(`${field}.stopTime`, `${field}.stopTime (${stop}) must be later than startTime (${start})`);
    }
  }
  return {
    ...(start !== undefined ? { startTime: start } : {}),
    ...(stop !== undefined ? { stopTime: stop } : {}),
    active: day.active,
  };
}

/** Some of the seven days, each validated; for PATCH merges (a day object replaces that day). */
export function readWeekPatch(value: unknown, field: string): Partial<Week> {
  const obj = requireObject(value, field);
  rejectUnknownKeys(obj, DAYS, `${field}.`);
  const out: Partial<Week> = {};
  for (const key of DAYS) {
    if (has(obj, key)) out[key] = readDay(obj[key], `${field}.${key}`);
  }
  return out;
}

/** A full week: missing weekdays default to `{ active: false }` [A]. */
export function readWeek(value: unknown, field: string): Week {
  return mergeWeek(emptyWeek(), readWeekPatch(value, field));
}

export function mergeWeek(base: Week, patch: Partial<Week>): Week {
  const out: Week = { ...base };
  for (const key of Object.keys(patch) as DayKey[]) {
    const day = patch[key];
    if (day) out[key] = day;
  }
  return out;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(text: string): boolean {
  const m = YMD.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `YYYY-MM-DD` [A]; null clears the date. */
export function readDate(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== "string" || !isCalendarDate(value)) {
    throw validationError(field, `${field} must be a calendar date "YYYY-MM-DD" or null, got ${show(value)}`);
  }
  return value;
}
