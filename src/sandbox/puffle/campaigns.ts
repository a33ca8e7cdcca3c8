/** Campaign create, list, get, PATCH and delete (src/providers/puffle/README.md §4.1–§4.4). */
import type { SimResponse } from "../types.js";
import {
  CAMPAIGN_TYPES,
  MAX_ACCOUNT_LIMITS,
  SANDBOX_USER_ID,
  type AccountLimit,
  type CampaignRecord,
  type CampaignType,
  type NodeRecord,
  type NodeType,
} from "./model.js";
import { ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import type { PuffleStore } from "./store.js";
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
  parseNodeContent,
  parseNodeType,
  requireBody,
} from "./validation.js";

export function listCampaignsRoute(db: PuffleStore): SimResponse {
  const campaigns = db.sortedCampaigns().map((c) => ({ ...db.campaignView(c), node_count: db.nodesOf(c).length }));
  return ok({ campaigns });
}

export function getCampaign(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const byStatus: Record<string, number> = {};
  // Per node id (or __none__), counts keyed by prospect status [D example].
  const byNode: Record<string, Record<string, number>> = {};
  for (const p of db.prospectsOf(c)) {
    byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
    const node = (byNode[p.current_node_id ?? "__none__"] ??= {});
    node[p.status] = (node[p.status] ?? 0) + 1;
  }
  return ok({
    campaign: db.campaignView(c),
    sequence_nodes: db.nodeViews(c.id),
    prospects_by_status: byStatus,
    prospects_by_node: byNode,
  });
}

/** `sender_account_ids`: UUIDs of existing senders whose type matches the campaign [D]. */
export function parseSenderIds(db: PuffleStore, value: unknown, type: CampaignType): string[] {
  const list = expectArray(value, "sender_account_ids", 0, Number.MAX_SAFE_INTEGER);
  const ids: string[] = [];
  list.forEach((raw, i) => {
    const id = expectUuid(raw, `sender_account_ids[${i}]`);
    const s = db.sender(id);
    if (!s) throw invalid(`sender_account_ids[${i}]: sender account ${id} not found`, "SENDER_NOT_FOUND");
    if (s.type !== type) {
      throw invalid(
        `sender_account_ids[${i}]: sender account ${id} is a ${s.type} account; a ${type} campaign needs ${type} senders`,
        "SENDER_TYPE_MISMATCH",
      );
    }
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

/** `account_limits`: ≤ 50 entries, daily_limit 1–500 [A]; a duplicate account_id keeps the last value [K]. */
export function parseAccountLimits(db: PuffleStore, value: unknown): AccountLimit[] {
  const list = expectArray(value, "account_limits", 0, MAX_ACCOUNT_LIMITS);
  const out = new Map<string, number>();
  list.forEach((raw, i) => {
    if (!isObject(raw)) throw invalid(`account_limits[${i}] must be an object with account_id and daily_limit`);
    const id = expectUuid(raw["account_id"], `account_limits[${i}].account_id`);
    if (!db.sender(id)) throw invalid(`account_limits[${i}].account_id: sender account ${id} not found`, "SENDER_NOT_FOUND");
    out.delete(id);
    out.set(id, expectInt(raw["daily_limit"], `account_limits[${i}].daily_limit`, 1, 500));
  });
  return [...out].map(([account_id, daily_limit]) => ({
    account_id,
    daily_limit,
  }));
}

/** Whole-sequence replacement, fully validated (src/providers/puffle/README.md §4.3, §7). */
export function parseSequence(db: PuffleStore, value: unknown, type: CampaignType, campaignId: string): NodeRecord[] {
  const list = expectArray(value, "sequence_nodes", 1, Number.MAX_SAFE_INTEGER);
  const nodes = list.map((raw, i) => {
    const at = `sequence_nodes[${i}]`;
    if (!isObject(raw)) throw invalid(`${at} must be an object`);
    const nodeType = parseNodeType(raw["type"], type, `${at}.type`);
    const content = buildNodeContent(nodeType, parseNodeContent(raw, nodeType, at));
    if (nodeType === "delay") {
      const problem = delayProblem(content);
      if (problem) throw invalid(`${at}: ${problem}`, "INVALID_DELAY");
    }
    return db.makeNode(campaignId, i, nodeType, content);
  });
  const ends = nodes.filter((n) => n.type === "end").length;
  if (nodes[nodes.length - 1]?.type !== "end" || ends !== 1) {
    throw invalid(
      `sequence_nodes must end with exactly one end node (found ${ends} end node${ends === 1 ? "" : "s"}, last is ${nodes[nodes.length - 1]?.type})`,
      "INVALID_SEQUENCE",
    );
  }
  return nodes;
}

export function createCampaign(db: PuffleStore, { req }: RouteContext): SimResponse {
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
  const senderIds = parseSenderIds(db, b["sender_account_ids"], channel);
  // Every field is type-checked; the other channel's fields are then silently dropped [D].
  const skip = has(b, "skip_other_campaigns") ? expectBoolean(b["skip_other_campaigns"], "skip_other_campaigns") : undefined;
  const hours = has(b, "operating_hours") ? expectOperatingHours(b["operating_hours"]) : undefined;
  const dailyLimit = has(b, "daily_limit") ? expectInt(b["daily_limit"], "daily_limit", 1, 500) : undefined;
  const stopOnReply = has(b, "stop_on_reply") ? expectBoolean(b["stop_on_reply"], "stop_on_reply") : undefined;
  const openTracking = has(b, "open_tracking") ? expectBoolean(b["open_tracking"], "open_tracking") : undefined;
  const signature = has(b, "signature") ? expectString(b["signature"], "signature", { nullable: true }) : undefined;
  if (db.nameOwner(name) !== undefined) {
    throw new ApiError(409, `A campaign named "${name}" already exists`, "NAME_CONFLICT");
  }

  const id = db.newId();
  const at = db.iso();
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
    seq: ++db.seq,
  };
  const seeded: NodeType[] = email ? ["email", "end"] : ["connection_request", "end"];
  db.campaigns.set(id, c);
  db.names.set(name, id);
  db.nodes.set(
    id,
    seeded.map((t, i) => db.makeNode(id, i, t, buildNodeContent(t, {}))),
  );
  db.prospects.set(id, []);
  return ok({ campaign: { ...db.campaignView(c), sequence_nodes: db.nodeViews(id) } }, 201);
}

export function patchCampaign(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const b = requireBody(req.body);

  // 1. Validate everything (types, ranges, references, conflicts) before writing anything.
  const name = has(b, "name") ? expectName(b["name"]) : undefined;
  const hours = has(b, "operating_hours") ? expectOperatingHours(b["operating_hours"]) : undefined;
  const dailyLimit = has(b, "daily_limit") ? expectInt(b["daily_limit"], "daily_limit", 1, 500) : undefined;
  const skip = has(b, "skip_other_campaigns") ? expectBoolean(b["skip_other_campaigns"], "skip_other_campaigns") : undefined;
  const stopOnReply = has(b, "stop_on_reply") ? expectBoolean(b["stop_on_reply"], "stop_on_reply") : undefined;
  const openTracking = has(b, "open_tracking") ? expectBoolean(b["open_tracking"], "open_tracking") : undefined;
  const signature = has(b, "signature") ? expectString(b["signature"], "signature", { nullable: true }) : undefined;
  const senderIds = has(b, "sender_account_ids") ? parseSenderIds(db, b["sender_account_ids"], c.type) : undefined;
  const limits = has(b, "account_limits") ? parseAccountLimits(db, b["account_limits"]) : undefined;
  const sequence = has(b, "sequence_nodes") ? parseSequence(db, b["sequence_nodes"], c.type, c.id) : undefined;
  if (name !== undefined) {
    const owner = db.nameOwner(name);
    if (owner !== undefined && owner !== c.id) throw new ApiError(409, `A campaign named "${name}" already exists`, "NAME_CONFLICT");
  }

  // 2. Apply what the status and channel allow; the rest is silently ignored [D].
  const draft = c.status === "draft";
  const email = c.type === "email";
  const before = JSON.stringify([db.campaignView(c), c.account_limits]);
  let sequenceChanged = false;
  if (name !== undefined && name !== c.name) {
    db.names.delete(c.name);
    db.names.set(name, c.id);
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
      db.nodes.set(c.id, sequence);
      // Prospects pointing at a removed node are no longer at a node.
      for (const p of db.prospectsOf(c)) p.current_node_id = null;
      sequenceChanged = true;
    }
  }
  if (sequenceChanged || JSON.stringify([db.campaignView(c), c.account_limits]) !== before) db.touch(c);
  return ok({ campaign: db.campaignView(c) });
}

export function deleteCampaign(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.campaigns.delete(c.id);
  db.nodes.delete(c.id);
  db.prospects.delete(c.id);
  db.launching.delete(c.id);
  if (db.names.get(c.name) === c.id) db.names.delete(c.name);
  return ok({ success: true });
}
