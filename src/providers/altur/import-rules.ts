import type { ImportRules } from "../types.js";

/** How `campaignctl import` writes a live Altur campaign as a spec. */
export const importRules: ImportRules = {
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
  // providers/altur.md §4.1 and §5: default time zone, missing weekdays, campaigns without cycles.
  defaults: [
    { path: "timezone", value: "America/Mexico_City" },
    { path: "scheduling.*", value: { active: false } },
    { path: "cycles.schedule.*", value: { active: false } },
    { path: "cycles", value: { enabled: false } },
    { path: "archived", value: false },
  ],
};
