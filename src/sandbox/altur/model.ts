/** Altur simulator data model: stored records, fixtures, and the detail / list / contact shapes. */

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type DayKey = (typeof DAYS)[number];

/** A weekday window [D]: `{ startTime, stopTime, active }`; an inactive day may omit the times. */
export interface Day {
  startTime?: string;
  stopTime?: string;
  active: boolean;
}
export type Week = Record<DayKey, Day>;

export const CHANNELS = ["phone_call", "whatsapp"] as const;
export type Channel = (typeof CHANNELS)[number];

export const STATUSES = ["pending", "ready", "active", "inactive", "cooldown", "finished"] as const;
export type CampaignStatus = (typeof STATUSES)[number];

export const CYCLE_MODES = ["cooldown", "scheduled"] as const;
export type CycleMode = (typeof CYCLE_MODES)[number];

export const DEFAULT_TIMEZONE = "America/Mexico_City";

/** Contact statuses [D]: phone + WhatsApp, plus the extra filter values some revisions list. */
export const CONTACT_STATUSES = [
  "queue",
  "sending",
  "sent",
  "delivered",
  "read",
  "accepted",
  "rejected",
  "failed",
  "retrying",
  "converted",
  "voicemail",
  "answered",
  "no-answer",
  "busy",
  "unreachable",
] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

export interface StoredCycles {
  mode: CycleMode;
  max_iterations: number | null;
  cooldown_minutes: number | null;
  filter_statuses: string[];
  filter_tags: string[];
  /** Only in `scheduled` mode (full week); null in `cooldown` mode. */
  schedule: Week | null;
  schedule_start_date: string | null;
  schedule_end_date: string | null;
  current_iteration: number;
  last_iteration_at: string | null;
}

export interface StoredCampaign {
  id: number;
  name: string;
  description: string | null;
  timezone: string;
  retries: number | null;
  message_limit: number | null;
  agent_id: string;
  integration_id: string;
  integration_type: Channel;
  first_message: string | null;
  template: string | null;
  template_alt: string | null;
  scheduling: Week;
  /** null = created without cycles (or with `enabled: false`). */
  cycles: StoredCycles | null;
  status: CampaignStatus;
  archived: boolean;
  created_at: string;
  updated_at: string;
}

export interface StoredContact {
  id: number;
  campaign_id: number;
  f_id: string | null;
  name: string | null;
  /** Phone number, normalised to `+<digits>`. */
  contact: string;
  status: ContactStatus;
  context: string | null;
  extracted_data: Record<string, unknown>;
  tags: string[];
  retries: number;
  has_follow_up: boolean;
  call_count: number;
  billed_duration: number;
  last_call_at: string | null;
  created_at: string;
}

export interface Agent {
  id: string;
  name: string;
}
export interface Integration {
  id: string;
  agent_id: string;
  type: Channel;
}

/** Fixtures [docs/design.md §8]: `agent_demo_01` owns both integrations; `agent_demo_02` owns none. */
export const AGENTS: readonly Agent[] = [
  { id: "agent_demo_01", name: "Demo Agent" },
  { id: "agent_demo_02", name: "Demo Agent Without Integrations" },
];
export const INTEGRATIONS: readonly Integration[] = [
  { id: "integ_phone_01", agent_id: "agent_demo_01", type: "phone_call" },
  { id: "integ_wa_01", agent_id: "agent_demo_01", type: "whatsapp" },
];

export function emptyWeek(): Week {
  const off = (): Day => ({ active: false });
  return { mon: off(), tue: off(), wed: off(), thu: off(), fri: off(), sat: off(), sun: off() };
}

export function copyDay(d: Day): Day {
  // Branches, not conditional spreads: every list page copies 700 days, and a spread builds a throwaway
  // object per key (it was the simulator's largest cost when 60 accounts list at once).
  if (d.startTime !== undefined && d.stopTime !== undefined) return { startTime: d.startTime, stopTime: d.stopTime, active: d.active };
  if (d.startTime !== undefined) return { startTime: d.startTime, active: d.active };
  if (d.stopTime !== undefined) return { stopTime: d.stopTime, active: d.active };
  return { active: d.active };
}

export function copyWeek(w: Week): Week {
  const out = emptyWeek();
  for (const k of DAYS) out[k] = copyDay(w[k]);
  return out;
}

function agentOf(c: StoredCampaign): Agent {
  return AGENTS.find((a) => a.id === c.agent_id) ?? { id: c.agent_id, name: c.agent_id };
}

/**
 * Detail shape [D, src/providers/altur/README.md §3.1] — GET /campaigns/{id}, create, PATCH and lifecycle responses — exactly the keys
 * of the documented example: id, name, integration{id}, agent{id,name}, created_at, scheduling,
 * cycles{enabled, max_iterations, cooldown_minutes, filter_statuses, filter_tags, schedule,
 * schedule_start_date, schedule_end_date}. No status, archived, description, timezone, retries,
 * message_limit, first_message, template, template_alt, integration_type, cycles.mode, updated_at.
 * No `analytics` (the simulator never has a snapshot). A campaign without cycles [A]: the same keys,
 * `enabled: false`, nulls and empty lists.
 */
export function detailOf(c: StoredCampaign): Record<string, unknown> {
  const cy = c.cycles;
  return {
    id: c.id,
    name: c.name,
    integration: { id: c.integration_id },
    agent: { ...agentOf(c) },
    created_at: c.created_at,
    scheduling: copyWeek(c.scheduling),
    cycles: {
      enabled: cy !== null,
      max_iterations: cy ? cy.max_iterations : null,
      cooldown_minutes: cy ? cy.cooldown_minutes : null,
      filter_statuses: cy ? [...cy.filter_statuses] : [],
      filter_tags: cy ? [...cy.filter_tags] : [],
      schedule: cy?.schedule ? copyWeek(cy.schedule) : null,
      schedule_start_date: cy ? cy.schedule_start_date : null,
      schedule_end_date: cy ? cy.schedule_end_date : null,
    },
  };
}

/**
 * Everything the simulator stores, in one object — NOT an Altur response. Only for the test-only
 * control endpoint GET /__sandbox/campaigns (and `listCampaigns()`), so tests can assert values no
 * documented response carries (status in a detail, integration_type, cycles.mode, message_limit, ...).
 */
export function storedViewOf(c: StoredCampaign): Record<string, unknown> {
  const cy = c.cycles;
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    archived: c.archived,
    agent: { ...agentOf(c) },
    integration: { id: c.integration_id },
    integration_type: c.integration_type,
    timezone: c.timezone,
    retries: c.retries,
    message_limit: c.message_limit,
    first_message: c.first_message,
    template: c.template,
    template_alt: c.template_alt,
    scheduling: copyWeek(c.scheduling),
    cycles: cy
      ? {
          enabled: true,
          mode: cy.mode,
          max_iterations: cy.max_iterations,
          cooldown_minutes: cy.cooldown_minutes,
          filter_statuses: [...cy.filter_statuses],
          filter_tags: [...cy.filter_tags],
          schedule: cy.schedule ? copyWeek(cy.schedule) : null,
          schedule_start_date: cy.schedule_start_date,
          schedule_end_date: cy.schedule_end_date,
          current_iteration: cy.current_iteration,
          last_iteration_at: cy.last_iteration_at,
        }
      : {
          enabled: false,
          mode: null,
          max_iterations: null,
          cooldown_minutes: null,
          filter_statuses: [],
          filter_tags: [],
          schedule: null,
          schedule_start_date: null,
          schedule_end_date: null,
          current_iteration: 0,
          last_iteration_at: null,
        },
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

/**
 * Flat list item [D, src/providers/altur/README.md §3], exactly the documented keys: id, name, description, status, created_at,
 * agent{id,name}, scheduling, timezone, retries, archived, template, first_message, concurrency_limit,
 * cycle_enabled, cycle_max_iterations, cycle_cooldown_minutes, cycle_filter_statuses,
 * cycle_filter_tags, cycle_current_iteration, cycle_last_iteration_at.
 * Lacks (detail only): integration{id}, integration_type, template_alt, message_limit, cycles.mode,
 * cycles.schedule, cycles.schedule_start_date, cycles.schedule_end_date, updated_at.
 */
export function listItemOf(c: StoredCampaign): Record<string, unknown> {
  const cy = c.cycles;
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    status: c.status,
    created_at: c.created_at,
    agent: { ...agentOf(c) },
    scheduling: copyWeek(c.scheduling),
    timezone: c.timezone,
    retries: c.retries,
    archived: c.archived,
    template: c.template,
    first_message: c.first_message,
    // Not settable through the API; the simulator has no concurrency model [A].
    concurrency_limit: null,
    cycle_enabled: cy !== null,
    cycle_max_iterations: cy ? cy.max_iterations : null,
    cycle_cooldown_minutes: cy ? cy.cooldown_minutes : null,
    cycle_filter_statuses: cy ? [...cy.filter_statuses] : [],
    cycle_filter_tags: cy ? [...cy.filter_tags] : [],
    cycle_current_iteration: cy ? cy.current_iteration : 0,
    cycle_last_iteration_at: cy ? cy.last_iteration_at : null,
  };
}

/** Contact item [D, src/providers/altur/README.md §4.6]: f_id, id, name, contact, status, context, retries, has_follow_up, call_count, billed_duration, last_call_at, extracted_data, tags. */
export function contactOf(c: StoredContact): Record<string, unknown> {
  return {
    id: c.id,
    f_id: c.f_id,
    name: c.name,
    contact: c.contact,
    status: c.status,
    context: c.context,
    retries: c.retries,
    has_follow_up: c.has_follow_up,
    call_count: c.call_count,
    billed_duration: c.billed_duration,
    last_call_at: c.last_call_at,
    extracted_data: structuredClone(c.extracted_data),
    tags: [...c.tags],
  };
}
