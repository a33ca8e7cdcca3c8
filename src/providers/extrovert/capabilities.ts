import type { KindCapabilities } from "../../core/capabilities.js";

const BODY_FIELDS = [
  "ownerId", "type", "name", "userStyleId", "userContextId", "postMaxAgeDays", "skipTeammatesLeads",
  "isIndirectEngagementEnabled", "postActivityFilter", "connectingSettings", "dmSettings", "applyCommentIntervalH",
];

/** `connectingSettings` with every automation disabled, numbers at the positive placeholder 1 (README.md §4.2). */
const CONNECTING_OFF = {
  isSendConnectionRequestEnabled: false,
  sendConnectionRequestOnDirectCommentCount: 1,
  isSendConnectionRequestOnIndirectCommentEnabled: false,
  sendConnectionRequestOnIndirectCommentCount: 1,
  isSendConnectionRequestOnTimeoutEnabled: false,
  sendConnectionRequestOnTimeoutDays: 1,
  isSendConnectionRequestOnNoPostsEnabled: false,
};

/** `dmSettings` with every automation disabled (README.md §4.2). */
const DM_OFF = {
  isGenerateDmEnabled: false,
  isGenerateDmOnConnectEnabled: false,
  generateDmOnConnectAfterDaysCount: 1,
  isGenerateDmOnRelevantPostEnabled: false,
  generateDmOnRelevantPostAfterDaysCount: 1,
  isGenerateDmOnTimeoutEnabled: false,
  generateDmOnTimeoutAfterDaysCount: 1,
};

/** README.md §4 (write shape), §6 (no lifecycle), §7 (immutable fields). */
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
  // Documented: postMaxAgeDays is ignored at runtime, "pass 30"; indirect engagement defaults to false;
  // skipTeammatesLeads "leave it false" for KEYWORD (the schema requires it for TARGET_USER).
  defaults: { postMaxAgeDays: 30, isIndirectEngagementEnabled: false, skipTeammatesLeads: false },
  // README.md §4.1/§4.2: an optional feature left out of the body is off. applyCommentIntervalH has no "off" value
  // (omit it); the two settings objects are marked required but described as optional ("omit for
  // KEYWORD"), so their off form is the safe one valid under both readings: every automation disabled.
  offWhenOmitted: {
    applyCommentIntervalH: null,
    connectingSettings: CONNECTING_OFF,
    dmSettings: DM_OFF,
  },
  // Shown as added/removed members in plans (the planner compares postActivityFilter whole).
  unorderedPaths: ["postActivityFilter.monitoredTopicIds"],
  // README.md §5/§8: a topic campaign's bindings are also set through toggle-bulk (authoritative set, [] removes
  // all); which path wins is not documented, so both carry the same list in one apply [A].
  syncCalls: [
    {
      call: "toggle-bulk",
      path: "postActivityFilter.monitoredTopicIds",
      when: { path: "type", equals: "KEYWORD" },
      describe: "bind monitored topics (toggle-bulk)",
    },
  ],
  writeOnlyFields: [],
  nameField: "name",
  retire: { manual: "Extrovert's API cannot delete or stop a campaign: remove the old one in the Extrovert dashboard" },
};
