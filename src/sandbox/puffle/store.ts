/**
 * Puffle simulator state: the stored records, the lookups every handler needs and the documented
 * views of them (campaign object, sender summary, node list). Pure: no timers, no I/O.
 */
import { randomUUID } from "node:crypto";
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TYPES,
  DEFAULT_LAUNCH_DELAY_MS,
  SANDBOX_USER_ID,
  emptyState,
  fixtureSenders,
  type CampaignRecord,
  type CampaignStatus,
  type NodeRecord,
  type NodeType,
  type ProspectRecord,
  type PuffleState,
  type SenderAccount,
  type Stats,
} from "./model.js";
import { ApiError, isObject, type NodeContent, type Obj } from "./validation.js";
import type { BlockedCompany } from "./blocked.js";

/** Behaviour a test or a person may change at run time (PUT /__sandbox/settings on the Puffle port). */
export interface PuffleSettings {
  /** Time a launch stays `launching` (default DEFAULT_LAUNCH_DELAY_MS; 0 = the next read shows the outcome). */
  launchDelayMs: number;
  /** "active" (default): the launch completes; "rollback": the background dispatch fails and the campaign falls back to draft. */
  launchOutcome: "active" | "rollback";
}

export interface PuffleSimulatorOptions extends Partial<PuffleSettings> {
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Id factory (default crypto.randomUUID). Must return UUIDs matching the documented pattern. */
  newId?: () => string;
}

export function clone<T>(value: T): T {
  return value === null || typeof value !== "object" ? value : structuredClone(value);
}

export class PuffleStore {
  readonly now: () => number;
  /** The settings given at construction; reset() returns to them. */
  readonly initialSettings: PuffleSettings;
  settings: PuffleSettings;
  readonly newId: () => string;

  seq = 0;
  senders: SenderAccount[] = [];
  campaigns = new Map<string, CampaignRecord>();
  nodes = new Map<string, NodeRecord[]>();
  prospects = new Map<string, ProspectRecord[]>();
  /** Campaign name → id (names are unique per user; the sandbox has one user). */
  names = new Map<string, string>();
  /** Campaigns in `launching` with a scheduled completion. */
  launching = new Set<string>();
  /** Blocked companies (src/providers/puffle/README.md §14), oldest first. */
  blocked: BlockedCompany[] = [];

  constructor(options: PuffleSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.initialSettings = {
      launchDelayMs: Math.max(0, options.launchDelayMs ?? DEFAULT_LAUNCH_DELAY_MS),
      launchOutcome: options.launchOutcome ?? "active",
    };
    this.settings = { ...this.initialSettings };
    this.newId = options.newId ?? randomUUID;
    this.load(emptyState());
  }

  load(state: PuffleState): void {
    const copy = structuredClone(state);
    this.seq = copy.seq;
    // Fixture senders are always present; stored ones (possibly edited) win.
    const senders = new Map(fixtureSenders().map((s) => [s.id, s]));
    for (const s of copy.senders) senders.set(s.id, s);
    this.senders = [...senders.values()];
    this.campaigns = new Map();
    this.nodes = new Map();
    this.prospects = new Map();
    this.names = new Map();
    this.launching = new Set();
    this.blocked = copy.blocked ?? [];
    for (const c of copy.campaigns) {
      this.campaigns.set(c.id, c);
      this.nodes.set(c.id, copy.nodes[c.id] ?? []);
      this.prospects.set(c.id, copy.prospects[c.id] ?? []);
      if (c.user_id === SANDBOX_USER_ID) this.names.set(c.name, c.id);
      if (c.status === "launching" && c.launch?.completes_at != null) this.launching.add(c.id);
    }
  }

  iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  sender(id: string): SenderAccount | undefined {
    return this.senders.find((s) => s.id === id);
  }

  ownCampaign(rawId: string): CampaignRecord {
    const c = this.campaigns.get(rawId.toLowerCase());
    if (!c || c.user_id !== SANDBOX_USER_ID) throw new ApiError(404, "Campaign not found", "NOT_FOUND");
    return c;
  }

  nodesOf(c: CampaignRecord): NodeRecord[] {
    let list = this.nodes.get(c.id);
    if (!list) this.nodes.set(c.id, (list = []));
    return list;
  }

  prospectsOf(c: CampaignRecord): ProspectRecord[] {
    let list = this.prospects.get(c.id);
    if (!list) this.prospects.set(c.id, (list = []));
    return list;
  }

  touch(c: CampaignRecord): void {
    c.updated_at = this.iso();
  }

  requireDraft(c: CampaignRecord, what: string): void {
    if (c.status !== "draft") {
      throw new ApiError(400, `${what} can only be changed while the campaign is a draft (campaign is ${c.status})`, "CAMPAIGN_NOT_DRAFT");
    }
  }

  recomputeStats(c: CampaignRecord): void {
    const stats: Stats = {
      total: 0,
      sent: 0,
      replied: 0,
      bounced: 0,
      completed: 0,
      timed_out: 0,
      connection_sent: 0,
      connected: 0,
      message_sent: 0,
      contacted: 0,
    };
    for (const p of this.prospectsOf(c)) {
      stats.total++;
      if (p.status !== "pending" && p.status !== "cancelled") stats[p.status]++;
      if (p.status !== "pending" && p.status !== "cancelled") stats.contacted++;
    }
    c.stats = stats;
  }

  senderSummary(s: SenderAccount) {
    return {
      id: s.id,
      type: s.type,
      email_address: s.email_address,
      provider_account_id: s.provider_account_id,
      display_name: s.display_name,
      status: s.status,
      first_name: s.first_name,
      last_name: s.last_name,
      daily_limit: s.daily_limit,
      weekly_connection_limit: s.weekly_connection_limit,
      weekly_message_limit: s.weekly_message_limit,
      is_premium: s.is_premium,
    };
  }

  campaignView(c: CampaignRecord) {
    return {
      id: c.id,
      user_id: c.user_id,
      type: c.type,
      name: c.name,
      status: c.status,
      daily_limit: c.daily_limit,
      stop_on_reply: c.stop_on_reply,
      open_tracking: c.open_tracking,
      signature: c.signature,
      skip_other_campaigns: c.skip_other_campaigns,
      operating_hours: clone(c.operating_hours),
      stats: clone(c.stats),
      created_at: c.created_at,
      updated_at: c.updated_at,
      sender_accounts: c.sender_account_ids
        .map((id) => this.sender(id))
        .filter((s): s is SenderAccount => s !== undefined)
        .map((s) => this.senderSummary(s)),
    };
  }

  nodeViews(campaignId: string): NodeRecord[] {
    return structuredClone(this.nodes.get(campaignId) ?? []);
  }

  sortedCampaigns(): CampaignRecord[] {
    // Active & paused first (launching is on its way to active), then drafts, then completed [D];
    // newest first inside a group [A].
    const rank: Record<CampaignStatus, number> = {
      active: 0,
      launching: 0,
      paused: 0,
      draft: 1,
      completed: 2,
    };
    return [...this.campaigns.values()]
      .filter((c) => c.user_id === SANDBOX_USER_ID)
      .sort((a, b) => rank[a.status] - rank[b.status] || b.created_at.localeCompare(a.created_at) || b.seq - a.seq);
  }

  effectiveDailyLimit(c: CampaignRecord, s: SenderAccount): number {
    return c.account_limits.find((l) => l.account_id === s.id)?.daily_limit ?? s.daily_limit;
  }

  makeNode(campaignId: string, position: number, type: NodeType, content: NodeContent): NodeRecord {
    return {
      id: this.newId(),
      campaign_id: campaignId,
      position,
      type,
      ...content,
    };
  }

  nameOwner(name: string): string | undefined {
    return this.names.get(name);
  }

  renumber(list: NodeRecord[]): void {
    list.forEach((n, i) => (n.position = i));
  }

  snapshot(): PuffleState {
    const nodes: Record<string, NodeRecord[]> = {};
    const prospects: Record<string, ProspectRecord[]> = {};
    for (const id of this.campaigns.keys()) {
      nodes[id] = this.nodes.get(id) ?? [];
      prospects[id] = this.prospects.get(id) ?? [];
    }
    return structuredClone({
      version: 1,
      seq: this.seq,
      senders: this.senders,
      campaigns: [...this.campaigns.values()],
      nodes,
      prospects,
      ...(this.blocked.length > 0 ? { blocked: this.blocked } : {}),
    } satisfies PuffleState);
  }
}

/** Minimal structural check of persisted data before it replaces the current state. */
export function checkSnapshot(data: unknown): PuffleState {
  const fail = (why: string): never => {
    throw new Error(`Puffle sandbox data is not usable: ${why}`);
  };
  if (!isObject(data)) return fail("expected an object");
  if (data["version"] !== 1) return fail(`unsupported version ${JSON.stringify(data["version"])}`);
  if (typeof data["seq"] !== "number") return fail("seq must be a number");
  if (!Array.isArray(data["senders"]) || !data["senders"].every(isObject)) return fail("senders must be an array of objects");
  if (!Array.isArray(data["campaigns"])) return fail("campaigns must be an array");
  if (!isObject(data["nodes"]) || !isObject(data["prospects"])) return fail("nodes and prospects must be objects");
  for (const c of data["campaigns"]) {
    if (!isObject(c) || typeof c["id"] !== "string" || typeof c["name"] !== "string") return fail("every campaign needs an id and a name");
    if (!(CAMPAIGN_TYPES as readonly string[]).includes(String(c["type"]))) return fail(`campaign ${c["id"]} has an unknown type`);
    if (!(CAMPAIGN_STATUSES as readonly string[]).includes(String(c["status"]))) return fail(`campaign ${c["id"]} has an unknown status`);
    if (!Array.isArray(c["sender_account_ids"]) || !Array.isArray(c["account_limits"])) return fail(`campaign ${c["id"]} is incomplete`);
  }
  for (const key of ["nodes", "prospects"] as const) {
    for (const list of Object.values(data[key] as Obj)) if (!Array.isArray(list)) return fail(`${key} entries must be arrays`);
  }
  return data as unknown as PuffleState;
}
