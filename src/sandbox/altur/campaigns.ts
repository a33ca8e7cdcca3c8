/** Altur campaign rules: create, list, detail, partial update, lifecycle actions. */
import { AlturFailure, invalidRequest, notFound, show, validationError } from "./errors.js";
import {
  AGENTS,
  CHANNELS,
  CYCLE_MODES,
  DEFAULT_TIMEZONE,
  INTEGRATIONS,
  STATUSES,
  copyWeek,
  detailOf,
  emptyWeek,
  listItemOf,
  type CampaignStatus,
  type Channel,
  type StoredCampaign,
  type StoredCycles,
} from "./model.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import type { AlturContext, AlturState } from "./state.js";
import {
  has,
  isCalendarDate,
  isObject,
  mergeWeek,
  readBoolean,
  readDate,
  readEnum,
  readInt,
  readNullableString,
  readString,
  readStringArray,
  readTimezone,
  readWeek,
  readWeekPatch,
  rejectUnknownKeys,
  requireObject,
  type Obj,
} from "./validate.js";

/**
 * Required on create [A]. `integration_type` is listed on the create page but its own example omits it
 * (src/providers/altur/README.md §4.1): when it is left out, the channel is the integration's.
 */
const REQUIRED_CREATE = ["name", "agent_id", "integration_id"] as const;
const MUTABLE = [
  "name",
  "description",
  "timezone",
  "retries",
  "message_limit",
  "first_message",
  "template",
  "template_alt",
  "scheduling",
  "cycles",
] as const;
const CREATE_KEYS = [...REQUIRED_CREATE, "integration_type", ...MUTABLE] as const;

/** [D] immutable after creation; [A, src/providers/altur/README.md §7] id and created_at too. */
const IMMUTABLE_TOP = ["agent_id", "integration_id", "integration_type", "id", "created_at"] as const;
const IMMUTABLE_CYCLES = ["enabled", "mode"] as const;

const SCHEDULE_FIELDS = ["schedule", "schedule_start_date", "schedule_end_date"] as const;
const CYCLE_MUTABLE = [
  "max_iterations",
  "cooldown_minutes",
  "filter_statuses",
  "filter_tags",
  ...SCHEDULE_FIELDS,
] as const;
const CYCLE_CREATE_KEYS = [...IMMUTABLE_CYCLES, ...CYCLE_MUTABLE] as const;

const MAX_ITERATIONS = [1, 50] as const; // [A]
const COOLDOWN_MINUTES = [1, 43200] as const; // [A]

/** Fields that belong to the other channel [D]: sending them is 400 INVALID_REQUEST. */
function otherChannelFields(type: Channel): readonly string[] {
  return type === "phone_call" ? ["template", "template_alt"] : ["first_message", "cycles"];
}

function rejectOtherChannel(body: Obj, type: Channel): void {
  for (const field of otherChannelFields(type)) {
    if (Object.prototype.hasOwnProperty.call(body, field)) {
      const owner = type === "phone_call" ? "whatsapp" : "phone_call";
      throw invalidRequest(field, `${field} belongs to ${owner} campaigns and cannot be sent on a ${type} campaign`);
    }
  }
}

function scheduledModeOnly(field: string, mode: string): AlturFailure {
  return new AlturFailure(
    400,
    "SCHEDULED_MODE_ONLY",
    `cycles.${field} is only valid when cycles.mode is "scheduled" (this campaign's mode is "${mode}")`,
    { field: `cycles.${field}` },
  );
}

function checkDateOrder(start: string | null, end: string | null): void {
  if (start !== null && end !== null && start > end) {
    throw validationError(
      "cycles.schedule_end_date",
      `cycles.schedule_end_date (${end}) must not be before cycles.schedule_start_date (${start})`,
    );
  }
}

function readCreateCycles(value: unknown): StoredCycles | null {
  if (value === null) return null;
  const c = requireObject(value, "cycles");
  if (has(c, "enabled")) readBoolean(c.enabled, "cycles.enabled");
  // [D] if enabled is false or omitted, the rest of the block is ignored.
  if (c.enabled !== true) return null;
  rejectUnknownKeys(c, CYCLE_CREATE_KEYS, "cycles.");
  if (!has(c, "mode")) {
    throw validationError("cycles.mode", "cycles.mode is required when cycles.enabled is true (cooldown or scheduled)");
  }
  const mode = readEnum(c.mode, "cycles.mode", CYCLE_MODES);
  if (mode !== "scheduled") {
    for (const f of SCHEDULE_FIELDS) if (Object.prototype.hasOwnProperty.call(c, f)) throw scheduledModeOnly(f, mode);
  }
  const cycles: StoredCycles = {
    mode,
    max_iterations: has(c, "max_iterations") ? readInt(c.max_iterations, "cycles.max_iterations", ...MAX_ITERATIONS) : null,
    cooldown_minutes: has(c, "cooldown_minutes")
      ? readInt(c.cooldown_minutes, "cycles.cooldown_minutes", ...COOLDOWN_MINUTES)
      : null,
    filter_statuses: has(c, "filter_statuses") ? readStringArray(c.filter_statuses, "cycles.filter_statuses") : [],
    filter_tags: has(c, "filter_tags") ? readStringArray(c.filter_tags, "cycles.filter_tags") : [],
    schedule: null,
    schedule_start_date: null,
    schedule_end_date: null,
    current_iteration: 0,
    last_iteration_at: null,
  };
  if (mode === "scheduled") {
    cycles.schedule = has(c, "schedule") ? readWeek(c.schedule, "cycles.schedule") : emptyWeek();
    cycles.schedule_start_date = has(c, "schedule_start_date") ? readDate(c.schedule_start_date, "cycles.schedule_start_date") : null;
    cycles.schedule_end_date = has(c, "schedule_end_date") ? readDate(c.schedule_end_date, "cycles.schedule_end_date") : null;
    checkDateOrder(cycles.schedule_start_date, cycles.schedule_end_date);
  }
  return cycles;
}

/** POST /campaigns. Validation order: body shape → unknown fields → required fields → channel rule → field types/ranges → agent/integration references. */
export function createCampaign(ctx: AlturContext, body: unknown): StoredCampaign {
  const b = requireObject(body, "body");
  rejectUnknownKeys(b, CREATE_KEYS, "");
  for (const key of REQUIRED_CREATE) {
    if (!has(b, key)) throw validationError(key, `${key} is required`);
  }
  const name = readString(b.name, "name", { max: 255, nonEmpty: true });
  const agentId = readString(b.agent_id, "agent_id", { nonEmpty: true });
  const integrationId = readString(b.integration_id, "integration_id", { nonEmpty: true });
  let type: Channel;
  if (has(b, "integration_type")) {
    type = readEnum(b.integration_type, "integration_type", CHANNELS);
  } else {
    const integration = INTEGRATIONS.find((i) => i.id === integrationId);
    if (!integration) throw notFound(`integration "${integrationId}" not found`);
    type = integration.type;
  }
  rejectOtherChannel(b, type);

  const description = has(b, "description") ? readNullableString(b.description, "description") : null;
  const timezone = has(b, "timezone") ? readTimezone(b.timezone, "timezone") : DEFAULT_TIMEZONE;
  const retries = has(b, "retries") ? readInt(b.retries, "retries", 0, 5) : null;
  const messageLimit = has(b, "message_limit") ? readInt(b.message_limit, "message_limit", 1, 10000) : null;
  const firstMessage = has(b, "first_message") ? readNullableString(b.first_message, "first_message") : null;
  const template = has(b, "template") ? readNullableString(b.template, "template") : null;
  const templateAlt = has(b, "template_alt") ? readNullableString(b.template_alt, "template_alt") : null;
  const scheduling = has(b, "scheduling") ? readWeek(b.scheduling, "scheduling") : emptyWeek();
  const cycles = has(b, "cycles") ? readCreateCycles(b.cycles) : null;

  const agent = AGENTS.find((a) => a.id === agentId);
  if (!agent) throw notFound(`agent "${agentId}" not found`);
  const integration = INTEGRATIONS.find((i) => i.id === integrationId);
  if (!integration) throw notFound(`integration "${integrationId}" not found`);
  if (integration.agent_id !== agent.id) {
    throw invalidRequest("integration_id", `integration "${integrationId}" does not belong to agent "${agentId}"`);
  }
  if (integration.type !== type) {
    throw invalidRequest(
      "integration_type",
      `integration "${integrationId}" is a ${integration.type} integration, not ${type}`,
    );
  }

  const now = ctx.nowIso();
  const campaign: StoredCampaign = {
    id: ctx.state.nextCampaignId++,
    name,
    description,
    timezone,
    retries,
    message_limit: messageLimit,
    agent_id: agentId,
    integration_id: integrationId,
    integration_type: type,
    first_message: firstMessage,
    template,
    template_alt: templateAlt,
    scheduling,
    cycles,
    status: "pending",
    archived: false,
    created_at: now,
    updated_at: now,
  };
  ctx.state.campaigns.set(campaign.id, campaign);
  return campaign;
}

/** Path id: a positive integer [D]; anything else is 400, an unknown integer 404. */
export function parseCampaignId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw validationError("id", `campaign id must be an integer, got ${show(text)}`);
  return Number(text);
}

export function findCampaign(ctx: AlturContext, id: number): StoredCampaign {
  const campaign = ctx.state.campaigns.get(id);
  if (!campaign) throw notFound(`campaign ${id} not found`);
  return campaign;
}

function finished(campaign: StoredCampaign, what: string): AlturFailure {
  return new AlturFailure(409, "CAMPAIGN_FINISHED", `campaign ${campaign.id} is finished and read-only: ${what}`, {
    current_status: "finished",
  });
}

export function assertNotFinished(campaign: StoredCampaign, what: string): void {
  if (campaign.status === "finished") throw finished(campaign, what);
}

/**
 * PATCH /campaigns/{id} [D + A]. Order (after auth and 404): CAMPAIGN_FINISHED → IMMUTABLE_FIELD →
 * CYCLES_NOT_ENABLED → SCHEDULED_MODE_ONLY → field validation (unknown fields, other-channel fields,
 * types, ranges). Everything is validated before anything is written.
 */
export function patchCampaign(ctx: AlturContext, campaign: StoredCampaign, body: unknown): void {
  assertNotFinished(campaign, "PATCH is not allowed");
  const b = requireObject(body, "body");
  const present = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

  for (const field of IMMUTABLE_TOP) {
    if (present(b, field)) {
      throw new AlturFailure(400, "IMMUTABLE_FIELD", `${field} cannot be changed after creation`, { field });
    }
  }
  const cyclesBody = present(b, "cycles") && isObject(b.cycles) ? b.cycles : null;
  if (cyclesBody) {
    for (const sub of IMMUTABLE_CYCLES) {
      if (present(cyclesBody, sub)) {
        throw new AlturFailure(400, "IMMUTABLE_FIELD", `cycles.${sub} cannot be changed after creation`, {
          field: `cycles.${sub}`,
        });
      }
    }
  }
  if (present(b, "cycles") && campaign.cycles === null) {
    throw new AlturFailure(400, "CYCLES_NOT_ENABLED", `campaign ${campaign.id} was created without cycles`, {
      field: "cycles",
    });
  }
  if (cyclesBody && campaign.cycles && campaign.cycles.mode !== "scheduled") {
    for (const f of SCHEDULE_FIELDS) if (present(cyclesBody, f)) throw scheduledModeOnly(f, campaign.cycles.mode);
  }

  rejectUnknownKeys(b, MUTABLE, "", " (status and archived change through POST /campaigns/{id}/{action})");
  rejectOtherChannel(b, campaign.integration_type);

  const next: StoredCampaign = { ...campaign };
  if (has(b, "name")) next.name = readString(b.name, "name", { max: 255, nonEmpty: true });
  if (present(b, "description")) next.description = readNullableString(b.description, "description");
  if (has(b, "timezone")) next.timezone = readTimezone(b.timezone, "timezone");
  if (present(b, "retries")) next.retries = readInt(b.retries, "retries", 0, 5);
  if (present(b, "message_limit")) next.message_limit = readInt(b.message_limit, "message_limit", 1, 10000);
  if (present(b, "first_message")) next.first_message = readNullableString(b.first_message, "first_message");
  if (present(b, "template")) next.template = readNullableString(b.template, "template");
  if (present(b, "template_alt")) next.template_alt = readNullableString(b.template_alt, "template_alt");
  if (present(b, "scheduling")) next.scheduling = mergeWeek(next.scheduling, readWeekPatch(b.scheduling, "scheduling"));
  if (present(b, "cycles") && campaign.cycles) {
    const c = requireObject(b.cycles, "cycles");
    rejectUnknownKeys(c, CYCLE_MUTABLE, "cycles.");
    const cy: StoredCycles = {
      ...campaign.cycles,
      filter_statuses: [...campaign.cycles.filter_statuses],
      filter_tags: [...campaign.cycles.filter_tags],
      schedule: campaign.cycles.schedule ? copyWeek(campaign.cycles.schedule) : null,
    };
    if (present(c, "max_iterations")) cy.max_iterations = readInt(c.max_iterations, "cycles.max_iterations", ...MAX_ITERATIONS);
    if (present(c, "cooldown_minutes")) {
      cy.cooldown_minutes = readInt(c.cooldown_minutes, "cycles.cooldown_minutes", ...COOLDOWN_MINUTES);
    }
    if (present(c, "filter_statuses")) cy.filter_statuses = readStringArray(c.filter_statuses, "cycles.filter_statuses");
    if (present(c, "filter_tags")) cy.filter_tags = readStringArray(c.filter_tags, "cycles.filter_tags");
    if (present(c, "schedule")) cy.schedule = mergeWeek(cy.schedule ?? emptyWeek(), readWeekPatch(c.schedule, "cycles.schedule"));
    if (present(c, "schedule_start_date")) cy.schedule_start_date = readDate(c.schedule_start_date, "cycles.schedule_start_date");
    if (present(c, "schedule_end_date")) cy.schedule_end_date = readDate(c.schedule_end_date, "cycles.schedule_end_date");
    checkDateOrder(cy.schedule_start_date, cy.schedule_end_date);
    next.cycles = cy;
  }
  if (Object.keys(b).length > 0) next.updated_at = ctx.nowIso();
  Object.assign(campaign, next);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export const ACTIONS = ["activate", "pause", "resume", "archive"] as const;
export type Action = (typeof ACTIONS)[number];

/** Transition table [D, src/providers/altur/README.md §4.5]: allowed sources, the target, and the sources that are successful no-ops. */
const TRANSITIONS: Record<Exclude<Action, "archive">, { from: readonly CampaignStatus[]; to: CampaignStatus; noop: readonly CampaignStatus[] }> = {
  activate: { from: ["pending", "ready", "cooldown"], to: "active", noop: [] },
  pause: { from: ["active", "cooldown"], to: "inactive", noop: ["inactive"] },
  resume: { from: ["inactive"], to: "active", noop: ["active"] },
};

/** Statuses reachable from `status` through a lifecycle action (the `valid_targets` of a 409). */
export function validTargets(status: CampaignStatus): CampaignStatus[] {
  const out = new Set<CampaignStatus>();
  for (const t of Object.values(TRANSITIONS)) if (t.from.includes(status)) out.add(t.to);
  return STATUSES.filter((s) => out.has(s));
}

export function parseAction(text: string): Action {
  const action = ACTIONS.find((a) => a === text);
  if (!action) {
    throw new AlturFailure(400, "UNKNOWN_ACTION", `unknown action ${show(text)}; allowed: ${ACTIONS.join(", ")}`, {
      valid_actions: [...ACTIONS],
    });
  }
  return action;
}

/** POST /campaigns/{id}/{action}. Lifecycle actions are allowed on archived campaigns [A]. */
export function runAction(ctx: AlturContext, campaign: StoredCampaign, action: Action): void {
  if (action === "archive") {
    if (!campaign.archived) {
      campaign.archived = true;
      campaign.updated_at = ctx.nowIso();
    }
    return;
  }
  const rule = TRANSITIONS[action];
  if (rule.noop.includes(campaign.status)) return;
  if (!rule.from.includes(campaign.status)) {
    throw new AlturFailure(
      409,
      "INVALID_STATUS_TRANSITION",
      `cannot ${action} a campaign in status "${campaign.status}" (allowed from: ${rule.from.join(", ")})`,
      { current_status: campaign.status, valid_targets: validTargets(campaign.status) },
    );
  }
  const limit = ctx.options.maxActiveCampaigns;
  if (rule.to === "active" && limit !== null) {
    let active = 0;
    for (const c of ctx.state.campaigns.values()) if (c.status === "active" && c.id !== campaign.id) active++;
    if (active >= limit) {
      throw new AlturFailure(
        402,
        "BILLING_LIMIT_REACHED",
        `plan limit reached: at most ${limit} active campaign${limit === 1 ? "" : "s"}`,
      );
    }
  }
  campaign.status = rule.to;
  campaign.updated_at = ctx.nowIso();
}

// ---------------------------------------------------------------------------------------------
// List

const LIST_PAGE_SIZE = { min: 1, max: 100, default: 50 } as const;

function parseDateFilter(text: string, field: string, endOfDay: boolean): number {
  if (isCalendarDate(text)) {
    const t = Date.parse(`${text}T00:00:00.000Z`);
    return endOfDay ? t + 86_400_000 - 1 : t;
  }
  const t = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) {
    throw validationError(field, `${field} must be an ISO 8601 date or date-time, got ${show(text)}`);
  }
  return t;
}

export function parsePageSize(raw: string | null, limits: { min: number; max: number; default: number }): number {
  if (raw === null) return limits.default;
  if (!/^\d+$/.test(raw) || Number(raw) < limits.min || Number(raw) > limits.max) {
    throw validationError("pageSize", `pageSize must be an integer between ${limits.min} and ${limits.max}, got ${show(raw)}`);
  }
  return Number(raw);
}

export function parseDirection(raw: string | null): "next" | "previous" {
  if (raw === null) return "next";
  if (raw !== "next" && raw !== "previous") {
    throw validationError("direction", `direction must be "next" or "previous", got ${show(raw)}`);
  }
  return raw;
}

/**
 * Cursor page over items sorted by ascending id. `cursor` marks a position (an id); direction
 * `next` returns the items after it, `previous` the items before it. Without a cursor, `next` starts
 * at the beginning and `previous` returns the last page.
 */
export function cursorPage<T extends { id: number }>(
  items: readonly T[],
  scope: string,
  query: URLSearchParams,
  limits: { min: number; max: number; default: number },
): { page: T[]; pagination: Record<string, unknown> } {
  const pageSize = parsePageSize(query.get("pageSize"), limits);
  const direction = parseDirection(query.get("direction"));
  const rawCursor = query.get("cursor");
  const position = rawCursor === null || rawCursor === "" ? null : decodeCursor(rawCursor, scope);
  let page: T[];
  if (direction === "next") {
    const after = position === null ? items : items.filter((i) => i.id > position);
    page = after.slice(0, pageSize);
  } else {
    const before = position === null ? items : items.filter((i) => i.id < position);
    page = before.slice(Math.max(0, before.length - pageSize));
  }
  const first = page[0];
  const last = page[page.length - 1];
  let hasNext: boolean;
  let hasPrevious: boolean;
  let nextAnchor: number | null;
  let prevAnchor: number | null;
  if (first !== undefined && last !== undefined) {
    hasNext = items.some((i) => i.id > last.id);
    hasPrevious = items.some((i) => i.id < first.id);
    nextAnchor = last.id;
    prevAnchor = first.id;
  } else if (position === null) {
    // Empty list.
    hasNext = hasPrevious = false;
    nextAnchor = prevAnchor = null;
  } else if (direction === "next") {
    // Walked past the end: everything left lies at or before the cursor.
    hasNext = false;
    hasPrevious = items.some((i) => i.id <= position);
    nextAnchor = null;
    prevAnchor = position + 1;
  } else {
    // Walked past the start: everything left lies at or after the cursor.
    hasNext = items.some((i) => i.id >= position);
    hasPrevious = false;
    nextAnchor = position - 1;
    prevAnchor = null;
  }
  return {
    page,
    pagination: {
      has_next: hasNext,
      has_previous: hasPrevious,
      next_cursor: hasNext && nextAnchor !== null ? encodeCursor(scope, nextAnchor) : null,
      previous_cursor: hasPrevious && prevAnchor !== null ? encodeCursor(scope, prevAnchor) : null,
    },
  };
}

/** GET /campaigns [D filters, A paging]. Archived campaigns are included with archived: true [A]. */
export function listCampaigns(ctx: AlturContext, query: URLSearchParams): { body: Record<string, unknown>; text: string } {
  let items = [...ctx.state.campaigns.values()];
  const agentId = query.get("agentId");
  if (agentId !== null && ctx.settings.agentIdFilter === "uuid4" && !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(agentId)) {
    // The revision that types the filter `format: uuid4` [D], enforced (src/providers/altur/README.md §11).
    throw validationError("agentId", `agentId must be a uuid4, got ${show(agentId)}`);
  }
  if (agentId !== null) items = items.filter((c) => c.agent_id === agentId);
  const status = query.get("status");
  if (status !== null) {
    const s = readEnum(status, "status", STATUSES);
    items = items.filter((c) => c.status === s);
  }
  const integration = query.get("integration");
  if (integration !== null) {
    const t = readEnum(integration, "integration", CHANNELS);
    items = items.filter((c) => c.integration_type === t);
  }
  const startDate = query.get("startDate");
  const endDate = query.get("endDate");
  if ((startDate === null) !== (endDate === null)) {
    const missing = startDate === null ? "startDate" : "endDate";
    throw validationError(missing, "startDate and endDate must be sent together");
  }
  if (startDate !== null && endDate !== null) {
    const from = parseDateFilter(startDate, "startDate", false);
    const to = parseDateFilter(endDate, "endDate", true);
    if (from > to) throw validationError("endDate", `endDate (${endDate}) must not be before startDate (${startDate})`);
    items = items.filter((c) => {
      const t = Date.parse(c.created_at);
      return t >= from && t <= to;
    });
  }
  const { page, pagination } = cursorPage(items, "campaigns", query, LIST_PAGE_SIZE);
  const listed = page.map((c) => cachedListItem(ctx.state, c));
  const body = { total_count: items.length, campaigns: listed.map((l) => l.item), pagination };
  // JSON.stringify(body), from the items' texts.
  const text = `{"total_count":${items.length},"campaigns":[${listed.map((l) => l.json).join(",")}],"pagination":${JSON.stringify(pagination)}}`;
  return { body, text };
}

/** The campaign's list item and its text, built once while nothing changes (AlturState.listItems). */
function cachedListItem(state: AlturState, c: StoredCampaign): { item: Readonly<Record<string, unknown>>; json: string } {
  let listed = state.listItems.get(c);
  if (listed === undefined) {
    const item = deepFreeze(listItemOf(c));
    listed = { item, json: JSON.stringify(item) };
    state.listItems.set(c, listed);
  }
  return listed;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export { detailOf };
