import type { ExtrovertSpec } from "../generated/campaign.js";
import type { SpecValidator } from "../types.js";

/**
 * Offline Extrovert rules: `applyCommentIntervalH` in whole days, and settings that only work for
 * TARGET_USER (prospect) campaigns flagged on KEYWORD (topic) campaigns. All warnings: the API
 * accepts these values, they just do not do what the file suggests.
 */
export const validateSpec: SpecValidator = (raw, ctx) => {
  // Runs after the JSON Schema passed, so the spec has the generated type's shape.
  const spec = raw as unknown as ExtrovertSpec;
  const interval = spec.applyCommentIntervalH;

  if (interval !== undefined && interval % 24 !== 0) {
    ctx.report(
      ["applyCommentIntervalH"],
      "EXTROVERT_COMMENT_INTERVAL",
      `applyCommentIntervalH ${interval} is not a whole number of days; Extrovert's dashboard only offers multiples of 24 (24, 48, 72)`,
      "warning",
    );
  }

  if (spec.type !== "KEYWORD") return;
  const topicOnly = (path: (string | number)[], shown: string, value: unknown, advice: string): void => {
    ctx.report(
      path,
      "EXTROVERT_KEYWORD_FIELD",
      `${shown} is ${JSON.stringify(value)}, but it does not apply to KEYWORD (topic) campaigns, only to TARGET_USER campaigns; ${advice}`,
      "warning",
    );
  };
  if (spec.skipTeammatesLeads === true) topicOnly(["skipTeammatesLeads"], "skipTeammatesLeads", true, "set it to false");
  if (spec.isIndirectEngagementEnabled === true) topicOnly(["isIndirectEngagementEnabled"], "isIndirectEngagementEnabled", true, "set it to false");
  if (spec.connectingSettings?.isSendConnectionRequestEnabled === true) {
    topicOnly(["connectingSettings", "isSendConnectionRequestEnabled"], "connectingSettings.isSendConnectionRequestEnabled", true, "set it to false");
  }
  if (spec.dmSettings?.isGenerateDmEnabled === true) {
    topicOnly(["dmSettings", "isGenerateDmEnabled"], "dmSettings.isGenerateDmEnabled", true, "set it to false");
  }
  if (interval !== undefined) topicOnly(["applyCommentIntervalH"], "applyCommentIntervalH", interval, "leave it out");
};
