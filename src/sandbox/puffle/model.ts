/**
 * Puffle simulator: stored records, constants and fixtures (src/providers/puffle/README.md §3, §7, §8, §9).
 * Everything here is plain JSON so that snapshot()/restore() can round-trip it.
 */

/** The campaign-id pattern of the public API reference (src/providers/puffle/README.md §1). Path ids are checked against it. */
export const UUID_RE =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;

export const CAMPAIGN_TYPES = ["linkedin", "email"] as const;
export type CampaignType = (typeof CAMPAIGN_TYPES)[number];

export const CAMPAIGN_STATUSES = ["draft", "launching", "active", "paused", "completed"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const NODE_TYPES = ["connection_request", "message", "email", "delay", "ai", "end"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Allowed node types by channel [D]. */
export const NODE_TYPES_BY_CHANNEL: Record<CampaignType, readonly NodeType[]> = {
  linkedin: ["connection_request", "message", "delay", "ai", "end"],
  email: ["email", "delay", "ai", "end"],
};

/** Node types that send something (launch needs at least one). */
export const SENDING_NODE_TYPES: readonly NodeType[] = ["connection_request", "message", "email", "ai"];

export const PROSPECT_STATUSES = [
  "pending",
  "sent",
  "connection_sent",
  "connected",
  "message_sent",
  "replied",
  "bounced",
  "completed",
  "timed_out",
  "cancelled",
] as const;
export type ProspectStatus = (typeof PROSPECT_STATUSES)[number];
export const TERMINAL_PROSPECT_STATUSES: readonly ProspectStatus[] = [
  "replied",
  "bounced",
  "completed",
  "timed_out",
  "cancelled",
];

/** Delay totals: ≥ 1 minute and ≤ 30 days [D]. */
export const MIN_DELAY_MINUTES = 1;
export const MAX_DELAY_MINUTES = 30 * 24 * 60;
/** `account_limits` holds at most 50 entries per call [K, seed 002]; no other array is capped. */
export const MAX_ACCOUNT_LIMITS = 50;
/**
 * How long a launch stays `launching` by default [A]: the docs say "typically within about 2
 * minutes"; 5 s is long enough that a client pausing right after the launch gets 400 (as it would
 * at Puffle) and short enough for `campaignctl demo`. Tests set shorter, non-zero delays.
 */
export const DEFAULT_LAUNCH_DELAY_MS = 5000;
export const MAX_NAME_LENGTH = 255;
/** A launch started within this window that is still running answers 409 [D]. */
export const LAUNCH_LOCK_MS = 2 * 60 * 1000;

/** The single user every sandbox key belongs to. */
export const SANDBOX_USER_ID = "f0000000-0000-4000-8000-0000000000ff";

export interface SenderAccount {
  id: string;
  type: CampaignType;
  email_address: string | null;
  provider_account_id: string;
  display_name: string;
  status: string;
  first_name: string;
  last_name: string;
  daily_limit: number;
  weekly_connection_limit: number | null;
  weekly_message_limit: number | null;
  is_premium: boolean;
  has_sales_navigator: boolean;
  warmup_status: string | null;
  has_inbox: boolean;
  linkedin_url: string | null;
}

export interface Stats {
  total: number;
  sent: number;
  replied: number;
  bounced: number;
  completed: number;
  timed_out: number;
  connection_sent: number;
  connected: number;
  message_sent: number;
  contacted: number;
}

export interface AccountLimit {
  account_id: string;
  daily_limit: number;
}

export interface LaunchRun {
  run_id: string;
  /** Epoch ms when the launch started. */
  started_at: number;
  /** Epoch ms when launching → active happens; null = never (a status forced to `launching`). */
  completes_at: number | null;
  /** The background dispatch fails at completes_at: the campaign rolls back to draft (sandbox setting launchOutcome). */
  rolls_back?: boolean;
}

export interface CampaignRecord {
  id: string;
  user_id: string;
  type: CampaignType;
  name: string;
  status: CampaignStatus;
  daily_limit: number | null;
  stop_on_reply: boolean | null;
  open_tracking: boolean | null;
  signature: string | null;
  skip_other_campaigns: boolean | null;
  operating_hours: unknown;
  stats: Stats | null;
  created_at: string;
  updated_at: string;
  sender_account_ids: string[];
  account_limits: AccountLimit[];
  launch: LaunchRun | null;
  /** Insertion counter: deterministic ordering among equal timestamps. */
  seq: number;
}

export interface NodeRecord {
  id: string;
  campaign_id: string;
  position: number;
  type: NodeType;
  subject: string | null;
  body: string | null;
  body_html: string | null;
  signature: string | null;
  from_name: string | null;
  reply_to: string | null;
  cc: string | string[] | null;
  bcc: string | string[] | null;
  attachments: unknown[];
  include_message: boolean | null;
  is_reply: boolean | null;
  delay_days: number | null;
  delay_hours: number | null;
  delay_minutes: number | null;
  ai_node: Record<string, unknown> | null;
}

export interface ProspectRecord {
  id: string;
  campaign_id: string;
  user_id: string;
  status: ProspectStatus;
  email: string | null;
  linkedin_url: string | null;
  first_name: string | null;
  last_name: string | null;
  name: string | null;
  company: string | null;
  position: string | null;
  headline: string | null;
  custom_fields: Record<string, unknown>;
  source: string;
  source_ref: string | null;
  created_at: string;
  updated_at: string;
  bounced_at: string | null;
  replied_at: string | null;
  current_node_id: string | null;
}

/** Everything the simulator stores; JSON-serialisable (snapshot/restore). */
export interface PuffleState {
  version: 1;
  seq: number;
  senders: SenderAccount[];
  campaigns: CampaignRecord[];
  /** Ordered sequence per campaign id. */
  nodes: Record<string, NodeRecord[]>;
  /** Roster per campaign id, in insertion order. */
  prospects: Record<string, ProspectRecord[]>;
  /** Blocked companies (src/providers/puffle/README.md §14), oldest first; absent when none. */
  blocked?: import("./blocked.js").BlockedCompany[];
}

export const FIXTURE_SENDER_IDS = {
  linkedin: "f0000000-0000-4000-8000-000000000001",
  email1: "f0000000-0000-4000-8000-000000000002",
  email2: "f0000000-0000-4000-8000-000000000003",
} as const;

/** The sender accounts every sandbox has (docs/design.md §8). */
export function fixtureSenders(): SenderAccount[] {
  return [
    {
      id: FIXTURE_SENDER_IDS.linkedin,
      type: "linkedin",
      email_address: "sandy.sender@example.com",
      provider_account_id: "li_sandbox_0001",
      display_name: "Sandy Sender",
      status: "connected",
      first_name: "Sandy",
      last_name: "Sender",
      daily_limit: 30,
      weekly_connection_limit: 80,
      weekly_message_limit: 100,
      is_premium: false,
      has_sales_navigator: false,
      warmup_status: null,
      has_inbox: false,
      linkedin_url: "https://www.linkedin.com/in/sandy-sender",
    },
    {
      id: FIXTURE_SENDER_IDS.email1,
      type: "email",
      email_address: "sandy@outbound.example.com",
      provider_account_id: "inbox_sandbox_0002",
      display_name: "Sandy Sender",
      status: "active",
      first_name: "Sandy",
      last_name: "Sender",
      daily_limit: 30,
      weekly_connection_limit: null,
      weekly_message_limit: null,
      is_premium: false,
      has_sales_navigator: false,
      warmup_status: "completed",
      has_inbox: true,
      linkedin_url: null,
    },
    {
      id: FIXTURE_SENDER_IDS.email2,
      type: "email",
      email_address: "sam@outbound.example.com",
      provider_account_id: "inbox_sandbox_0003",
      display_name: "Sam Sender",
      status: "active",
      first_name: "Sam",
      last_name: "Sender",
      daily_limit: 30,
      weekly_connection_limit: null,
      weekly_message_limit: null,
      is_premium: false,
      has_sales_navigator: false,
      warmup_status: "completed",
      has_inbox: true,
      linkedin_url: null,
    },
  ];
}

export function emptyState(): PuffleState {
  return { version: 1, seq: 0, senders: fixtureSenders(), campaigns: [], nodes: {}, prospects: {} };
}
