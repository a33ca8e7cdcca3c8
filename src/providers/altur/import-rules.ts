import { isJsonObject, type JsonObject } from "../../core/json.js";
import type { ImportRules } from "../types.js";

/**
 * README.md §3.3: no documented response carries `integration_type` or `cycles.mode`, yet the
 * spec requires them. Infer them from the fields that only one channel / one mode has, and say so in
 * the file; both are immutable, and the state written by import records them, so a wrong guess never
 * plans a replace — it only decides which fields `validate` allows.
 */
function complete(spec: JsonObject): string[] {
  const notes: string[] = [];
  const cycles = isJsonObject(spec.cycles) ? spec.cycles : undefined;
  if (spec.integration_type === undefined) {
    let type: "phone_call" | "whatsapp" = "phone_call";
    let why = "nothing in the campaign tells the channel, so phone_call is assumed";
    if (spec.template !== undefined || spec.template_alt !== undefined) {
      type = "whatsapp";
      why = "inferred from its WhatsApp template";
    } else if (spec.first_message !== undefined) {
      why = "inferred from its first_message (phone calls only)";
    } else if (cycles?.enabled === true) {
      why = "inferred from its cycles (phone calls only)";
    }
    spec.integration_type = type;
    notes.push(`integration_type: Altur does not return it; ${why} — check it (it cannot change after creation).`);
  }
  if (cycles && cycles.enabled === true && cycles.mode === undefined) {
    const scheduled = cycles.schedule !== undefined || cycles.schedule_start_date !== undefined || cycles.schedule_end_date !== undefined;
    cycles.mode = scheduled ? "scheduled" : "cooldown";
    notes.push(
      `cycles.mode: Altur does not return it; ${scheduled ? "scheduled is inferred from the cycle schedule" : "cooldown is assumed (the campaign has no cycle schedule)"} — check it (it cannot change after creation).`,
    );
  }
  notes.push(
    "message_limit, template_alt: Altur does not return them, so they are left out — add them if the campaign uses them (the next apply then sets them).",
  );
  return notes;
}

/** How `campaignctl import` writes a live Altur campaign as a spec. */
export const importRules: ImportRules = {
  complete,
  status: {
    active: { to: "active" },
    cooldown: { to: "active" },
    inactive: { to: "inactive" },
    pending: { note: "status: not imported — the campaign has not been activated yet (pending); add `status: active` to start it." },
    ready: { note: "status: not imported — the campaign has not been activated yet (ready); add `status: active` to start it." },
    finished: {
      note: "status: not imported — the campaign is finished, and Altur keeps finished campaigns read-only; campaignctl leaves it as it is.",
    },
  },
  // README.md §4.1 and §5: default time zone, missing weekdays, campaigns without cycles.
  defaults: [
    { path: "timezone", value: "America/Mexico_City" },
    { path: "scheduling.*", value: { active: false } },
    { path: "cycles.schedule.*", value: { active: false } },
    { path: "cycles", value: { enabled: false } },
    { path: "archived", value: false },
  ],
};
