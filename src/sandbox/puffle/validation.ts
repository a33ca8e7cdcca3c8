/**
 * Request-body checks for the Puffle simulator. Every check throws ApiError(400) naming the field;
 * nothing here touches state, so a handler can validate a whole request before it writes anything.
 */
import {
  MAX_DELAY_MINUTES,
  MAX_NAME_LENGTH,
  MIN_DELAY_MINUTES,
  NODE_TYPES_BY_CHANNEL,
  UUID_RE,
  type CampaignType,
  type NodeRecord,
  type NodeType,
} from "./model.js";

/** An error answer in Puffle's shape: `{ error, code }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function invalid(message: string, code = "VALIDATION_ERROR"): ApiError {
  return new ApiError(400, message, code);
}

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function has(obj: Obj, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

export function requireBody(body: unknown): Obj {
  if (!isObject(body)) throw invalid("Request body must be a JSON object");
  return body;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
  if (typeof value === "object") return "an object";
  return String(value);
}

export function expectString(value: unknown, path: string, opts: { nullable?: boolean; min?: number; max?: number } = {}): string | null {
  if (value === null && opts.nullable) return null;
  if (typeof value !== "string") {
    throw invalid(`${path} must be a string${opts.nullable ? " or null" : ""} (got ${describe(value)})`);
  }
  if (opts.min !== undefined && value.length < opts.min) {
    throw invalid(`${path} must be at least ${opts.min} character${opts.min === 1 ? "" : "s"} long`);
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw invalid(`${path} must be at most ${opts.max} characters long (got ${value.length})`);
  }
  return value;
}

export function expectBoolean(value: unknown, path: string, nullable = false): boolean | null {
  if (value === null && nullable) return null;
  if (typeof value !== "boolean") throw invalid(`${path} must be a boolean${nullable ? " or null" : ""} (got ${describe(value)})`);
  return value;
}

export function expectInt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${path} must be an integer between ${min} and ${max} (got ${describe(value)})`);
  }
  return value;
}

export function expectNonNegativeInt(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${path} must be a non-negative integer (got ${describe(value)})`);
  }
  return value;
}

export function expectUuid(value: unknown, path: string): string {
  if (typeof value !== "string" || !UUID_RE.test(value)) throw invalid(`${path} must be a UUID (got ${describe(value)})`);
  return value.toLowerCase();
}

export function expectArray(value: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array (got ${describe(value)})`);
  if (value.length < min) throw invalid(`${path} must contain at least ${min} item${min === 1 ? "" : "s"}`);
  if (value.length > max) throw invalid(`${path} must contain at most ${max} items (got ${value.length})`);
  return value;
}

export function expectName(value: unknown, path = "name"): string {
  return expectString(value, path, { min: 1, max: MAX_NAME_LENGTH }) as string;
}

/** `operating_hours`: any JSON object or null [A]. */
export function expectOperatingHours(value: unknown, path = "operating_hours"): Obj | null {
  if (value === null) return null;
  if (!isObject(value)) throw invalid(`${path} must be a JSON object or null (got ${describe(value)})`);
  return structuredClone(value);
}

// ---------------------------------------------------------------------------------------------
// Sequence nodes
// ---------------------------------------------------------------------------------------------

/** Content fields that apply to each node type; fields for other types are ignored (src/providers/puffle/README.md §7). */
export const CONTENT_FIELDS: Record<NodeType, readonly (keyof NodeContent)[]> = {
  connection_request: ["body", "include_message"],
  message: ["body"],
  email: ["subject", "body", "body_html", "signature", "from_name", "reply_to", "cc", "bcc", "attachments", "is_reply"],
  delay: ["delay_days", "delay_hours", "delay_minutes"],
  ai: ["ai_node"],
  end: [],
};

export type NodeContent = Pick<
  NodeRecord,
  | "subject"
  | "body"
  | "body_html"
  | "signature"
  | "from_name"
  | "reply_to"
  | "cc"
  | "bcc"
  | "attachments"
  | "include_message"
  | "is_reply"
  | "delay_days"
  | "delay_hours"
  | "delay_minutes"
  | "ai_node"
>;

const ALL_CONTENT_FIELDS = [
  "subject",
  "body",
  "body_html",
  "signature",
  "from_name",
  "reply_to",
  "cc",
  "bcc",
  "attachments",
  "include_message",
  "is_reply",
  "delay_days",
  "delay_hours",
  "delay_minutes",
  "ai_node",
] as const satisfies readonly (keyof NodeContent)[];

function parseStringList(value: unknown, path: string): string | string[] | null {
  if (value === null || typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value] as string[];
  throw invalid(`${path} must be a string, an array of strings or null (got ${describe(value)})`);
}

function parseAiNode(value: unknown, path: string): Obj | null {
  if (value === null) return null;
  if (!isObject(value)) throw invalid(`${path} must be an object or null (got ${describe(value)})`);
  for (const key of ["purpose", "output_type"]) {
    if (has(value, key)) expectString(value[key], `${path}.${key}`, { nullable: true });
  }
  return structuredClone(value);
}

/**
 * Type-check every known content field present in `raw` (whatever the node type), and return the ones
 * that apply to `type` — the others are silently ignored.
 */
export function parseNodeContent(raw: Obj, type: NodeType, path: string): Partial<NodeContent> {
  const parsed: Partial<Record<keyof NodeContent, unknown>> = {};
  for (const field of ALL_CONTENT_FIELDS) {
    if (!has(raw, field)) continue;
    const value = raw[field];
    const at = `${path}.${field}`;
    switch (field) {
      case "subject":
      case "body":
      case "body_html":
      case "signature":
      case "from_name":
      case "reply_to":
        parsed[field] = expectString(value, at, { nullable: true });
        break;
      case "cc":
      case "bcc":
        parsed[field] = parseStringList(value, at);
        break;
      case "attachments":
        if (value === null) parsed[field] = [];
        else if (Array.isArray(value) && value.every(isObject)) parsed[field] = structuredClone(value);
        else throw invalid(`${at} must be an array of objects or null (got ${describe(value)})`);
        break;
      case "include_message":
      case "is_reply":
        parsed[field] = expectBoolean(value, at, true);
        break;
      case "delay_days":
      case "delay_hours":
      case "delay_minutes":
        parsed[field] = value === null ? null : expectNonNegativeInt(value, at);
        break;
      case "ai_node":
        parsed[field] = parseAiNode(value, at);
        break;
    }
  }
  const applicable: Partial<Record<keyof NodeContent, unknown>> = {};
  for (const field of CONTENT_FIELDS[type]) {
    if (has(parsed, field)) applicable[field] = parsed[field];
  }
  return applicable as Partial<NodeContent>;
}

export function parseNodeType(value: unknown, channel: CampaignType, path: string): NodeType {
  const allowed = NODE_TYPES_BY_CHANNEL[channel];
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${path} must be one of ${allowed.join(", ")} for a ${channel} campaign (got ${describe(value)})`);
  }
  return value as NodeType;
}

/** The stored shape of a node of `type`, defaults first, then the given content. */
export function buildNodeContent(type: NodeType, content: Partial<NodeContent>): NodeContent {
  const base: NodeContent = {
    subject: null,
    body: null,
    body_html: null,
    signature: null,
    from_name: null,
    reply_to: null,
    cc: null,
    bcc: null,
    attachments: [],
    include_message: null,
    is_reply: null,
    delay_days: null,
    delay_hours: null,
    delay_minutes: null,
    ai_node: null,
  };
  switch (type) {
    case "connection_request":
      Object.assign(base, { body: "", include_message: false });
      break;
    case "message":
      base.body = "";
      break;
    case "email":
      Object.assign(base, { subject: "", body: "", is_reply: false });
      break;
    case "delay":
      Object.assign(base, { delay_days: 0, delay_hours: 0, delay_minutes: 0 });
      break;
    case "ai":
    case "end":
      break;
  }
  return mergeNodeContent(type, base, content);
}

/** Apply a partial content update; null on a field with a type default restores the default. */
export function mergeNodeContent(type: NodeType, current: NodeContent, patch: Partial<NodeContent>): NodeContent {
  const next: NodeContent = { ...current };
  const target = next as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null && (key === "subject" || key === "body")) target[key] = "";
    else if (value === null && key === "include_message" && type === "connection_request") target[key] = false;
    else if (value === null && key === "is_reply" && type === "email") target[key] = false;
    else if (value === null && key.startsWith("delay_")) target[key] = 0;
    else target[key] = value;
  }
  return next;
}

export function delayTotalMinutes(node: Pick<NodeContent, "delay_days" | "delay_hours" | "delay_minutes">): number {
  return (node.delay_days ?? 0) * 24 * 60 + (node.delay_hours ?? 0) * 60 + (node.delay_minutes ?? 0);
}

export function delayProblem(node: Pick<NodeContent, "delay_days" | "delay_hours" | "delay_minutes">): string | null {
  const total = delayTotalMinutes(node);
  if (total < MIN_DELAY_MINUTES || total > MAX_DELAY_MINUTES) {
    return `delay_days + delay_hours + delay_minutes must total at least 1 minute and at most 30 days (got ${total} minute${total === 1 ? "" : "s"})`;
  }
  return null;
}

/** Whether a node lacks the content it needs to send (validate / launch). */
export function missingContent(node: NodeRecord): boolean {
  const blank = (s: string | null) => s === null || s.trim() === "";
  switch (node.type) {
    case "email":
      return blank(node.body) || (node.is_reply !== true && blank(node.subject));
    case "message":
      return blank(node.body);
    case "connection_request":
      return node.include_message === true && blank(node.body);
    case "ai": {
      const purpose = node.ai_node?.["purpose"];
      return typeof purpose !== "string" || purpose.trim() === "";
    }
    case "delay":
    case "end":
      return false;
  }
}

export function parseQueryInt(raw: string | null, name: string, min: number, max: number, fallback: number): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(`${name} must be an integer between ${min} and ${max} (got "${raw.slice(0, 40)}")`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalid(`${name} must be an integer between ${min} and ${max} (got ${raw.slice(0, 40)})`);
  return n;
}

export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
