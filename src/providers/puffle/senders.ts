import { asObject, idString } from "../mapping.js";
import type { LookupSource } from "../types.js";
import { PUFFLE_RESPONSES as R } from "./responses.js";

/**
 * Sender accounts by email or display name: `GET /api/accounts?type=<the campaign's type>` → `{ accounts }`
 * [D, README.md §9]. Senders must match the campaign's type, so only that type is listed.
 */
export const SENDER_ACCOUNTS: LookupSource = {
  describe: "sender account",
  endpoint: "GET /api/accounts",
  narrowBy: "type",
  async list(http, narrow) {
    const type = narrow === "email" || narrow === "linkedin" ? narrow : undefined;
    const res = await http.request<{ accounts: unknown[] }>({
      method: "GET",
      path: "/api/accounts",
      ...(type ? { query: { type } } : {}),
      operation: "list sender accounts",
      retry: "safe",
      response: R.listAccounts,
    });
    return res.body.accounts.map((raw) => {
      const a = asObject(raw);
      const keys = [a.email_address, a.display_name].filter((k): k is string => typeof k === "string" && k !== "");
      const label = `${typeof a.display_name === "string" ? a.display_name : "?"}${typeof a.email_address === "string" ? ` <${a.email_address}>` : ""} (${typeof a.type === "string" ? `${a.type}, ` : ""}id ${idString(a.id)})`;
      return { id: idString(a.id), keys, label };
    });
  },
};
