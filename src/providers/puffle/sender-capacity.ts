import { isJsonObject, type JsonObject } from "../../core/json.js";
import { asObject } from "../mapping.js";
import type { SenderCapacityRules, SenderDemand } from "../types.js";
import { PUFFLE_RESPONSES as R } from "./responses.js";

/** The `daily_limit` Puffle fills in when an email campaign omits it (the docs' example value, README.md §12.3) [A]. */
export const ASSUMED_DAILY_LIMIT = 50;

/**
 * Sender capacity (docs/design.md §14). Limits: each account's `daily_limit` from the documented
 * settings read `GET /api/campaigns/settings` (README.md §13: account-level pacing, shared by every
 * campaign using the account). Demand of a running email campaign, per sender — the docs do not say how a
 * campaign's limit splits across its senders (README.md §13 [A]), so the rule is stated here and in the
 * README's Guardrails section: the sender's `account_limits` override when the campaign has one (a
 * per-sender daily cap, documented); otherwise the campaign's `daily_limit` divided evenly over its
 * senders, rounded up (the campaign sends at most `daily_limit` a day in total and nothing documented
 * favours one sender). LinkedIn campaigns have no documented campaign-level daily number: no demand.
 */
export const senderCapacity: SenderCapacityRules = {
  endpoint: "GET /api/campaigns/settings",
  demand(spec: JsonObject): SenderDemand[] {
    if (spec.type !== "email") return [];
    const senders = (Array.isArray(spec.sender_account_ids) ? spec.sender_account_ids : []).filter((s): s is string => typeof s === "string");
    if (senders.length === 0) return [];
    const overrides = new Map<string, number>();
    for (const l of Array.isArray(spec.account_limits) ? spec.account_limits : []) {
      if (isJsonObject(l) && typeof l.account_id === "string" && typeof l.daily_limit === "number") overrides.set(l.account_id, l.daily_limit);
    }
    const total = typeof spec.daily_limit === "number" ? spec.daily_limit : ASSUMED_DAILY_LIMIT;
    const assumed = typeof spec.daily_limit === "number" ? "" : ` (daily_limit not set: Puffle's example default ${ASSUMED_DAILY_LIMIT} assumed)`;
    const share = Math.ceil(total / senders.length);
    return senders.map((sender) => {
      const own = overrides.get(sender);
      if (own !== undefined) return { sender, perDay: own, rule: "account_limits" };
      return { sender, perDay: share, rule: senders.length === 1 ? `daily_limit${assumed}` : `daily_limit ${total} / ${senders.length} senders${assumed}` };
    });
  },
  async limits(http) {
    const res = await http.request<{ accounts: unknown[] }>({
      method: "GET",
      path: "/api/campaigns/settings",
      operation: "read sender limits",
      retry: "safe",
      response: R.campaignSettings,
      // `schedules` may list every campaign's operating hours (README.md §13; the sandbox lists each LinkedIn
      // campaign's: 9.7 MB at 45,000 Puffle campaigns), none of it read here: checked as it arrives and
      // dropped, never held whole (issue 30).
      list: { key: "schedules", item: R.campaignSettingsSchedule },
    });
    return res.body.accounts.flatMap((raw) => {
      const a = asObject(raw);
      const perDay = typeof a.daily_limit === "number" ? a.daily_limit : isJsonObject(a.daily_stats) && typeof a.daily_stats.daily_limit === "number" ? a.daily_stats.daily_limit : undefined;
      if (typeof a.id !== "string" || perDay === undefined) return [];
      const name = typeof a.display_name === "string" ? a.display_name : a.id;
      return [{ sender: a.id, label: typeof a.email_address === "string" ? `${name} <${a.email_address}>` : name, perDay }];
    });
  },
};
