import type { PuffleSequenceNode, PuffleSpec } from "../generated/campaign.js";
import { reportOtherChannelFields } from "../channel-fields.js";
import type { SpecCheckContext, SpecValidator } from "../types.js";

type Channel = PuffleSpec["type"];
type NodeType = PuffleSequenceNode["type"];

/** Campaign fields that belong to one channel only (Puffle silently ignores the other channel's). */
const CHANNEL_FIELDS: Record<Channel, readonly (keyof PuffleSpec)[]> = {
  linkedin: ["skip_other_campaigns", "operating_hours"],
  email: ["daily_limit", "stop_on_reply", "open_tracking", "signature", "account_limits"],
};

const NODE_TYPES: Record<Channel, readonly NodeType[]> = {
  linkedin: ["connection_request", "message", "delay", "ai", "end"],
  email: ["email", "delay", "ai", "end"],
};

/** Content fields each node type uses; Puffle ignores the others. */
const NODE_FIELDS: Record<NodeType, readonly (keyof PuffleSequenceNode)[]> = {
  connection_request: ["body", "include_message"],
  message: ["body"],
  email: ["subject", "body", "body_html", "signature", "from_name", "reply_to", "cc", "bcc", "attachments", "is_reply"],
  delay: ["delay_days", "delay_hours", "delay_minutes"],
  ai: ["ai_node"],
  end: [],
};

const MAX_DELAY_MINUTES = 30 * 24 * 60;

const list = (items: readonly string[]): string => (items.length === 0 ? "none" : items.join(", "));

/**
 * Offline Puffle rules: channel-only fields, node types per channel, exactly one `end` node and it
 * is last, delay totals between 1 minute and 30 days, content fields only on their node types.
 */
export const validateSpec: SpecValidator = (raw, ctx) => {
  // Runs after the JSON Schema passed, so the spec has the generated type's shape.
  const spec = raw as unknown as PuffleSpec;
  const channel = spec.type;

  reportOtherChannelFields(raw, ctx, { code: "PUFFLE_CHANNEL_FIELD", channelField: "type", fields: CHANNEL_FIELDS, consequence: "Puffle would silently ignore it" });

  const nodes = spec.sequence_nodes;
  if (nodes === undefined) return;
  if (nodes.length === 0) {
    ctx.report(["sequence_nodes"], "PUFFLE_END_NODE", `sequence_nodes is an empty list; the sequence must end with exactly one "end" node`);
    return;
  }

  const allowed = NODE_TYPES[channel];
  nodes.forEach((node, i) => {
    if (!allowed.includes(node.type)) {
      ctx.report(
        ["sequence_nodes", i, "type"],
        "PUFFLE_NODE_TYPE",
        `node type "${node.type}" is not available in ${channel} campaigns; allowed: ${list(allowed)}`,
      );
    }
    if (node.type === "end" && i !== nodes.length - 1) {
      ctx.report(
        ["sequence_nodes", i, "type"],
        "PUFFLE_END_NODE",
        `"end" node at sequence_nodes[${i}] must be the last node (the sequence has ${nodes.length} nodes) and there must be exactly one`,
      );
    }
    if (node.type === "delay") checkDelay(node, i, ctx);
    for (const field of Object.keys(node) as (keyof PuffleSequenceNode)[]) {
      if (field === "type" || NODE_FIELDS[node.type].includes(field)) continue;
      ctx.report(
        ["sequence_nodes", i, field],
        "PUFFLE_NODE_FIELD",
        `${field} has no effect on nodes of type "${node.type}" (Puffle ignores it); fields for ${node.type} nodes: ${list(NODE_FIELDS[node.type])}`,
        "warning",
        "key",
      );
    }
  });

  const last = nodes.length - 1;
  if (nodes[last]!.type !== "end") {
    ctx.report(
      ["sequence_nodes", last, "type"],
      "PUFFLE_END_NODE",
      `the sequence must end with exactly one "end" node, but the last node is "${nodes[last]!.type}"; add "- type: end" as the last node`,
    );
  }
};

function checkDelay(node: PuffleSequenceNode, i: number, ctx: SpecCheckContext): void {
  const days = node.delay_days ?? 0;
  const hours = node.delay_hours ?? 0;
  const minutes = node.delay_minutes ?? 0;
  const total = days * 24 * 60 + hours * 60 + minutes;
  if (total >= 1 && total <= MAX_DELAY_MINUTES) return;
  const present = (["delay_days", "delay_hours", "delay_minutes"] as const).find((f) => node[f] !== undefined);
  ctx.report(
    present ? ["sequence_nodes", i, present] : ["sequence_nodes", i],
    "PUFFLE_DELAY_RANGE",
    `delay at sequence_nodes[${i}] totals ${formatMinutes(total)} (delay_days ${days}, delay_hours ${hours}, delay_minutes ${minutes}); allowed: 1 minute to 30 days`,
  );
}

function formatMinutes(total: number): string {
  if (total === 0) return "0 minutes";
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const parts = [
    days ? `${days} ${days === 1 ? "day" : "days"}` : "",
    hours ? `${hours} ${hours === 1 ? "hour" : "hours"}` : "",
    minutes ? `${minutes} ${minutes === 1 ? "minute" : "minutes"}` : "",
  ].filter(Boolean);
  return parts.join(" ");
}
