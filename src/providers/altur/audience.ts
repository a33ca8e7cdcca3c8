import type { AudienceRules } from "../types.js";
import { e164, knowsCountry, quote } from "../roster-cells.js";

/** README.md §4.6: the contacts roster (`/campaigns/{id}/contacts`). */
export const audience: AudienceRules = {
  noun: "contacts",
  columns: ["contact", "name", "context", "f_id"],
  groups: ["extracted_data"],
  identityColumn: () => "contact",
  cell(column, value, _spec, { defaultCountry }) {
    if (column !== "contact") return { value };
    const v = value.trim();
    // Altur rejects rows whose number it cannot dial (INVALID_PHONE_NUMBER); E.164 needs the + and country code.
    // A national number ("55 1234 5678") is read as a number of audience.defaultCountry and sent in E.164.
    const phone = e164(v, defaultCountry, "audience.defaultCountry");
    if ("why" in phone) return { code: "AUDIENCE_INVALID_PHONE", message: `${quote(v)} is ${phone.why}; Altur would reject the row with INVALID_PHONE_NUMBER` };
    // Duplicate = same phone in the campaign [D]: compare the E.164 form.
    return { value: phone.number, identity: phone.number };
  },
  knowsCountry,
  suppressAs: { contact: "phone" },
  batchSize: 1000,
  // Contacts can be added in any status but finished [A: 409 CAMPAIGN_FINISHED].
  writableIn: ["pending", "ready", "active", "inactive", "cooldown"],
  writeBlocked: "finished Altur campaigns accept no contacts (409 CAMPAIGN_FINISHED)",
  // Row edits: the same add request with `if_duplicate: update` overwrites name, context, extracted_data and f_id [D].
  updatableIn: ["pending", "ready", "active", "inactive", "cooldown"],
  updateBlocked: "finished Altur campaigns accept no contact writes (409 CAMPAIGN_FINISHED)",
  removableIn: ["pending", "ready", "active", "inactive", "cooldown"],
  removableEntries: ["queue", "failed"],
  removeBlocked: "Altur deletes only contacts still in queue or failed (409 CONTACT_NOT_DELETABLE)",
};
