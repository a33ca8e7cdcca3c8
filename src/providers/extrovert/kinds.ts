import type { KindCapabilities } from "../../core/capabilities.js";
import type { LookupField } from "../../core/refs.js";
import { answerSource, asObject, idString } from "../mapping.js";
import type { KindModule, LookupSource } from "../types.js";
import { EXTROVERT_RESPONSES as R } from "./responses.js";

/**
 * The campaign dependencies Extrovert's API creates and updates (README.md §5): styles,
 * contexts and monitored topics. No read, list or delete is documented for any of them: like campaigns,
 * live is what campaignctl last applied (state), and retiring one is a dashboard action.
 */

const MANUAL_REMOVE = (what: string) => `Extrovert's API cannot delete a ${what}: remove the old one in the Extrovert dashboard`;

function base(fields: readonly string[], required: readonly string[], immutable: readonly string[], what: string): KindCapabilities {
  return {
    noun: what,
    readable: false,
    updateMode: "full-body",
    mergePaths: [],
    opaquePaths: [],
    immutable,
    readOnlyStatuses: {},
    fields: [],
    lifecycle: { satisfies: {}, actions: [] },
    createFields: fields,
    createRequired: required,
    defaults: {},
    unorderedPaths: [],
    writeOnlyFields: [],
    nameField: "name",
    retire: { manual: MANUAL_REMOVE(what) },
  };
}

const owner = (path: string): LookupField => ({ path, key: "teamMember" });
const noRules = () => undefined;

const STYLE_FIELDS = ["name", "userId", "isLearningModeEnabled", "styleInstructionsForComments", "styleInstructionsForDm"];
const CONTEXT_FIELDS = ["name", "userId", "contextAboutCompany", "contextAboutUser"];
const TOPIC_FIELDS = ["name", "description", "ownerId"];

export const EXTROVERT_KINDS: readonly KindModule[] = [
  {
    kind: "ExtrovertStyle",
    short: "style",
    displayName: "Extrovert style",
    validateSpec: noRules,
    // POST /style: name, userId, isLearningModeEnabled required; PATCH: id, name, isLearningModeEnabled,
    // instructions optional — omitted keeps the current text, "" clears it [D]. userId only on create [D, README.md §7].
    capabilities: { ...base(STYLE_FIELDS, ["name", "userId", "isLearningModeEnabled"], ["userId"], "style"), keptWhenOmitted: ["styleInstructionsForComments", "styleInstructionsForDm"] },
    loadClient: async () => {
      const { objectClient } = await import("./kinds-client.js");
      return (http) => objectClient(http, "/style", "style", ["userId"], true);
    },
    lookups: [owner("userId")],
  },
  {
    kind: "ExtrovertContext",
    short: "context",
    displayName: "Extrovert context",
    validateSpec: noRules,
    // POST /context: all four required; PATCH: id, name and both texts, which replace the previous ones [D].
    capabilities: base(CONTEXT_FIELDS, CONTEXT_FIELDS, ["userId"], "context"),
    loadClient: async () => {
      const { objectClient } = await import("./kinds-client.js");
      return (http) => objectClient(http, "/context", "context", ["userId"], true);
    },
    lookups: [owner("userId")],
  },
  {
    kind: "ExtrovertMonitoredTopic",
    short: "topic",
    displayName: "Extrovert monitored topic",
    validateSpec: noRules,
    // POST /monitored-topics only: no update is documented, so every field forces a replace.
    capabilities: base(TOPIC_FIELDS, TOPIC_FIELDS, TOPIC_FIELDS, "monitored topic"),
    loadClient: async () => {
      const { objectClient } = await import("./kinds-client.js");
      return (http) => objectClient(http, "/monitored-topics", "monitored topic", TOPIC_FIELDS, false);
    },
    lookups: [owner("ownerId")],
  },
];

/** GET /user/team-members [D]: matched by the LinkedIn profile's email, the user's name, or first + last name. */
export const TEAM_MEMBERS: LookupSource = {
  describe: "team member",
  endpoint: "GET /user/team-members",
  async list(http) {
    const req = { method: "GET", path: "/user/team-members", operation: "list team members" } as const;
    const res = await http.request<{ data: unknown[] }>({ ...req, retry: "safe", response: R.teamMembers });
    const from = answerSource(http, req, res.status);
    return res.body.data.map((raw) => {
      const m = asObject(raw);
      const profile = asObject(m.linkedInProfile);
      const full = [m.firstName, m.lastName].filter((x) => typeof x === "string" && x !== "").join(" ");
      const keys = [profile.email, m.name, full].filter((k): k is string => typeof k === "string" && k !== "");
      const label = `${typeof m.name === "string" ? m.name : full || "?"}${typeof profile.email === "string" ? ` <${profile.email}>` : ""} (id ${idString(m.id, from, "team member")})`;
      return { id: idString(m.id, from, "team member"), keys, label };
    });
  },
};
