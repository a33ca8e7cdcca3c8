import type { AudienceRules } from "../types.js";
import { emailCell, linkedinCell, linkedinIdentity, normaliseEmail } from "../roster-cells.js";

/** README.md §8: the prospects roster (`/api/campaigns/{id}/leads`). */
export const audience: AudienceRules = {
  noun: "prospects",
  columns: ["email", "linkedin_url", "first_name", "last_name", "company", "position", "headline"],
  groups: ["custom_fields"],
  // The identity field must match the channel [D].
  identityColumn: (spec) => (spec.type === "linkedin" ? "linkedin_url" : "email"),
  cell(column, value) {
    if (column === "email") return emailCell(value);
    if (column === "linkedin_url") return linkedinCell(value);
    return { value };
  },
  // "De-dup pre-query covers up to 100k existing prospects" [D]: beyond that, duplicates slip through.
  maxRows: { limit: 100_000, why: "Puffle de-duplicates against at most 100,000 existing prospects per campaign" },
  suppressAs: { email: "email", linkedin_url: "linkedin_url" },
  batchSize: 1000,
  writableIn: ["draft"],
  writeBlocked: "Puffle accepts prospect uploads only while a campaign is a draft (the roster is frozen once launched)",
  // Row edits: `PATCH …/leads` with `{ prospect_id, updates }`, one prospect per request; writes need draft [D].
  updatableIn: ["draft"],
  updateBlocked: "Puffle edits prospects only while a campaign is a draft (the roster is frozen once launched)",
  // Puffle stores emails lower-cased and LinkedIn URLs normalised [D]: compare in that form.
  compareAs: (column, value) => (column === "email" ? normaliseEmail(value) : column === "linkedin_url" ? linkedinIdentity(value) : value),
  removableIn: ["draft"],
  removeBlocked: "Puffle removes prospects only while a campaign is a draft",
};
