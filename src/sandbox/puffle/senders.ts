/** Sender accounts, settings and per-campaign sender views (providers/puffle.md §4, §9). */
import type { SimResponse } from "../types.js";
import { CAMPAIGN_TYPES, type SenderAccount } from "./model.js";
import { ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import { clone, type PuffleStore } from "./store.js";
import { invalid, isCalendarDate } from "./validation.js";

export function listSenders(db: PuffleStore, { req }: RouteContext, key: "accounts" | "senders"): SimResponse {
  const type = req.query.get("type");
  if (type !== null && !(CAMPAIGN_TYPES as readonly string[]).includes(type)) {
    throw invalid(`type must be one of ${CAMPAIGN_TYPES.join(", ")} (got "${type.slice(0, 60)}")`);
  }
  return ok({
    [key]: db.senders.filter((s) => type === null || s.type === type).map((s) => structuredClone(s)),
  });
}

export function settings(db: PuffleStore): SimResponse {
  const accounts = db.senders.map((s) => ({
    ...structuredClone(s),
    usage: {
      sent_today: 0,
      connection_requests_this_week: 0,
      messages_this_week: 0,
      emails_this_week: 0,
    },
  }));
  const schedules = db
    .sortedCampaigns()
    .filter((c) => c.type === "linkedin" && c.operating_hours !== null)
    .map((c) => ({
      campaign_id: c.id,
      campaign_name: c.name,
      status: c.status,
      operating_hours: clone(c.operating_hours),
    }));
  return ok({
    accounts,
    schedules,
    weekly_stats: {
      connection_requests_sent: 0,
      messages_sent: 0,
      emails_sent: 0,
    },
  });
}

export function campaignSenders(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const senders = c.sender_account_ids
    .map((id) => db.sender(id))
    .filter((s): s is SenderAccount => s !== undefined)
    .map((s) => ({
      ...structuredClone(s),
      daily_limit: db.effectiveDailyLimit(c, s),
      daily_limit_override: c.account_limits.find((l) => l.account_id === s.id)?.daily_limit ?? null,
      sent_this_week: 0,
      connection_requests_this_week: 0,
      messages_this_week: 0,
    }));
  return ok({
    senders,
    campaign_total_sent: c.stats?.sent ?? 0,
    campaign_type: c.type,
    campaign_id: c.id,
  });
}

export function accountUsage(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const date = req.query.get("date");
  if (date !== null && !isCalendarDate(date)) throw invalid(`date must be a calendar date as YYYY-MM-DD (got "${date.slice(0, 40)}")`);
  const accounts = c.sender_account_ids
    .map((id) => db.sender(id))
    .filter((s): s is SenderAccount => s !== undefined)
    .map((s) => ({
      account_id: s.id,
      email: s.email_address,
      daily_limit: db.effectiveDailyLimit(c, s),
      sent_today: 0,
      status: s.status,
    }));
  return ok({ date: date ?? db.iso().slice(0, 10), accounts });
}
