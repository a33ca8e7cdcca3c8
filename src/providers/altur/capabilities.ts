import type { KindCapabilities } from "../../core/capabilities.js";

/** README.md §4.4 (PATCH rules), §4.5 (lifecycle), §7 (immutable fields). */
export const capabilities: KindCapabilities = {
  readable: true,
  updateMode: "patch",
  // PATCH merges scheduling and cycles.schedule per day key, and cycles per sub-field.
  mergePaths: ["scheduling", "cycles", "cycles.schedule"],
  opaquePaths: [],
  immutable: ["agent_id", "integration_id", "integration_type", "cycles.enabled", "cycles.mode"],
  readOnlyStatuses: {
    finished: {
      reason: "finished Altur campaigns are read-only (any PATCH answers 409 CAMPAIGN_FINISHED)",
      unblock: "create a new campaign under another metadata.name",
    },
  },
  fields: [],
  lifecycle: {
    statusField: "status",
    // cooldown is the system's pause between cycle iterations of a running campaign; pending/ready never ran.
    satisfies: { active: ["active", "cooldown"], inactive: ["inactive", "pending", "ready"] },
    actions: [
      { name: "pause", from: ["active", "cooldown"], to: "inactive", phase: "before-edit" },
      { name: "activate", from: ["pending", "ready"], to: "active", phase: "after-edit", reaches: "starts" },
      { name: "resume", from: ["inactive"], to: "active", phase: "after-edit", reaches: "resumes" },
      { name: "archive", from: ["pending", "ready", "active", "inactive", "cooldown", "finished"], setsFlag: "archived", phase: "last" },
    ],
    flags: { archived: "archive" },
    terminal: {
      finished: { reason: "finished Altur campaigns cannot change status", unblock: "create a new campaign under another metadata.name" },
    },
    initialStatus: "pending",
    // It calls (or messages) contacts while active, and between cycle iterations it is still running.
    running: ["active", "cooldown"],
  },
  createFields: [
    "name", "agent_id", "integration_id", "integration_type", "description", "timezone", "retries",
    "message_limit", "first_message", "template", "template_alt", "scheduling", "cycles",
  ],
  createRequired: ["name", "agent_id", "integration_id", "integration_type"],
  defaults: {},
  unorderedPaths: ["cycles.filter_statuses", "cycles.filter_tags"],
  // README.md §3.3: returned by neither the list item nor the detail (nor PATCH/lifecycle answers).
  writeOnlyFields: ["integration_type", "message_limit", "template_alt", "cycles.mode"],
  nameField: "name",
  writeAnswerIsDetail: { basis: "README.md §3: PATCH and lifecycle answers carry the detail (`campaign`), the same shape as GET /campaigns/{id}" },
  // Contacts in `queue` have not been called yet: only they move to the new version.
  newVersion: { stop: ["pause"], notContacted: ["queue"] },
  // Altur has no delete: a pruned campaign is archived (its calls and contacts stay readable).
  prune: { keep: ["archive"] },
  retire: { action: "archive", order: "after-create", describe: "Altur has no delete: the old campaign is archived after the new one is created" },
};
