/**
 * The Puffle API simulator (providers/puffle.md): pure request → response over in-memory state.
 * Time comes from an injected clock; `launching → active` happens on the first request (or
 * listCampaigns/snapshot) at or after `launchDelayMs` past the launch — no timers.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import type { ProviderSimulator, SimRequest, SimResponse } from "../types.js";
import {
  CAMPAIGN_STATUSES,
  CAMPAIGN_TYPES,
  LAUNCH_LOCK_MS,
  MAX_DELAY_MINUTES,
  MAX_PATCH_ARRAY,
  PROSPECT_STATUSES,
  SANDBOX_USER_ID,
  SENDING_NODE_TYPES,
  TERMINAL_PROSPECT_STATUSES,
  UUID_RE,
  emptyState,
  fixtureSenders,
  type AccountLimit,
  type CampaignRecord,
  type CampaignStatus,
  type CampaignType,
  type NodeRecord,
  type NodeType,
  type ProspectRecord,
  type ProspectStatus,
  type PuffleState,
  type SenderAccount,
  type Stats,
} from "./model.js";
import {
  ApiError,
  buildNodeContent,
  delayProblem,
  expectArray,
  expectBoolean,
  expectInt,
  expectName,
  expectOperatingHours,
  expectString,
  expectUuid,
  has,
  invalid,
  isObject,
  mergeNodeContent,
  missingContent,
  parseNodeContent,
  parseNodeType,
  requireBody,
  type NodeContent,
  type Obj,
} from "./validation.js";

export interface PuffleSimulatorOptions {
  /** Clock in epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Time a launch stays `launching` before it is `active` (default 0: the next read shows `active`). */
  launchDelayMs?: number;
  /** Id factory (default crypto.randomUUID). Must return UUIDs matching the documented pattern. */
  newId?: () => string;
}

type Handler = (ctx: RouteContext) => SimResponse;

interface RouteContext {
  req: SimRequest;
  params: Record<string, string>;
}

interface Route {
  pattern: readonly string[];
  methods: Partial<Record<string, Handler>>;
}

const DEFAULT_CODES: Record<number, string> = {
  400: "VALIDATION_ERROR",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  422: "UNPROCESSABLE_ENTITY",
  429: "RATE_LIMITED",
  500: "INTERNAL_ERROR",
  501: "NOT_IMPLEMENTED",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

function errorResponse(status: number, message: string, code?: string, headers?: Record<string, string>): SimResponse {
  const res: SimResponse = { status, body: { error: message, code: code ?? DEFAULT_CODES[status] ?? "ERROR" } };
  if (headers) res.headers = headers;
  return res;
}

function ok(body: unknown, status = 200): SimResponse {
  return { status, body };
}

function clone<T>(value: T): T {
  return value === null || typeof value !== "object" ? value : structuredClone(value);
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** LinkedIn URLs compare without query string, fragment or trailing slash [D]. */
export function normaliseLinkedinUrl(url: string): string {
  let out = url.trim();
  const cut = out.search(/[?#]/);
  if (cut >= 0) out = out.slice(0, cut);
  return out.replace(/\/+$/, "");
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
const PROFILE_FIELDS = ["first_name", "last_name", "company", "position", "headline"] as const;

interface ReadinessError {
  code: string;
  message: string;
}

interface Readiness {
  checks: {
    status_ready: boolean;
    senders_ready: boolean;
    has_pending_prospects: boolean;
    sequence_ready: boolean;
    messages_generated: boolean;
  };
  errors: ReadinessError[];
  warnings: string[];
  pending: ProspectRecord[];
  skipped: ProspectRecord[];
}

export class PuffleSimulator implements ProviderSimulator {
  readonly provider = "puffle" as const;
  readonly basePaths = [""] as const;
  readonly publicBasePath = "";
  readonly defaultRequestsPerSecond = 10;

  private readonly now: () => number;
  private readonly launchDelayMs: number;
  private readonly newId: () => string;

  private seq = 0;
  private senders: SenderAccount[] = [];
  private campaigns = new Map<string, CampaignRecord>();
  private nodes = new Map<string, NodeRecord[]>();
  private prospects = new Map<string, ProspectRecord[]>();
  /** Campaign name → id (names are unique per user; the sandbox has one user). */
  private names = new Map<string, string>();
  /** Campaigns in `launching` with a scheduled completion. */
  private launching = new Set<string>();

  private readonly routes: Route[];

  constructor(options: PuffleSimulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.launchDelayMs = Math.max(0, options.launchDelayMs ?? 0);
    this.newId = options.newId ?? randomUUID;
    this.routes = this.buildRoutes();
    this.reset();
  }

  // -------------------------------------------------------------------------------------------
  // ProviderSimulator contract
  // -------------------------------------------------------------------------------------------

  /** `Authorization: Bearer <key>` [D]; the header name is case-insensitive, the prefix is required. */
  authenticate(headers: Readonly<Record<string, string | undefined>>, apiKey: string): boolean {
    let value = headers["authorization"];
    if (value === undefined) {
      for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === "authorization") value = v;
    }
    if (typeof value !== "string") return false;
    const match = /^Bearer (.+)$/.exec(value.trim());
    if (!match?.[1]) return false;
    const given = Buffer.from(match[1]);
    const expected = Buffer.from(apiKey);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  error(status: number, message: string, code?: string): SimResponse {
    // The rate-limit answer is `{ "error": "Too many requests" }` whatever the framework calls it [A].
    if (status === 429) return errorResponse(429, "Too many requests", code ?? "RATE_LIMITED");
    return errorResponse(status, message, code);
  }

  handle(req: SimRequest): SimResponse {
    try {
      this.settle();
      return this.route(req);
    } catch (err) {
      if (err instanceof ApiError) return errorResponse(err.status, err.message, err.code);
      return errorResponse(500, "Internal server error", "INTERNAL_ERROR");
    }
  }

  listCampaigns(): unknown[] {
    this.settle();
    return this.sortedCampaigns().map((c) => ({ ...this.campaignView(c), sequence_nodes: this.nodeViews(c.id) }));
  }

  forceStatus(id: string, status: string): boolean {
    if (!(CAMPAIGN_STATUSES as readonly string[]).includes(status)) {
      throw new Error(`unknown Puffle status "${status}" (expected one of ${CAMPAIGN_STATUSES.join(", ")})`);
    }
    this.settle();
    const c = this.campaigns.get(id.toLowerCase());
    if (!c) return false;
    c.status = status as CampaignStatus;
    this.launching.delete(c.id);
    // A forced `launching` is a launch that started now and never finishes on its own.
    c.launch = status === "launching" ? { run_id: this.newId(), started_at: this.now(), completes_at: null } : null;
    c.updated_at = this.iso();
    return true;
  }

  reset(): void {
    this.load(emptyState());
  }

  snapshot(): PuffleState {
    this.settle();
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
    } satisfies PuffleState);
  }

  restore(data: unknown): void {
    if (data === undefined || data === null) {
      this.reset();
      return;
    }
    this.load(checkSnapshot(data));
  }

  // -------------------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------------------

  private load(state: PuffleState): void {
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
    for (const c of copy.campaigns) {
      this.campaigns.set(c.id, c);
      this.nodes.set(c.id, copy.nodes[c.id] ?? []);
      this.prospects.set(c.id, copy.prospects[c.id] ?? []);
      if (c.user_id === SANDBOX_USER_ID) this.names.set(c.name, c.id);
      if (c.status === "launching" && c.launch?.completes_at != null) this.launching.add(c.id);
    }
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  /** Background work the real service does: finish launches whose time has come. */
  private settle(): void {
    if (this.launching.size === 0) return;
    const now = this.now();
    for (const id of [...this.launching]) {
      const c = this.campaigns.get(id);
      const due = c?.launch?.completes_at;
      if (!c || c.status !== "launching" || due == null) {
        this.launching.delete(id);
      } else if (now >= due) {
        c.status = "active";
        c.updated_at = this.iso(due);
        this.launching.delete(id);
      }
    }
  }

  private sender(id: string): SenderAccount | undefined {
    return this.senders.find((s) => s.id === id);
  }

  private ownCampaign(rawId: string): CampaignRecord {
    const c = this.campaigns.get(rawId.toLowerCase());
    if (!c || c.user_id !== SANDBOX_USER_ID) throw new ApiError(404, "Campaign not found", "NOT_FOUND");
    return c;
  }

  private nodesOf(c: CampaignRecord): NodeRecord[] {
    let list = this.nodes.get(c.id);
    if (!list) this.nodes.set(c.id, (list = []));
    return list;
  }

  private prospectsOf(c: CampaignRecord): ProspectRecord[] {
    let list = this.prospects.get(c.id);
    if (!list) this.prospects.set(c.id, (list = []));
    return list;
  }

  private touch(c: CampaignRecord): void {
    c.updated_at = this.iso();
  }

  private requireDraft(c: CampaignRecord, what: string): void {
    if (c.status !== "draft") {
      throw new ApiError(400, `${what} can only be changed while the campaign is a draft (campaign is ${c.status})`, "CAMPAIGN_NOT_DRAFT");
    }
  }

  private recomputeStats(c: CampaignRecord): void {
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

  // -------------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------------

  private senderSummary(s: SenderAccount) {
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

  private campaignView(c: CampaignRecord) {
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

  private nodeViews(campaignId: string): NodeRecord[] {
    return structuredClone(this.nodes.get(campaignId) ?? []);
  }

  private sortedCampaigns(): CampaignRecord[] {
    // Active & paused first (launching is on its way to active), then drafts, then completed [D];
    // newest first inside a group [A].
    const rank: Record<CampaignStatus, number> = { active: 0, launching: 0, paused: 0, draft: 1, completed: 2 };
    return [...this.campaigns.values()]
      .filter((c) => c.user_id === SANDBOX_USER_ID)
      .sort((a, b) => rank[a.status] - rank[b.status] || b.created_at.localeCompare(a.created_at) || b.seq - a.seq);
  }

  private effectiveDailyLimit(c: CampaignRecord, s: SenderAccount): number {
    return c.account_limits.find((l) => l.account_id === s.id)?.daily_limit ?? s.daily_limit;
  }

  // -------------------------------------------------------------------------------------------
  // Routing
  // -------------------------------------------------------------------------------------------

  private buildRoutes(): Route[] {
    const C = ["api", "campaigns", ":campaignId"];
    return [
      { pattern: ["api", "accounts"], methods: { GET: (x) => this.listSenders(x, "accounts") } },
      { pattern: ["api", "senders"], methods: { GET: (x) => this.listSenders(x, "senders") } },
      { pattern: ["api", "campaigns"], methods: { GET: () => this.listCampaignsRoute(), POST: (x) => this.createCampaign(x) } },
      { pattern: ["api", "campaigns", "settings"], methods: { GET: () => this.settings() } },
      {
        pattern: C,
        methods: { GET: (x) => this.getCampaign(x), PATCH: (x) => this.patchCampaign(x), DELETE: (x) => this.deleteCampaign(x) },
      },
      { pattern: [...C, "validate"], methods: { GET: (x) => this.validateRoute(x) } },
      { pattern: [...C, "launch"], methods: { POST: (x) => this.launch(x) } },
      { pattern: [...C, "pause"], methods: { POST: (x) => this.pause(x) } },
      { pattern: [...C, "resume"], methods: { POST: (x) => this.resume(x) } },
      { pattern: [...C, "senders"], methods: { GET: (x) => this.campaignSenders(x) } },
      { pattern: [...C, "account-usage"], methods: { GET: (x) => this.accountUsage(x) } },
      {
        pattern: [...C, "sequence", "nodes"],
        methods: { POST: (x) => this.addNode(x), PATCH: (x) => this.moveNode(x), DELETE: (x) => this.deleteNode(x) },
      },
      { pattern: [...C, "sequence", "nodes", ":nodeId"], methods: { PUT: (x) => this.updateNode(x) } },
      {
        pattern: [...C, "leads"],
        methods: {
          GET: (x) => this.listProspects(x),
          POST: (x) => this.addProspects(x),
          PATCH: (x) => this.patchProspect(x),
          DELETE: (x) => this.deleteProspects(x),
        },
      },
      { pattern: [...C, "leads", "import-from-list"], methods: { POST: (x) => this.notSimulated(x, "Importing prospects from a lead list") } },
      { pattern: [...C, "leads", "confirm-csv"], methods: { POST: (x) => this.notSimulated(x, "CSV prospect upload") } },
    ];
  }

  private route(req: SimRequest): SimResponse {
    let path = req.path || "/";
    if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
    const segments = path.split("/").slice(1);
    const method = req.method.toUpperCase();
    for (const route of this.routes) {
      const params = matchRoute(route.pattern, segments);
      if (!params) continue;
      const handler = route.methods[method];
      if (!handler) {
        const allow = Object.keys(route.methods).join(", ");
        return errorResponse(405, `Method ${method} is not allowed on ${path} (allowed: ${allow})`, "METHOD_NOT_ALLOWED", { Allow: allow });
      }
      for (const [name, value] of Object.entries(params)) {
        if (!UUID_RE.test(value)) {
          const what = name === "nodeId" ? "node" : "campaign";
          return errorResponse(400, `Invalid ${what} id "${value.slice(0, 60)}": must be a UUID`, "INVALID_ID");
        }
        params[name] = value.toLowerCase();
      }
      return handler({ req, params });
    }
    return errorResponse(404, `No route for ${method} ${path}`, "NOT_FOUND");
  }

  // -------------------------------------------------------------------------------------------
  // Sender accounts and settings
  // -------------------------------------------------------------------------------------------

  private listSenders({ req }: RouteContext, key: "accounts" | "senders"): SimResponse {
    const type = req.query.get("type");
    if (type !== null && !(CAMPAIGN_TYPES as readonly string[]).includes(type)) {
      throw invalid(`type must be one of ${CAMPAIGN_TYPES.join(", ")} (got "${type.slice(0, 60)}")`);
    }
    return ok({ [key]: this.senders.filter((s) => type === null || s.type === type).map((s) => structuredClone(s)) });
  }

  private settings(): SimResponse {
    const accounts = this.senders.map((s) => ({
      ...structuredClone(s),
      usage: { sent_today: 0, connection_requests_this_week: 0, messages_this_week: 0, emails_this_week: 0 },
    }));
    const schedules = this.sortedCampaigns()
      .filter((c) => c.type === "linkedin" && c.operating_hours !== null)
      .map((c) => ({ campaign_id: c.id, campaign_name: c.name, status: c.status, operating_hours: clone(c.operating_hours) }));
    return ok({ accounts, schedules, weekly_stats: { connection_requests_sent: 0, messages_sent: 0, emails_sent: 0 } });
  }

  private campaignSenders({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const senders = c.sender_account_ids
      .map((id) => this.sender(id))
      .filter((s): s is SenderAccount => s !== undefined)
      .map((s) => ({
        ...structuredClone(s),
        daily_limit: this.effectiveDailyLimit(c, s),
        daily_limit_override: c.account_limits.find((l) => l.account_id === s.id)?.daily_limit ?? null,
        sent_this_week: 0,
        connection_requests_this_week: 0,
        messages_this_week: 0,
      }));
    return ok({ senders, campaign_total_sent: c.stats?.sent ?? 0, campaign_type: c.type, campaign_id: c.id });
  }

  private accountUsage({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const date = req.query.get("date");
    if (date !== null && !isCalendarDate(date)) throw invalid(`date must be a calendar date as YYYY-MM-DD (got "${date.slice(0, 40)}")`);
    const accounts = c.sender_account_ids
      .map((id) => this.sender(id))
      .filter((s): s is SenderAccount => s !== undefined)
      .map((s) => ({ account_id: s.id, email: s.email_address, daily_limit: this.effectiveDailyLimit(c, s), sent_today: 0, status: s.status }));
    return ok({ date: date ?? this.iso().slice(0, 10), accounts });
  }

  // -------------------------------------------------------------------------------------------
  // Campaigns
  // -------------------------------------------------------------------------------------------

  private listCampaignsRoute(): SimResponse {
    const campaigns = this.sortedCampaigns().map((c) => ({ ...this.campaignView(c), node_count: this.nodesOf(c).length }));
    return ok({ campaigns });
  }

  private getCampaign({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const byStatus: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    for (const p of this.prospectsOf(c)) {
      byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
      const key = p.current_node_id ?? "__none__";
      byNode[key] = (byNode[key] ?? 0) + 1;
    }
    return ok({ campaign: this.campaignView(c), sequence_nodes: this.nodeViews(c.id), prospects_by_status: byStatus, prospects_by_node: byNode });
  }

  /** `sender_account_ids`: UUIDs of existing senders whose type matches the campaign [D]. */
  private parseSenderIds(value: unknown, type: CampaignType): string[] {
    const list = expectArray(value, "sender_account_ids", 0, MAX_PATCH_ARRAY);
    const ids: string[] = [];
    list.forEach((raw, i) => {
      const id = expectUuid(raw, `sender_account_ids[${i}]`);
      const s = this.sender(id);
      if (!s) throw invalid(`sender_account_ids[${i}]: sender account ${id} not found`, "SENDER_NOT_FOUND");
      if (s.type !== type) {
        throw invalid(`sender_account_ids[${i}]: sender account ${id} is a ${s.type} account; a ${type} campaign needs ${type} senders`, "SENDER_TYPE_MISMATCH");
      }
      if (!ids.includes(id)) ids.push(id);
    });
    return ids;
  }

  /** `account_limits`: ≤ 50 entries, daily_limit 1–500 [A]; a duplicate account_id keeps the last value [K]. */
  private parseAccountLimits(value: unknown): AccountLimit[] {
    const list = expectArray(value, "account_limits", 0, MAX_PATCH_ARRAY);
    const out = new Map<string, number>();
    list.forEach((raw, i) => {
      if (!isObject(raw)) throw invalid(`account_limits[${i}] must be an object with account_id and daily_limit`);
      const id = expectUuid(raw["account_id"], `account_limits[${i}].account_id`);
      if (!this.sender(id)) throw invalid(`account_limits[${i}].account_id: sender account ${id} not found`, "SENDER_NOT_FOUND");
      out.delete(id);
      out.set(id, expectInt(raw["daily_limit"], `account_limits[${i}].daily_limit`, 1, 500));
    });
    return [...out].map(([account_id, daily_limit]) => ({ account_id, daily_limit }));
  }

  /** Whole-sequence replacement, fully validated (§4.3, §7). */
  private parseSequence(value: unknown, type: CampaignType, campaignId: string): NodeRecord[] {
    const list = expectArray(value, "sequence_nodes", 1, MAX_PATCH_ARRAY);
    const nodes = list.map((raw, i) => {
      const at = `sequence_nodes[${i}]`;
      if (!isObject(raw)) throw invalid(`${at} must be an object`);
      const nodeType = parseNodeType(raw["type"], type, `${at}.type`);
      const content = buildNodeContent(nodeType, parseNodeContent(raw, nodeType, at));
      if (nodeType === "delay") {
        const problem = delayProblem(content);
        if (problem) throw invalid(`${at}: ${problem}`, "INVALID_DELAY");
      }
      return this.makeNode(campaignId, i, nodeType, content);
    });
    const ends = nodes.filter((n) => n.type === "end").length;
    if (nodes[nodes.length - 1]?.type !== "end" || ends !== 1) {
      throw invalid(`sequence_nodes must end with exactly one end node (found ${ends} end node${ends === 1 ? "" : "s"}, last is ${nodes[nodes.length - 1]?.type})`, "INVALID_SEQUENCE");
    }
    return nodes;
  }

  private makeNode(campaignId: string, position: number, type: NodeType, content: NodeContent): NodeRecord {
    return { id: this.newId(), campaign_id: campaignId, position, type, ...content };
  }

  private nameOwner(name: string): string | undefined {
    return this.names.get(name);
  }

  private createCampaign({ req }: RouteContext): SimResponse {
    const b = requireBody(req.body);
    if (!has(b, "type")) throw invalid("type is required (linkedin or email)");
    const type = b["type"];
    if (typeof type !== "string" || !(CAMPAIGN_TYPES as readonly string[]).includes(type)) {
      throw invalid(`type must be one of ${CAMPAIGN_TYPES.join(", ")}`);
    }
    const channel = type as CampaignType;
    if (!has(b, "name")) throw invalid("name is required");
    const name = expectName(b["name"]);
    if (!has(b, "sender_account_ids")) throw invalid("sender_account_ids is required");
    const senderIds = this.parseSenderIds(b["sender_account_ids"], channel);
    // Every field is type-checked; the other channel's fields are then silently dropped [D].
    const skip = has(b, "skip_other_campaigns") ? expectBoolean(b["skip_other_campaigns"], "skip_other_campaigns") : undefined;
    const hours = has(b, "operating_hours") ? expectOperatingHours(b["operating_hours"]) : undefined;
    const dailyLimit = has(b, "daily_limit") ? expectInt(b["daily_limit"], "daily_limit", 1, 500) : undefined;
    const stopOnReply = has(b, "stop_on_reply") ? expectBoolean(b["stop_on_reply"], "stop_on_reply") : undefined;
    const openTracking = has(b, "open_tracking") ? expectBoolean(b["open_tracking"], "open_tracking") : undefined;
    const signature = has(b, "signature") ? expectString(b["signature"], "signature", { nullable: true }) : undefined;
    if (this.nameOwner(name) !== undefined) {
      throw new ApiError(409, `A campaign named "${name}" already exists`, "NAME_CONFLICT");
    }

    const id = this.newId();
    const at = this.iso();
    const email = channel === "email";
    const c: CampaignRecord = {
      id,
      user_id: SANDBOX_USER_ID,
      type: channel,
      name,
      status: "draft",
      daily_limit: email ? (dailyLimit ?? 50) : null,
      stop_on_reply: email ? (stopOnReply ?? true) : null,
      open_tracking: email ? (openTracking ?? true) : null,
      signature: email ? (signature ?? null) : null,
      skip_other_campaigns: email ? null : (skip ?? false),
      operating_hours: email ? null : (hours ?? null),
      stats: null,
      created_at: at,
      updated_at: at,
      sender_account_ids: senderIds,
      account_limits: [],
      launch: null,
      seq: ++this.seq,
    };
    const seeded: NodeType[] = email ? ["email", "end"] : ["connection_request", "end"];
    this.campaigns.set(id, c);
    this.names.set(name, id);
    this.nodes.set(id, seeded.map((t, i) => this.makeNode(id, i, t, buildNodeContent(t, {}))));
    this.prospects.set(id, []);
    return ok({ campaign: { ...this.campaignView(c), sequence_nodes: this.nodeViews(id) } }, 201);
  }

  private patchCampaign({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const b = requireBody(req.body);

    // 1. Validate everything (types, ranges, references, conflicts) before writing anything.
    const name = has(b, "name") ? expectName(b["name"]) : undefined;
    const hours = has(b, "operating_hours") ? expectOperatingHours(b["operating_hours"]) : undefined;
    const dailyLimit = has(b, "daily_limit") ? expectInt(b["daily_limit"], "daily_limit", 1, 500) : undefined;
    const skip = has(b, "skip_other_campaigns") ? expectBoolean(b["skip_other_campaigns"], "skip_other_campaigns") : undefined;
    const stopOnReply = has(b, "stop_on_reply") ? expectBoolean(b["stop_on_reply"], "stop_on_reply") : undefined;
    const openTracking = has(b, "open_tracking") ? expectBoolean(b["open_tracking"], "open_tracking") : undefined;
    const signature = has(b, "signature") ? expectString(b["signature"], "signature", { nullable: true }) : undefined;
    const senderIds = has(b, "sender_account_ids") ? this.parseSenderIds(b["sender_account_ids"], c.type) : undefined;
    const limits = has(b, "account_limits") ? this.parseAccountLimits(b["account_limits"]) : undefined;
    const sequence = has(b, "sequence_nodes") ? this.parseSequence(b["sequence_nodes"], c.type, c.id) : undefined;
    if (name !== undefined) {
      const owner = this.nameOwner(name);
      if (owner !== undefined && owner !== c.id) throw new ApiError(409, `A campaign named "${name}" already exists`, "NAME_CONFLICT");
    }

    // 2. Apply what the status and channel allow; the rest is silently ignored [D].
    const draft = c.status === "draft";
    const email = c.type === "email";
    const before = JSON.stringify([this.campaignView(c), c.account_limits]);
    let sequenceChanged = false;
    if (name !== undefined && name !== c.name) {
      this.names.delete(c.name);
      this.names.set(name, c.id);
      c.name = name;
    }
    if (!email && hours !== undefined) c.operating_hours = hours;
    if (email && dailyLimit !== undefined) c.daily_limit = dailyLimit;
    if (email && limits !== undefined) {
      const merged = c.account_limits.filter((l) => !limits.some((n) => n.account_id === l.account_id));
      c.account_limits = [...merged, ...limits];
    }
    if (draft) {
      if (!email && skip !== undefined) c.skip_other_campaigns = skip;
      if (email && stopOnReply !== undefined) c.stop_on_reply = stopOnReply;
      if (email && openTracking !== undefined) c.open_tracking = openTracking;
      if (email && signature !== undefined) c.signature = signature;
      if (senderIds !== undefined) c.sender_account_ids = senderIds;
      if (sequence !== undefined) {
        this.nodes.set(c.id, sequence);
        // Prospects pointing at a removed node are no longer at a node.
        for (const p of this.prospectsOf(c)) p.current_node_id = null;
        sequenceChanged = true;
      }
    }
    if (sequenceChanged || JSON.stringify([this.campaignView(c), c.account_limits]) !== before) this.touch(c);
    return ok({ campaign: this.campaignView(c) });
  }

  private deleteCampaign({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.campaigns.delete(c.id);
    this.nodes.delete(c.id);
    this.prospects.delete(c.id);
    this.launching.delete(c.id);
    if (this.names.get(c.name) === c.id) this.names.delete(c.name);
    return ok({ success: true });
  }

  // -------------------------------------------------------------------------------------------
  // Validate / launch / pause / resume
  // -------------------------------------------------------------------------------------------

  /**
   * Launch readiness. `mode` matters only for email senders: validate accepts active or warming
   * senders, launch refuses any that is not active (warm-up incomplete) [D, as written].
   */
  private readiness(c: CampaignRecord, mode: "validate" | "launch"): Readiness {
    const errors: ReadinessError[] = [];
    const warnings: string[] = [];
    const prospects = this.prospectsOf(c);
    const pending = prospects.filter((p) => p.status === "pending");
    const nodes = this.nodesOf(c);

    const senders = c.sender_account_ids.map((id) => this.sender(id)).filter((s): s is SenderAccount => s !== undefined);
    const senderErrors: ReadinessError[] = [];
    for (const s of senders) {
      if (s.type === "email") {
        const usable = mode === "launch" ? s.status === "active" : s.status === "active" || s.status === "warming";
        if (!usable) senderErrors.push({ code: "SENDERS_NOT_READY", message: `Email sender ${s.email_address ?? s.id} is not active (status ${s.status}; warm-up incomplete)` });
        else if (!s.has_inbox) senderErrors.push({ code: "SENDERS_NOT_READY", message: `Email sender ${s.email_address ?? s.id} has no sending inbox` });
      } else if (s.status !== "connected") {
        senderErrors.push({ code: "LINKEDIN_NOT_CONNECTED", message: `LinkedIn account ${s.display_name} is no longer connected (status ${s.status})` });
      }
    }

    const sending = nodes.filter((n) => SENDING_NODE_TYPES.includes(n.type));
    const missing = nodes.filter((n) => missingContent(n)).map((n) => n.position);
    const badDelays = nodes.filter((n) => n.type === "delay" && delayProblem(n) !== null);
    const sequenceErrors: ReadinessError[] = [];
    if (sending.length === 0) sequenceErrors.push({ code: "NO_SENDABLE_NODES", message: "The sequence has no sendable nodes" });
    if (missing.length > 0) {
      sequenceErrors.push({ code: "MISSING_CONTENT", message: `Nodes with missing content at position${missing.length === 1 ? "" : "s"} ${missing.join(", ")}` });
    }
    for (const n of badDelays) {
      sequenceErrors.push({
        code: "INVALID_DELAY",
        message: `Delay node at position ${n.position} must total at least 1 minute and at most ${MAX_DELAY_MINUTES / 1440} days`,
      });
    }
    if (nodes[nodes.length - 1]?.type !== "end" || nodes.filter((n) => n.type === "end").length !== 1) {
      sequenceErrors.push({ code: "INVALID_SEQUENCE", message: "The sequence must end with exactly one end node" });
    }

    // skip_other_campaigns: prospects already in another active LinkedIn campaign are skipped.
    let skipped: ProspectRecord[] = [];
    if (c.type === "linkedin" && c.skip_other_campaigns === true && pending.length > 0) {
      const elsewhere = new Set<string>();
      for (const other of this.campaigns.values()) {
        if (other.id === c.id || other.type !== "linkedin" || other.user_id !== c.user_id) continue;
        if (other.status !== "active" && other.status !== "launching") continue;
        for (const p of this.prospectsOf(other)) if (p.linkedin_url) elsewhere.add(normaliseLinkedinUrl(p.linkedin_url));
      }
      skipped = pending.filter((p) => p.linkedin_url !== null && elsewhere.has(normaliseLinkedinUrl(p.linkedin_url)));
    }

    // Launch-page order [D]: senders/prospects/sendable nodes, missing content, sender readiness, dedup.
    if (senders.length === 0) errors.push({ code: "NO_SENDERS", message: "The campaign has no sender accounts" });
    if (pending.length === 0) errors.push({ code: "NO_PENDING_PROSPECTS", message: "The campaign has no pending prospects" });
    errors.push(...sequenceErrors, ...senderErrors);
    if (pending.length > 0 && skipped.length === pending.length) {
      errors.push({ code: "ALL_PROSPECTS_SKIPPED", message: `All ${pending.length} pending prospects are already in another active LinkedIn campaign (skip_other_campaigns)` });
    } else if (skipped.length > 0) {
      warnings.push(`${skipped.length} of ${pending.length} pending prospects are already in another active LinkedIn campaign and will be skipped`);
    }

    // No simulated message generation: templates are "generated" only when every sender is an AI node.
    const onlyAi = sending.length > 0 && sending.every((n) => n.type === "ai");
    const messagesGenerated = onlyAi || pending.length === 0;
    if (!messagesGenerated) {
      warnings.push(`Draft messages have not been generated for ${pending.length} pending prospect${pending.length === 1 ? "" : "s"}; they will be generated at send time`);
    }

    return {
      checks: {
        status_ready: c.status === "draft",
        senders_ready: senders.length > 0 && senderErrors.length === 0,
        has_pending_prospects: pending.length > 0,
        sequence_ready: sequenceErrors.length === 0,
        messages_generated: messagesGenerated,
      },
      errors,
      warnings,
      pending,
      skipped,
    };
  }

  private notDraftMessage(c: CampaignRecord): string {
    return `Campaign is ${c.status} — must be draft to launch`;
  }

  private validateRoute({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const r = this.readiness(c, "validate");
    if (c.status !== "draft") {
      return ok({ ready: false, checks: r.checks, errors: [this.notDraftMessage(c)], warnings: [] });
    }
    return ok({ ready: r.errors.length === 0, checks: r.checks, errors: r.errors.map((e) => e.message), warnings: r.warnings });
  }

  private launch({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const now = this.now();
    if (c.status === "launching" && c.launch && now - c.launch.started_at < LAUNCH_LOCK_MS) {
      throw new ApiError(409, `A launch of this campaign started ${Math.floor((now - c.launch.started_at) / 1000)} s ago and is still running`, "LAUNCH_IN_PROGRESS");
    }
    if (c.status !== "draft") throw new ApiError(400, this.notDraftMessage(c), "INVALID_STATUS");
    const r = this.readiness(c, "launch");
    const first = r.errors[0];
    if (first) throw new ApiError(400, first.message, first.code);

    const at = this.iso(now);
    for (const p of r.skipped) {
      p.status = "cancelled";
      p.updated_at = at;
    }
    if (r.skipped.length > 0) this.recomputeStats(c);
    const runId = `run_${this.newId().replace(/-/g, "")}`;
    c.status = "launching";
    c.launch = { run_id: runId, started_at: now, completes_at: now + this.launchDelayMs };
    c.updated_at = at;
    this.launching.add(c.id);
    const toProcess = r.pending.length - r.skipped.length;
    const body: Record<string, unknown> = {
      success: true,
      message: `Launch started: ${toProcess} prospect${toProcess === 1 ? "" : "s"} queued`,
      runId,
      prospectsToProcess: toProcess,
    };
    if (r.skipped.length > 0) {
      body["warning"] = `${r.skipped.length} prospect${r.skipped.length === 1 ? " was" : "s were"} skipped: already in another active LinkedIn campaign`;
      body["skippedProspects"] = r.skipped.map((p) => ({ id: p.id, linkedin_url: p.linkedin_url, name: p.name }));
      body["skippedCount"] = r.skipped.length;
    }
    return ok(body);
  }

  private pause({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    if (c.status !== "active") throw new ApiError(400, "Only active campaigns can be paused", "INVALID_STATUS");
    c.status = "paused";
    this.touch(c);
    return ok({ campaign: this.campaignView(c) });
  }

  private resume({ params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    if (c.status !== "paused") throw new ApiError(400, "Only paused campaigns can be resumed", "INVALID_STATUS");
    const open = this.prospectsOf(c).some((p) => !TERMINAL_PROSPECT_STATUSES.includes(p.status));
    c.status = open ? "active" : "completed";
    this.touch(c);
    return ok({ campaign: this.campaignView(c) });
  }

  // -------------------------------------------------------------------------------------------
  // Sequence node endpoints (draft only)
  // -------------------------------------------------------------------------------------------

  private renumber(list: NodeRecord[]): void {
    list.forEach((n, i) => (n.position = i));
  }

  private addNode({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "The sequence");
    const b = requireBody(req.body);
    if (!has(b, "type")) throw invalid("type is required");
    const type = parseNodeType(b["type"], c.type, "type");
    if (type === "end") throw invalid("A sequence has exactly one end node; new nodes are inserted before it", "INVALID_SEQUENCE");
    const list = this.nodesOf(c);
    const endIndex = list.findIndex((n) => n.type === "end");
    const last = endIndex >= 0 ? endIndex : list.length;
    const position = has(b, "position") && b["position"] !== null ? expectInt(b["position"], "position", 0, last) : last;
    const content = buildNodeContent(type, parseNodeContent(b, type, "node"));
    if (type === "delay") {
      const problem = delayProblem(content);
      if (problem) throw invalid(problem, "INVALID_DELAY");
    }
    if (list.length >= MAX_PATCH_ARRAY) throw invalid(`A sequence holds at most ${MAX_PATCH_ARRAY} nodes`);
    list.splice(position, 0, this.makeNode(c.id, position, type, content));
    this.renumber(list);
    this.touch(c);
    return ok({ sequence_nodes: this.nodeViews(c.id) }, 201);
  }

  private moveNode({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "The sequence");
    const b = requireBody(req.body);
    if (!has(b, "nodeId")) throw invalid("nodeId is required");
    if (!has(b, "toPosition")) throw invalid("toPosition is required");
    const nodeId = expectUuid(b["nodeId"], "nodeId");
    const list = this.nodesOf(c);
    const endIndex = list.findIndex((n) => n.type === "end");
    const maxPosition = Math.max(0, (endIndex >= 0 ? endIndex : list.length) - 1);
    const to = expectInt(b["toPosition"], "toPosition", 0, maxPosition);
    const from = list.findIndex((n) => n.id === nodeId);
    if (from < 0) throw new ApiError(404, `Node ${nodeId} not found in this campaign`, "NOT_FOUND");
    if (list[from]!.type === "end") throw invalid("The end node cannot be moved", "INVALID_SEQUENCE");
    const [node] = list.splice(from, 1);
    list.splice(to, 0, node!);
    this.renumber(list);
    if (from !== to) this.touch(c);
    return ok({ sequence_nodes: this.nodeViews(c.id) });
  }

  private deleteNode({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "The sequence");
    const b = requireBody(req.body);
    if (!has(b, "nodeId")) throw invalid("nodeId is required");
    const nodeId = expectUuid(b["nodeId"], "nodeId");
    const list = this.nodesOf(c);
    const index = list.findIndex((n) => n.id === nodeId);
    if (index < 0) throw new ApiError(404, `Node ${nodeId} not found in this campaign`, "NOT_FOUND");
    if (list[index]!.type === "end") throw invalid("The end node cannot be deleted", "INVALID_SEQUENCE");
    list.splice(index, 1);
    this.renumber(list);
    for (const p of this.prospectsOf(c)) if (p.current_node_id === nodeId) p.current_node_id = null;
    this.touch(c);
    return ok({ success: true, sequence_nodes: this.nodeViews(c.id) });
  }

  private updateNode({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "The sequence");
    const b = requireBody(req.body);
    const node = this.nodesOf(c).find((n) => n.id === params["nodeId"]);
    if (!node) throw new ApiError(404, `Node ${params["nodeId"]} not found in this campaign`, "NOT_FOUND");
    const immutable: [string, unknown][] = [
      ["type", node.type],
      ["position", node.position],
      ["campaign_id", node.campaign_id],
    ];
    for (const [field, current] of immutable) {
      if (has(b, field) && b[field] !== current) {
        const hint = field === "type" ? "delete the node and add a new one" : field === "position" ? "move it with PATCH /sequence/nodes" : "it cannot change";
        throw invalid(`${field} is immutable (${hint})`, "IMMUTABLE_FIELD");
      }
    }
    // Partial content update; the delay-total rule is not checked here (validate/launch do) [D].
    const patch = parseNodeContent(b, node.type, "node");
    const { id: _id, campaign_id: _campaign, position: _position, type: _type, ...current } = node;
    const next = mergeNodeContent(node.type, current, patch);
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      Object.assign(node, next);
      this.touch(c);
    }
    const view = structuredClone(node);
    return ok({ node: { ...view, purpose: view.ai_node?.["purpose"] ?? null, output_type: view.ai_node?.["output_type"] ?? null } });
  }

  // -------------------------------------------------------------------------------------------
  // Prospect roster
  // -------------------------------------------------------------------------------------------

  private identityField(c: CampaignRecord): "email" | "linkedin_url" {
    return c.type === "email" ? "email" : "linkedin_url";
  }

  private identityOf(c: CampaignRecord, p: Pick<ProspectRecord, "email" | "linkedin_url">): string | null {
    if (c.type === "email") return p.email === null ? null : normaliseEmail(p.email);
    return p.linkedin_url === null ? null : normaliseLinkedinUrl(p.linkedin_url);
  }

  /** Profile fields of one prospect row (POST) or patch (PATCH); identity rules per channel [D]. */
  private parseProspectFields(c: CampaignRecord, raw: Obj, at: string, requireIdentity: boolean) {
    const out: Partial<Pick<ProspectRecord, "email" | "linkedin_url" | "first_name" | "last_name" | "company" | "position" | "headline" | "custom_fields">> = {};
    const identity = this.identityField(c);
    for (const field of ["email", "linkedin_url"] as const) {
      if (!has(raw, field)) continue;
      const value = expectString(raw[field], `${at}.${field}`, { nullable: true });
      if (value === null || value.trim() === "") {
        if (field === identity) throw invalid(`${at}: ${field} is required for ${c.type} campaigns`, "MISSING_IDENTITY");
        out[field] = null;
        continue;
      }
      if (field === "email" && !EMAIL_RE.test(value.trim())) throw invalid(`${at}.email is not a valid email address (got "${value.slice(0, 60)}")`);
      out[field] = field === "email" ? normaliseEmail(value) : normaliseLinkedinUrl(value);
    }
    if (requireIdentity && out[identity] == null) throw invalid(`${at}: ${identity} is required for ${c.type} campaigns`, "MISSING_IDENTITY");
    for (const field of PROFILE_FIELDS) {
      if (has(raw, field)) out[field] = expectString(raw[field], `${at}.${field}`, { nullable: true });
    }
    if (has(raw, "custom_fields")) {
      const cf = raw["custom_fields"];
      if (cf !== null && !isObject(cf)) throw invalid(`${at}.custom_fields must be an object or null`);
      out.custom_fields = cf === null ? {} : structuredClone(cf);
    }
    return out;
  }

  private listProspects({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    const page = parseQueryInt(req.query.get("page"), "page", 1, Number.MAX_SAFE_INTEGER, 1);
    const limit = parseQueryInt(req.query.get("limit"), "limit", 1, 200, 100);
    const status = req.query.get("status");
    if (status !== null && !(PROSPECT_STATUSES as readonly string[]).includes(status)) {
      throw invalid(`status must be one of ${PROSPECT_STATUSES.join(", ")} (got "${status.slice(0, 40)}")`);
    }
    const all = this.prospectsOf(c).filter((p) => status === null || p.status === (status as ProspectStatus));
    const start = (page - 1) * limit;
    return ok({ prospects: structuredClone(all.slice(start, start + limit)), total: all.length, page, limit });
  }

  private addProspects({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "Prospects");
    const b = requireBody(req.body);
    if (!has(b, "prospects")) throw invalid("prospects is required (an array of 1 to 1000 prospects)");
    const rows = expectArray(b["prospects"], "prospects", 1, 1000);
    const parsed = rows.map((row, i) => {
      if (!isObject(row)) throw invalid(`prospects[${i}] must be an object`);
      return this.parseProspectFields(c, row, `prospects[${i}]`, true);
    });
    const list = this.prospectsOf(c);
    const seen = new Set(list.map((p) => this.identityOf(c, p)).filter((k): k is string => k !== null));
    const at = this.iso();
    let imported = 0;
    let duplicates = 0;
    for (const f of parsed) {
      const key = this.identityOf(c, { email: f.email ?? null, linkedin_url: f.linkedin_url ?? null })!;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      imported++;
      list.push({
        id: this.newId(),
        campaign_id: c.id,
        user_id: c.user_id,
        status: "pending",
        email: f.email ?? null,
        linkedin_url: f.linkedin_url ?? null,
        first_name: f.first_name ?? null,
        last_name: f.last_name ?? null,
        name: fullName(f.first_name ?? null, f.last_name ?? null),
        company: f.company ?? null,
        position: f.position ?? null,
        headline: f.headline ?? null,
        custom_fields: f.custom_fields ?? {},
        source: "api",
        source_ref: null,
        created_at: at,
        updated_at: at,
        bounced_at: null,
        replied_at: null,
        current_node_id: null,
      });
    }
    this.recomputeStats(c);
    this.touch(c);
    return ok({ imported, duplicates });
  }

  private patchProspect({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "Prospects");
    const b = requireBody(req.body);
    if (!has(b, "prospect_id")) throw invalid("prospect_id is required");
    const id = expectUuid(b["prospect_id"], "prospect_id");
    const list = this.prospectsOf(c);
    const p = list.find((x) => x.id === id);
    if (!p) throw new ApiError(404, `Prospect ${id} not found in this campaign`, "NOT_FOUND");
    const f = this.parseProspectFields(c, b, "prospect", false);
    const next = { ...p, ...f };
    const key = this.identityOf(c, next);
    if (list.some((x) => x.id !== p.id && this.identityOf(c, x) === key)) {
      throw new ApiError(409, `Another prospect in this campaign already has this ${this.identityField(c)}`, "DUPLICATE_PROSPECT");
    }
    Object.assign(p, f);
    p.name = fullName(p.first_name, p.last_name);
    p.updated_at = this.iso();
    return ok({ prospect: structuredClone(p) });
  }

  private deleteProspects({ req, params }: RouteContext): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "Prospects");
    const b = requireBody(req.body);
    const all = has(b, "all") ? expectBoolean(b["all"], "all") : false;
    if (all) {
      this.prospects.set(c.id, []);
      this.recomputeStats(c);
      this.touch(c);
      return ok({ deleted: "all" });
    }
    if (!has(b, "prospect_ids")) throw invalid("Provide prospect_ids (1 to 500 ids) or all: true");
    const ids = new Set(expectArray(b["prospect_ids"], "prospect_ids", 1, 500).map((v, i) => expectUuid(v, `prospect_ids[${i}]`)));
    const list = this.prospectsOf(c);
    const kept = list.filter((p) => !ids.has(p.id));
    const deleted = list.length - kept.length;
    this.prospects.set(c.id, kept);
    this.recomputeStats(c);
    if (deleted > 0) this.touch(c);
    return ok({ deleted });
  }

  private notSimulated({ params }: RouteContext, what: string): SimResponse {
    const c = this.ownCampaign(params["campaignId"]!);
    this.requireDraft(c, "Prospects");
    return errorResponse(
      501,
      `${what} is not simulated by the campaignctl sandbox; add prospects with POST /api/campaigns/${c.id}/leads`,
      "NOT_SIMULATED",
    );
  }
}

function matchRoute(pattern: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(":")) {
      if (s === "") return null;
      params[p.slice(1)] = safeDecode(s);
    } else if (p !== s) {
      return null;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function parseQueryInt(raw: string | null, name: string, min: number, max: number, fallback: number): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw invalid(`${name} must be an integer between ${min} and ${max} (got "${raw.slice(0, 40)}")`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalid(`${name} must be an integer between ${min} and ${max} (got ${raw.slice(0, 40)})`);
  return n;
}

function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

function fullName(first: string | null, last: string | null): string | null {
  const name = [first, last].filter((s) => s !== null && s.trim() !== "").join(" ").trim();
  return name === "" ? null : name;
}

/** Minimal structural check of persisted data before it replaces the current state. */
function checkSnapshot(data: unknown): PuffleState {
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
