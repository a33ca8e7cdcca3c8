/** Fine-grained sequence node endpoints, draft only (src/providers/puffle/README.md §7). */
import type { SimResponse } from "../types.js";
import { ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import type { PuffleStore } from "./store.js";
import {
  ApiError,
  buildNodeContent,
  delayProblem,
  expectInt,
  expectUuid,
  has,
  invalid,
  mergeNodeContent,
  parseNodeContent,
  parseNodeType,
  requireBody,
} from "./validation.js";

export function addNode(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "The sequence");
  const b = requireBody(req.body);
  if (!has(b, "type")) throw invalid("type is required");
  const type = parseNodeType(b["type"], c.type, "type");
  if (type === "end") throw invalid("A sequence has exactly one end node; new nodes are inserted before it", "INVALID_SEQUENCE");
  const list = db.nodesOf(c);
  const endIndex = list.findIndex((n) => n.type === "end");
  const last = endIndex >= 0 ? endIndex : list.length;
  const position = has(b, "position") && b["position"] !== null ? expectInt(b["position"], "position", 0, last) : last;
  const content = buildNodeContent(type, parseNodeContent(b, type, "node"));
  if (type === "delay") {
    const problem = delayProblem(content);
    if (problem) throw invalid(problem, "INVALID_DELAY");
  }
  list.splice(position, 0, db.makeNode(c.id, position, type, content));
  db.renumber(list);
  db.touch(c);
  return ok({ sequence_nodes: db.nodeViews(c.id) }, 201);
}

export function moveNode(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "The sequence");
  const b = requireBody(req.body);
  if (!has(b, "nodeId")) throw invalid("nodeId is required");
  if (!has(b, "toPosition")) throw invalid("toPosition is required");
  const nodeId = expectUuid(b["nodeId"], "nodeId");
  const list = db.nodesOf(c);
  const endIndex = list.findIndex((n) => n.type === "end");
  const maxPosition = Math.max(0, (endIndex >= 0 ? endIndex : list.length) - 1);
  const to = expectInt(b["toPosition"], "toPosition", 0, maxPosition);
  const from = list.findIndex((n) => n.id === nodeId);
  if (from < 0) throw new ApiError(404, `Node ${nodeId} not found in this campaign`, "NOT_FOUND");
  if (list[from]!.type === "end") throw invalid("The end node cannot be moved", "INVALID_SEQUENCE");
  const [node] = list.splice(from, 1);
  list.splice(to, 0, node!);
  db.renumber(list);
  if (from !== to) db.touch(c);
  return ok({ sequence_nodes: db.nodeViews(c.id) });
}

export function deleteNode(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "The sequence");
  const b = requireBody(req.body);
  if (!has(b, "nodeId")) throw invalid("nodeId is required");
  const nodeId = expectUuid(b["nodeId"], "nodeId");
  const list = db.nodesOf(c);
  const index = list.findIndex((n) => n.id === nodeId);
  if (index < 0) throw new ApiError(404, `Node ${nodeId} not found in this campaign`, "NOT_FOUND");
  if (list[index]!.type === "end") throw invalid("The end node cannot be deleted", "INVALID_SEQUENCE");
  list.splice(index, 1);
  db.renumber(list);
  for (const p of db.prospectsOf(c)) if (p.current_node_id === nodeId) p.current_node_id = null;
  db.touch(c);
  return ok({ success: true, sequence_nodes: db.nodeViews(c.id) });
}

export function updateNode(db: PuffleStore, { req, params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  db.requireDraft(c, "The sequence");
  const b = requireBody(req.body);
  const node = db.nodesOf(c).find((n) => n.id === params["nodeId"]);
  if (!node) throw new ApiError(404, `Node ${params["nodeId"]} not found in this campaign`, "NOT_FOUND");
  const immutable: [string, unknown][] = [
    ["type", node.type],
    ["position", node.position],
    ["campaign_id", node.campaign_id],
  ];
  for (const [field, current] of immutable) {
    if (has(b, field) && b[field] !== current) {
      const hint =
        field === "type"
          ? "delete the node and add a new one"
          : field === "position"
            ? "move it with PATCH /sequence/nodes"
            : "it cannot change";
      throw invalid(`${field} is immutable (${hint})`, "IMMUTABLE_FIELD");
    }
  }
  // Partial content update; the delay-total rule is not checked here (validate/launch do) [D].
  const patch = parseNodeContent(b, node.type, "node");
  const { id: _id, campaign_id: _campaign, position: _position, type: _type, ...current } = node;
  const next = mergeNodeContent(node.type, current, patch);
  if (JSON.stringify(next) !== JSON.stringify(current)) {
    Object.assign(node, next);
    db.touch(c);
  }
  const view = structuredClone(node);
  return ok({
    node: {
      ...view,
      purpose: view.ai_node?.["purpose"] ?? null,
      output_type: view.ai_node?.["output_type"] ?? null,
    },
  });
}
