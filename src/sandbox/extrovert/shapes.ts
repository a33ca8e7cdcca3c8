import {
  bool,
  forbidden,
  nonEmpty,
  nonNegativeInt,
  opt,
  positiveInt,
  req,
  text,
  uuid,
  type Shape,
} from "./validate.js";

/** Campaign types [K, src/providers/extrovert/README.md §4]: TARGET_USER (Prospects campaign) | KEYWORD (Topic campaign). */
export const CAMPAIGN_TYPES = ["TARGET_USER", "KEYWORD"] as const;

/** registrationType filter of GET /user/team-members [D]. */
export const REGISTRATION_TYPES = ["NEW_USER_SIGNUP", "NEW_USER_WORKSPACE_INVITE_CONFIRM", "SUB_USER"] as const;

/** `postActivityFilter` [D field names]; emotionTypes are any strings [A]; every key required [A]. */
const postActivityFilter: Shape = {
  emotionTypes: req({ kind: "array", items: { kind: "string" } }),
  monitoredTopicIds: req({ kind: "array", items: uuid }),
  isShowImportantTargetUsersFirstEnabled: req(bool),
  isShowDirectPostFirstEnabled: req(bool),
  minPostLikes: req(nonNegativeInt),
};

/** `connectingSettings` [D field names]; integers non-negative [A]; every key required [A]. */
const connectingSettings: Shape = {
  isSendConnectionRequestEnabled: req(bool),
  sendConnectionRequestOnDirectCommentCount: req(nonNegativeInt),
  isSendConnectionRequestOnIndirectCommentEnabled: req(bool),
  sendConnectionRequestOnIndirectCommentCount: req(nonNegativeInt),
  isSendConnectionRequestOnTimeoutEnabled: req(bool),
  sendConnectionRequestOnTimeoutDays: req(nonNegativeInt),
  isSendConnectionRequestOnNoPostsEnabled: req(bool),
};

/** `dmSettings` [D field names]; integers non-negative [A]; every key required [A]. */
const dmSettings: Shape = {
  isGenerateDmEnabled: req(bool),
  isGenerateDmOnConnectEnabled: req(bool),
  generateDmOnConnectAfterDaysCount: req(nonNegativeInt),
  isGenerateDmOnRelevantPostEnabled: req(bool),
  generateDmOnRelevantPostAfterDaysCount: req(nonNegativeInt),
  isGenerateDmOnTimeoutEnabled: req(bool),
  generateDmOnTimeoutAfterDaysCount: req(nonNegativeInt),
};

/**
 * The fields both campaign writes carry. Required on update [K, src/providers/extrovert/README.md §4]; on create the simulator
 * requires the same set [A, §9.3]. postMaxAgeDays / applyCommentIntervalH: 0 < x [K].
 */
const campaignBody: Shape = {
  name: req(nonEmpty),
  userStyleId: req(uuid),
  userContextId: req(uuid),
  postMaxAgeDays: req(positiveInt),
  skipTeammatesLeads: req(bool),
  isIndirectEngagementEnabled: req(bool),
  postActivityFilter: req({ kind: "object", fields: postActivityFilter }),
  connectingSettings: req({ kind: "object", fields: connectingSettings }),
  dmSettings: req({ kind: "object", fields: dmSettings }),
  applyCommentIntervalH: opt(positiveInt),
};

/** Writable campaign fields, in the order they are stored. */
export const CAMPAIGN_WRITE_FIELDS = Object.keys(campaignBody);

/** POST /campaign [D/K]. */
export const createCampaignShape: Shape = {
  ownerId: req(uuid),
  type: req({ kind: "enum", values: CAMPAIGN_TYPES }),
  ...campaignBody,
};

/** PATCH /campaign/{id}: the full body plus `id`; ownerId and type are not accepted [D/K]. */
export const updateCampaignShape: Shape = {
  id: req(uuid),
  ownerId: forbidden("ownerId is fixed at creation and is not part of the update body"),
  type: forbidden("type is fixed at creation and is not part of the update body"),
  ...campaignBody,
};

/** POST /campaign-topic/{campaignId}/toggle-bulk — all three required [D]. */
export const toggleBulkShape: Shape = {
  campaignId: req(uuid),
  monitoredTopicIds: req({ kind: "array", items: uuid }),
  rejectAllPosts: req(bool),
};

/** POST /style [D]. */
export const createStyleShape: Shape = {
  name: req(nonEmpty),
  userId: req(uuid),
  isLearningModeEnabled: req(bool),
  styleInstructionsForComments: opt(text),
  styleInstructionsForDm: opt(text),
};

/** PATCH /style/{id} [D]; userId only on create [D, src/providers/extrovert/README.md §7]. */
export const updateStyleShape: Shape = {
  id: req(uuid),
  userId: forbidden("userId is fixed at creation"),
  name: req(nonEmpty),
  isLearningModeEnabled: req(bool),
  styleInstructionsForComments: opt(text),
  styleInstructionsForDm: opt(text),
};

/** POST /context [D]: both texts required, empty string accepted. */
export const createContextShape: Shape = {
  name: req(nonEmpty),
  userId: req(uuid),
  contextAboutCompany: req(text),
  contextAboutUser: req(text),
};

/** PATCH /context/{id} [D]: texts fully replace the previous values. */
export const updateContextShape: Shape = {
  id: req(uuid),
  userId: forbidden("userId is fixed at creation"),
  name: req(nonEmpty),
  contextAboutCompany: req(text),
  contextAboutUser: req(text),
};

/** POST /monitored-topics [D]. */
export const createTopicShape: Shape = {
  name: req(nonEmpty),
  description: req(nonEmpty),
  ownerId: req(uuid),
};

/** POST /prospect-list [D]: listName (min 1), campaignId, userUrls (≥1), moveOwnDuplicated; optional shouldBeDeletedIfInactive. */
export const createProspectListShape: Shape = {
  listName: req(nonEmpty),
  campaignId: req(uuid),
  userUrls: req({ kind: "array", items: text }),
  moveOwnDuplicated: req(bool),
  shouldBeDeletedIfInactive: opt(bool),
};

/** POST /prospect-list/{id}/add-users-to-list [D]: listId, userUrls, moveOwnDuplicated, campaignId (required); optional shouldBeDeletedIfInactive. */
export const addToProspectListShape: Shape = {
  listId: req(uuid),
  userUrls: req({ kind: "array", items: text }),
  moveOwnDuplicated: req(bool),
  campaignId: req(uuid),
  shouldBeDeletedIfInactive: opt(bool),
};
