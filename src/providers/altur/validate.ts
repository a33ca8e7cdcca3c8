import type { AlturCycles, AlturSpec, AlturWeekSchedule } from "../generated/campaign.js";
import { closest } from "../../core/suggest.js";
import { reportOtherChannelFields } from "../channel-fields.js";
import type { SpecCheckContext, SpecPath, SpecValidator } from "../types.js";

type Channel = AlturSpec["integration_type"];

/** Fields that belong to one channel only; Altur answers the other channel's with 400 INVALID_REQUEST. */
const CHANNEL_FIELDS: Record<Channel, readonly (keyof AlturSpec)[]> = {
  phone_call: ["first_message", "cycles"],
  whatsapp: ["template", "template_alt"],
};

const SCHEDULE_FIELDS = ["schedule", "schedule_start_date", "schedule_end_date"] as const satisfies readonly (keyof AlturCycles)[];


/**
 * Offline Altur rules: channel-only fields, cycles (mode required when enabled, schedule fields
 * only in scheduled mode, fields ignored while disabled), calling windows (startTime < stopTime on
 * active days), schedule dates (real dates, start ≤ end) and IANA time zones.
 */
export const validateSpec: SpecValidator = (raw, ctx) => {
  // Runs after the JSON Schema passed, so the spec has the generated type's shape.
  const spec = raw as unknown as AlturSpec;
  const channel = spec.integration_type;

  reportOtherChannelFields(raw, ctx, { code: "ALTUR_CHANNEL_FIELD", channelField: "integration_type", fields: CHANNEL_FIELDS, consequence: "Altur rejects it with INVALID_REQUEST" });

  if (spec.timezone !== undefined && !isTimeZone(spec.timezone)) {
    const suggestion = closest(spec.timezone, timeZones());
    ctx.report(
      ["timezone"],
      "ALTUR_TIMEZONE",
      `timezone "${spec.timezone}" is not an IANA time zone name${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; allowed: a name such as "America/Mexico_City", "Europe/Madrid" or "UTC"`,
    );
  }

  if (spec.scheduling) checkWeek(spec.scheduling, ["scheduling"], ctx);
  if (spec.cycles && channel === "phone_call") checkCycles(spec.cycles, ctx);
};

function checkCycles(cycles: AlturCycles, ctx: SpecCheckContext): void {
  if (cycles.enabled !== true) {
    const state = cycles.enabled === false ? "false" : "not set";
    for (const field of Object.keys(cycles) as (keyof AlturCycles)[]) {
      if (field === "enabled") continue;
      ctx.report(
        ["cycles", field],
        "ALTUR_CYCLES_IGNORED",
        `cycles.${field} is ignored because cycles.enabled is ${state}; set enabled: true to use cycles (possible only when the campaign is created)`,
        "warning",
        "key",
      );
    }
    return;
  }
  if (cycles.mode === undefined) {
    ctx.report(["cycles", "mode"], "ALTUR_CYCLES_MODE_REQUIRED", `cycles.mode is required when cycles.enabled is true; allowed: cooldown, scheduled`, "error", "key");
    return;
  }
  if (cycles.mode !== "scheduled") {
    for (const field of SCHEDULE_FIELDS) {
      if (cycles[field] === undefined) continue;
      ctx.report(
        ["cycles", field],
        "ALTUR_SCHEDULED_MODE_ONLY",
        `cycles.${field} is only allowed when cycles.mode is "scheduled", but it is "${cycles.mode}"; remove it or use scheduled mode (mode is fixed at creation)`,
        "error",
        "key",
      );
    }
    return;
  }
  if (cycles.schedule) checkWeek(cycles.schedule, ["cycles", "schedule"], ctx);
  const start = checkDate(cycles.schedule_start_date, "schedule_start_date", ctx);
  const end = checkDate(cycles.schedule_end_date, "schedule_end_date", ctx);
  if (start && end && end < start) {
    ctx.report(
      ["cycles", "schedule_end_date"],
      "ALTUR_DATE_ORDER",
      `cycles.schedule_end_date "${end}" is before cycles.schedule_start_date "${start}"; the end date must be on or after the start date`,
    );
  }
}

/** Returns the date when it is a real calendar date; reports it otherwise. */
function checkDate(value: string | undefined, field: string, ctx: SpecCheckContext): string | undefined {
  if (value === undefined) return undefined;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d) return value;
  ctx.report(["cycles", field], "ALTUR_DATE", `cycles.${field} "${value}" is not a calendar date; allowed: a real date YYYY-MM-DD, such as 2025-07-01`);
  return undefined;
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const satisfies readonly (keyof AlturWeekSchedule)[];

function checkWeek(week: AlturWeekSchedule, at: SpecPath, ctx: SpecCheckContext): void {
  const name = at.join(".");
  for (const day of DAYS) {
    const window = week[day];
    if (!window?.active) continue;
    const missing = (["startTime", "stopTime"] as const).filter((f) => window[f] === undefined);
    if (missing.length > 0) {
      ctx.report(
        [...at, day, missing[0]!],
        "ALTUR_DAY_WINDOW",
        `${name}.${day} is active but has no ${missing.join(" or ")}; an active day needs startTime and stopTime as HH:MM`,
        "error",
        "key",
      );
      continue;
    }
    // Both HH:MM (the schema checked the pattern), so string order is time order.
    if (window.startTime! >= window.stopTime!) {
      ctx.report(
        [...at, day, "stopTime"],
        "ALTUR_TIME_ORDER",
        `${name}.${day}.stopTime "${window.stopTime}" must be later than startTime "${window.startTime}"`,
      );
    }
  }
}

let zones: Set<string> | undefined;

function timeZones(): Set<string> {
  zones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);
  return zones;
}

/** Shape of an IANA zone name or link: "UTC", "America/Mexico_City", "Etc/GMT+5" — not "+01:00" or "utc". */
const IANA_NAME = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * An IANA time zone: one of the canonical names ICU lists, "UTC", or an IANA link ICU resolves
 * (its list omits links such as "Asia/Kolkata" or "US/Eastern", which servers accept).
 */
function isTimeZone(name: string): boolean {
  if (timeZones().has(name)) return true;
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
