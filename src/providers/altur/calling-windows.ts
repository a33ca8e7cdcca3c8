import type { CallingWindow } from "../../core/guardrails/calling-hours.js";
import { WEEKDAYS } from "../../core/guardrails/calling-hours.js";
import { isJsonObject, type JsonObject } from "../../core/json.js";

/** Altur's default `timezone` when a campaign omits it [D, README.md §4.1]. */
export const DEFAULT_TIMEZONE = "America/Mexico_City";

/**
 * The calling windows of a phone campaign (docs/design.md §14): each active day of `scheduling` and, in
 * `scheduled` cycle mode, of `cycles.schedule`, read in the campaign's `timezone` [D, README.md §4.1, §5].
 * WhatsApp campaigns place no calls: none. Day objects are written with `stopTime` (create and PATCH);
 * `endTime` is read too (one doc revision's spelling, README.md §3.2).
 */
export function callingWindows(spec: JsonObject): CallingWindow[] {
  if (spec.integration_type !== "phone_call") return [];
  const timezone = typeof spec.timezone === "string" ? spec.timezone : DEFAULT_TIMEZONE;
  const windows: CallingWindow[] = [];
  const read = (schedule: unknown, path: readonly string[]) => {
    if (!isJsonObject(schedule)) return;
    for (const day of WEEKDAYS) {
      const d = schedule[day];
      if (!isJsonObject(d) || d.active === false) continue;
      const end = d.stopTime ?? d.endTime;
      if (typeof d.startTime !== "string" || typeof end !== "string") continue;
      windows.push({ path: [...path, day], day, start: d.startTime, end, timezone });
    }
  };
  read(spec.scheduling, ["scheduling"]);
  const cycles = spec.cycles;
  if (isJsonObject(cycles) && cycles.enabled !== false && (cycles.mode === "scheduled" || cycles.mode === undefined)) read(cycles.schedule, ["cycles", "schedule"]);
  return windows;
}
