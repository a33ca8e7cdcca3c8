import type { ImportRules } from "../types.js";

/** How `campaignctl import` writes a live Puffle campaign as a spec. */
export const importRules: ImportRules = {
  status: {
    draft: { to: "draft" },
    launching: { to: "active" },
    active: { to: "active" },
    paused: { to: "paused" },
    completed: {
      note: "status: not imported — the campaign is completed, which is final at Puffle (no action leads out of it); campaignctl leaves it as it is.",
    },
  },
  // README.md §7: the server gives every node the fields of its type with these values.
  defaults: [
    { path: "sequence_nodes.*.include_message", value: false },
    { path: "sequence_nodes.*.is_reply", value: false },
    { path: "sequence_nodes.*.delay_days", value: 0 },
    { path: "sequence_nodes.*.delay_hours", value: 0 },
    { path: "sequence_nodes.*.delay_minutes", value: 0 },
  ],
  notes: (spec) =>
    spec.type === "email"
      ? ["account_limits: not imported — Puffle never returns per-sender limits; add them here to manage them."]
      : [],
};
