import { createRequire } from "node:module";
import type { AudienceRules } from "../types.js";
import { quote } from "../roster-cells.js";

type ParsePhone = typeof import("libphonenumber-js/max").parsePhoneNumberFromString;
let parsePhone: ParsePhone | undefined;
/** libphonenumber-js with its full metadata, loaded the first time a number is checked (keeps start-up fast). */
function phoneParser(): ParsePhone {
  parsePhone ??= (createRequire(import.meta.url)("libphonenumber-js/max") as { parsePhoneNumberFromString: ParsePhone }).parsePhoneNumberFromString;
  return parsePhone;
}

/** README.md §4.6: the contacts roster (`/campaigns/{id}/contacts`). */
export const audience: AudienceRules = {
  noun: "contacts",
  columns: ["contact", "name", "context", "f_id"],
  groups: ["extracted_data"],
  identityColumn: () => "contact",
  cell(column, value) {
    if (column !== "contact") return { value };
    const v = value.trim();
    // Altur rejects rows whose number it cannot dial (INVALID_PHONE_NUMBER); E.164 needs the + and country code.
    const phone = v.startsWith("+") ? phoneParser()(v) : undefined;
    if (!phone || !phone.isValid()) {
      const why = v.startsWith("+") ? "not a valid phone number" : "not in E.164 form (a + and the country code, e.g. +12025550123)";
      return { code: "AUDIENCE_INVALID_PHONE", message: `${quote(v)} is ${why}; Altur would reject the row with INVALID_PHONE_NUMBER` };
    }
    // Duplicate = same phone in the campaign [D]: compare the E.164 form.
    return { value: phone.number, identity: phone.number };
  },
  batchSize: 1000,
  // Contacts can be added in any status but finished [A: 409 CAMPAIGN_FINISHED].
  writableIn: ["pending", "ready", "active", "inactive", "cooldown"],
  writeBlocked: "finished Altur campaigns accept no contacts (409 CAMPAIGN_FINISHED)",
  removableIn: ["pending", "ready", "active", "inactive", "cooldown"],
  removableEntries: ["queue", "failed"],
  removeBlocked: "Altur deletes only contacts still in queue or failed (409 CONTACT_NOT_DELETABLE)",
};
