/** Loading and offline validation of the workspace config and campaign files. */
export { loadWorkspace, loadCampaignFile, CONFIG_FILE_NAME, DEFAULT_CAMPAIGNS_DIR, DEFAULT_STATE_FILE, DEFAULT_SAFETY } from "./workspace.js";
export type { LoadWorkspaceOptions, LoadWorkspaceResult } from "./workspace.js";
export { checkCampaignDocument, checkCampaignText, DEFAULT_ACCOUNT } from "./campaign.js";
export type { CampaignCheckInput, CampaignCheckResult } from "./campaign.js";
export { YamlSource, parseYamlMapping, decodeText } from "./source.js";
export type { DocPath, Position, Target } from "./source.js";
