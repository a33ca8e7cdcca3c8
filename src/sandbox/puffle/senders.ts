/**
 * Sender accounts, settings and per-campaign sender views (src/providers/puffle/README.md §4, §9), each with
 * exactly the keys of the documented examples.
 */
import type { SimResponse } from "../types.js";
import { CAMPAIGN_TYPES, SANDBOX_USER_ID, type CampaignRecord, type SenderAccount } from "./model.js";
import { ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import { clone, type PuffleStore } from "./store.js";
import { invalid, isCalendarDate } from "./validation.js";

/** When the fixture accounts were connected [A]: a fixed time, so answers are stable. */
const FIXTURE_TIME = "2026-01-05T09:00:00.000Z";

/** Default weekly pacing when an account has no override [D]: free 80/100, premium 100/150. */
function weeklyLimits(s: SenderAccount): { connections: number; messages: number } {
  return {
    connections: s.weekly_connection_limit ?? (s.is_premium ? 100 : 80),
    messages: s.weekly_message_limit ?? (s.is_premium ? 150 : 100),
  };
}

/** An account as `GET /api/accounts`, `/api/senders` and `/api/email/accounts` list it [D keys]. */
export function accountView(s: SenderAccount) {
  const email = s.type === "email";
  const domain = email && s.email_address ? s.email_address.slice(s.email_address.indexOf("@") + 1) : null;
  const domainId = domain === null ? null : `d${s.id.slice(1)}`;
  return {
    id: s.id,
    user_id: SANDBOX_USER_ID,
    type: s.type,
    display_name: s.display_name,
    status: s.status,
    created_at: FIXTURE_TIME,
    updated_at: FIXTURE_TIME,
    provider_account_id: s.provider_account_id,
    profile_url: s.linkedin_url,
    is_premium: s.is_premium,
    has_sales_navigator: s.has_sales_navigator,
    weekly_connection_limit: s.weekly_connection_limit,
    weekly_message_limit: s.weekly_message_limit,
    email_address: s.email_address,
    domain_id: domainId,
    // The sandbox's "sending inbox" [D: launch needs one for email senders].
    agentmail_inbox_id: email && s.has_inbox ? s.provider_account_id : null,
    instantly_account_id: null,
    warmup_status: s.warmup_status,
    first_name: s.first_name,
    last_name: s.last_name,
    signature: null,
    daily_limit: s.daily_limit,
    instantly_tag_id: null,
    instantly_warmup_tag_id: null,
    email_domains: domain === null ? null : { id: domainId, domain, status: "verified" },
  };
}

/** `GET /api/email/accounts` rows: the email account keys of its example, joined with email_domains [D]. */
const EMAIL_ACCOUNT_KEYS = [
  "id", "user_id", "type", "domain_id", "email_address", "agentmail_inbox_id", "instantly_account_id", "status", "warmup_status",
  "display_name", "first_name", "last_name", "signature", "instantly_tag_id", "instantly_warmup_tag_id", "created_at", "updated_at", "email_domains",
] as const;

function emailAccountView(s: SenderAccount) {
  const all = accountView(s);
  return Object.fromEntries(EMAIL_ACCOUNT_KEYS.map((k) => [k, all[k]]));
}

export function listEmailAccounts(db: PuffleStore): SimResponse {
  return ok({ accounts: db.senders.filter((s) => s.type === "email").map(emailAccountView) });
}

export function listAccounts(db: PuffleStore, { req }: RouteContext): SimResponse {
  const type = req.query.get("type");
  if (type !== null && !(CAMPAIGN_TYPES as readonly string[]).includes(type)) {
    throw invalid(`type must be one of ${CAMPAIGN_TYPES.join(", ")} (got "${type.slice(0, 60)}")`);
  }
  // Both the newer /api/accounts and the older /api/senders answer { accounts } [D].
  return ok({ accounts: db.senders.filter((s) => type === null || s.type === type).map(accountView) });
}

export function settings(db: PuffleStore): SimResponse {
  const accounts = db.senders.map((s) => {
    const weekly = weeklyLimits(s);
    return {
      id: s.id,
      type: s.type,
      provider_account_id: s.provider_account_id,
      is_premium: s.is_premium,
      weekly_connection_limit: weekly.connections,
      weekly_message_limit: weekly.messages,
      display_name: s.display_name,
      email_address: s.email_address,
      status: s.status,
      daily_limit: s.daily_limit,
      weekly_stats: { connections_sent: 0, messages_sent: 0 },
      limits: {
        weekly_connection_limit: weekly.connections,
        weekly_message_limit: weekly.messages,
        // Maximums are not documented [A]: twice the premium defaults.
        max_connection_limit: 200,
        max_message_limit: 300,
        recommended_connection_limit: s.is_premium ? 100 : 80,
        recommended_message_limit: s.is_premium ? 150 : 100,
      },
      daily_stats: { sent: 0, daily_limit: s.daily_limit },
    };
  });
  // `schedules` and the top-level `weekly_stats` are arrays of undocumented items [D]; the sandbox
  // lists LinkedIn operating hours [A] and sends nothing, so it has no weekly stats.
  const schedules = db
    .sortedCampaigns()
    .filter((c) => c.type === "linkedin" && c.operating_hours !== null)
    .map((c) => ({ campaign_id: c.id, campaign_name: c.name, status: c.status, operating_hours: clone(c.operating_hours) }));
  return ok({ accounts, schedules, weekly_stats: [] });
}

function attached(db: PuffleStore, c: CampaignRecord): SenderAccount[] {
  return c.sender_account_ids.map((id) => db.sender(id)).filter((s): s is SenderAccount => s !== undefined);
}

export function campaignSenders(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const list = attached(db, c);
  const single = c.type === "linkedin" && list.length === 1;
  const senders = list.map((s) => {
    const weekly = weeklyLimits(s);
    return {
      account_id: s.id,
      display_name: s.display_name,
      email_address: s.email_address,
      profile_url: s.linkedin_url,
      status: s.status,
      type: s.type,
      is_premium: s.is_premium,
      warmup_status: s.warmup_status,
      weekly_connection_limit: weekly.connections,
      weekly_message_limit: weekly.messages,
      // The campaign's per-sender override (account_limits) when it has one [A].
      daily_limit: db.effectiveDailyLimit(c, s),
      weekly_connections_sent: 0,
      weekly_messages_sent: 0,
      campaign_messages_sent: single ? (c.stats?.sent ?? 0) : null,
    };
  });
  return ok({ senders, campaign_total_sent: c.stats?.sent ?? 0, campaign_type: c.type });
}

export function accountUsage(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const date = req.query.get("date");
  if (date !== null && !isCalendarDate(date)) throw invalid(`date must be a calendar date as YYYY-MM-DD (got "${date.slice(0, 40)}")`);
  const accounts = attached(db, c).map((s) => ({
    account_id: s.id,
    email: s.email_address,
    daily_limit: db.effectiveDailyLimit(c, s),
    sent_today: 0,
    status: s.status,
  }));
  return ok({ accounts });
}
