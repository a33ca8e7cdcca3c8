import { answerSource, asObject, idString } from "../mapping.js";
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
    const req = { method: "GET", path: "/api/accounts", operation: "list sender accounts" } as const;
    const res = await http.request<{ accounts: unknown[] }>({ ...req, ...(type ? { query: { type } } : {}), retry: "safe", response: R.listAccounts });
    const from = answerSource(http, req, res.status);
    return res.body.accounts.map((raw) => {
      const a = asObject(raw);
      const keys = [a.email_address, a.display_name].filter((k): k is string => typeof k === "string" && k !== "");
      const label = `${typeof a.display_name === "string" ? a.display_name : "?"}${typeof a.email_address === "string" ? ` <${a.email_address}>` : ""} (${typeof a.type === "string" ? `${a.type}, ` : ""}id ${idString(a.id, from, "sender account")})`;
      return { id: idString(a.id, from, "sender account"), keys, label };
    });
  },
};
