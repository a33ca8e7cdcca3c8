import type { AudienceRules } from "../types.js";
import { linkedinCell } from "../roster-cells.js";

/** README.md §5 (Prospects): prospect lists hold LinkedIn profile URLs (`userUrls`). */
export const audience: AudienceRules = {
  noun: "prospects",
  columns: ["linkedin_url"],
  groups: [],
  identityColumn: () => "linkedin_url",
  cell: (_column, value) => linkedinCell(value),
  batchSize: 1000,
  writableIn: [],
  writeBlocked: "campaignctl does not upload Extrovert prospect lists yet: the file is validated only",
  removableIn: [],
  removeBlocked: "Extrovert prospect lists are not managed by campaignctl yet",
};
