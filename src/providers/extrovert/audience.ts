import type { AudienceRules } from "../types.js";
import { linkedinCell } from "../roster-cells.js";

/** README.md §5 (Prospects): prospect lists hold LinkedIn profile URLs (`userUrls`), uploaded in canonical form. */
export const audience: AudienceRules = {
  noun: "prospects",
  columns: ["linkedin_url"],
  groups: [],
  identityColumn: () => "linkedin_url",
  cell: (_column, value) => linkedinCell(value),
  suppressAs: { linkedin_url: "linkedin_url" },
  // No maximum is documented for userUrls: 500 per request assumed [A, README.md §5].
  batchSize: 500,
  // Extrovert shows no campaign status; the prospect-list endpoints name none they refuse [D by absence].
  writableIn: ["*"],
  writeBlocked: "Extrovert refused prospects for this campaign",
  removableIn: [],
  removeBlocked: "campaignctl does not remove Extrovert prospects (prospects/delete-selected is person-wide across campaigns)",
};
