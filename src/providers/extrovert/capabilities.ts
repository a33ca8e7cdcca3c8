import type { KindCapabilities } from "../../core/capabilities.js";

const BODY_FIELDS = [
  "ownerId", "type", "name", "userStyleId", "userContextId", "postMaxAgeDays", "skipTeammatesLeads",
  "isIndirectEngagementEnabled", "postActivityFilter", "connectingSettings", "dmSettings", "applyCommentIntervalH",
];

/** providers/extrovert.md §4 (write shape), §6 (no lifecycle), §7 (immutable fields). */
export const capabilities: KindCapabilities = {
  // No documented read endpoint: live state is the last applied body recorded in state.
  readable: false,
  // PATCH is a full replacement: every required field on every update.
  updateMode: "full-body",
  mergePaths: [],
  opaquePaths: [],
  immutable: ["ownerId", "type"],
  readOnlyStatuses: {},
  fields: [],
  lifecycle: { satisfies: {}, actions: [] },
  createFields: BODY_FIELDS,
  createRequired: BODY_FIELDS.filter((f) => f !== "applyCommentIntervalH"),
  // Documented: postMaxAgeDays is ignored at runtime, "pass 30"; indirect engagement defaults to false.
  defaults: { postMaxAgeDays: 30, isIndirectEngagementEnabled: false },
  // Shown as added/removed members in plans (the planner compares postActivityFilter whole).
  unorderedPaths: ["postActivityFilter.monitoredTopicIds"],
  writeOnlyFields: [],
  nameField: "name",
  retire: { manual: "Extrovert's API cannot delete or stop a campaign: remove the old one in the Extrovert dashboard" },
};
