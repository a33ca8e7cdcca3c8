/**
 * Realistic campaign specs for the benchmarks, one generator per provider, deterministic in `i`.
 * Every spec is valid against the schemas and the sandbox fixtures (docs/design.md §8), so the same
 * spec can seed the sandbox, be written as a campaign file, and be recorded as last applied in state.
 */
import type { JsonObject } from "../../src/core/json.js";

export const EXTROVERT_OWNER = "e0000000-0000-4000-8000-000000000001";
export const EXTROVERT_STYLE = "e0000000-0000-4000-8000-000000000002";
export const EXTROVERT_CONTEXT = "e0000000-0000-4000-8000-000000000003";
export const EXTROVERT_TOPIC = "e0000000-0000-4000-8000-000000000004";
export const PUFFLE_LINKEDIN_SENDER = "f0000000-0000-4000-8000-000000000001";
export const PUFFLE_EMAIL_SENDERS = ["f0000000-0000-4000-8000-000000000002", "f0000000-0000-4000-8000-000000000003"];

const week = (start: string, stop: string, days: readonly string[]): JsonObject =>
  Object.fromEntries(days.map((d) => [d, { startTime: start, stopTime: stop, active: true }]));

/**
 * Altur: i % 10 in 0..5 a phone campaign whose managed fields the list carries (no detail GET once its
 * immutable fields are in state); 6..7 a phone campaign managing message_limit (detail only); 8..9 a
 * WhatsApp campaign managing template_alt (detail only).
 */
export function alturSpec(i: number): JsonObject {
  const variant = i % 10;
  const name = `Bench Altur ${String(i).padStart(5, "0")}`;
  if (variant >= 8) {
    return {
      name,
      agent_id: "agent_demo_01",
      integration_id: "integ_wa_01",
      integration_type: "whatsapp",
      status: i % 3 === 0 ? "inactive" : "active",
      description: `Appointment reminders, region ${i % 17}`,
      timezone: "America/Mexico_City",
      retries: 1,
      message_limit: 500 + (i % 500),
      template: "appointment_reminder_v2",
      template_alt: "appointment_reminder_short",
      scheduling: week("08:00", "20:00", ["mon", "tue", "wed", "thu", "fri"]),
    };
  }
  return {
    name,
    agent_id: "agent_demo_01",
    integration_id: "integ_phone_01",
    integration_type: "phone_call",
    status: i % 4 === 0 ? "inactive" : "active",
    description: `Reactivation wave ${i % 23}`,
    timezone: i % 2 === 0 ? "America/Mexico_City" : "America/Bogota",
    retries: i % 4,
    ...(variant >= 6 ? { message_limit: 100 + (i % 400) } : {}),
    first_message: `Hola, le llamo de parte de Acme por su cuenta ${i}.`,
    scheduling: { ...week("09:00", "17:00", ["mon", "tue", "wed", "thu"]), fri: { startTime: "09:00", stopTime: "14:00", active: true } },
    cycles: { enabled: true, mode: "cooldown", max_iterations: 3 + (i % 5), cooldown_minutes: 720, filter_statuses: ["voicemail", "failed"] },
  };
}

/** Puffle: even i email, odd i LinkedIn; every 20th spec leaves sequence_nodes unmanaged (no detail GET). */
export function puffleSpec(i: number): JsonObject {
  const name = `Bench Puffle ${String(i).padStart(5, "0")}`;
  const status = i % 5 === 0 ? "draft" : i % 5 === 1 ? "paused" : "active";
  const manageNodes = i % 20 !== 7;
  if (i % 2 === 0) {
    return {
      type: "email",
      name,
      status,
      sender_account_ids: PUFFLE_EMAIL_SENDERS.slice(0, i % 4 === 0 ? 2 : 1),
      daily_limit: 20 + (i % 100),
      stop_on_reply: true,
      open_tracking: i % 3 === 0,
      signature: "%sender_first_name% %sender_last_name%, Customer Success",
      ...(manageNodes
        ? {
            sequence_nodes: [
              { type: "email", subject: `{{first_name}}, a question about plan ${i}`, body: "Hi {{first_name}},\n\nDo you have 15 minutes this week?\n" },
              { type: "delay", delay_days: 2 + (i % 3) },
              { type: "email", is_reply: true, body: "Following up in case this got buried, {{first_name}}." },
              { type: "end" },
            ],
          }
        : {}),
    };
  }
  return {
    type: "linkedin",
    name,
    status,
    sender_account_ids: [PUFFLE_LINKEDIN_SENDER],
    skip_other_campaigns: i % 3 === 0,
    operating_hours: {
      timezone: "Europe/Berlin",
      days: {
        mon: { enabled: true, start: "09:00", end: "17:00" },
        tue: { enabled: true, start: "09:00", end: "17:00" },
        wed: { enabled: true, start: "09:00", end: "17:00" },
        thu: { enabled: true, start: "09:00", end: "17:00" },
        fri: { enabled: true, start: "09:00", end: "15:00" },
      },
    },
    ...(manageNodes
      ? {
          sequence_nodes: [
            { type: "connection_request", include_message: true, body: `Hi {{first_name}}, I work with engineering leaders (segment ${i % 31}). Happy to connect.` },
            { type: "delay", delay_days: 3 },
            { type: "message", body: "Thanks for connecting, {{first_name}}! Would a 15-minute chat be useful next week?" },
            { type: "end" },
          ],
        }
      : {}),
  };
}

export function extrovertSpec(i: number): JsonObject {
  const topic = i % 2 === 0;
  return {
    ownerId: EXTROVERT_OWNER,
    type: topic ? "KEYWORD" : "TARGET_USER",
    name: `Bench Extrovert ${String(i).padStart(5, "0")}`,
    userStyleId: EXTROVERT_STYLE,
    userContextId: EXTROVERT_CONTEXT,
    postMaxAgeDays: 30,
    skipTeammatesLeads: !topic,
    isIndirectEngagementEnabled: false,
    postActivityFilter: {
      emotionTypes: [],
      monitoredTopicIds: topic ? [EXTROVERT_TOPIC] : [],
      isShowImportantTargetUsersFirstEnabled: !topic,
      isShowDirectPostFirstEnabled: true,
      minPostLikes: 5 + (i % 40),
    },
    connectingSettings: {
      isSendConnectionRequestEnabled: !topic,
      sendConnectionRequestOnDirectCommentCount: topic ? 0 : 2,
      isSendConnectionRequestOnIndirectCommentEnabled: false,
      sendConnectionRequestOnIndirectCommentCount: topic ? 0 : 3,
      isSendConnectionRequestOnTimeoutEnabled: false,
      sendConnectionRequestOnTimeoutDays: topic ? 0 : 14,
      isSendConnectionRequestOnNoPostsEnabled: false,
    },
    dmSettings: {
      isGenerateDmEnabled: false,
      isGenerateDmOnConnectEnabled: false,
      generateDmOnConnectAfterDaysCount: topic ? 0 : 1,
      isGenerateDmOnRelevantPostEnabled: false,
      generateDmOnRelevantPostAfterDaysCount: topic ? 0 : 1,
      isGenerateDmOnTimeoutEnabled: false,
      generateDmOnTimeoutAfterDaysCount: topic ? 0 : 7,
    },
    applyCommentIntervalH: 48,
  };
}

/** metadata.name of the i-th campaign of a provider. */
export function fileName(provider: string, i: number): string {
  return `bench-${provider}-${String(i).padStart(5, "0")}`;
}
