/** Validate, launch, pause and resume, and the background `launching → active` step (src/providers/puffle/README.md §4.5–§4.7, §5). */
import type { SimResponse } from "../types.js";
import {
  LAUNCH_LOCK_MS,
  MAX_DELAY_MINUTES,
  SENDING_NODE_TYPES,
  TERMINAL_PROSPECT_STATUSES,
  type CampaignRecord,
  type ProspectRecord,
  type SenderAccount,
} from "./model.js";
import { normaliseLinkedinUrl } from "./prospects.js";
import { ok } from "./responses.js";
import type { RouteContext } from "./routes.js";
import type { PuffleStore } from "./store.js";
import { ApiError, delayProblem, missingContent } from "./validation.js";

/** Background work the real service does: finish launches whose time has come (`launching → active`). */
export function settleLaunches(db: PuffleStore): void {
  if (db.launching.size === 0) return;
  const now = db.now();
  for (const id of [...db.launching]) {
    const c = db.campaigns.get(id);
    const due = c?.launch?.completes_at;
    if (!c || c.status !== "launching" || due == null) {
      db.launching.delete(id);
    } else if (now >= due) {
      // A failed background dispatch rolls the status back to draft [D]; otherwise the launch is done.
      c.status = c.launch?.rolls_back ? "draft" : "active";
      if (c.launch?.rolls_back) c.launch = null;
      c.updated_at = db.iso(due);
      db.launching.delete(id);
    }
  }
}

interface ReadinessError {
  code: string;
  message: string;
}

interface Readiness {
  /** The nine documented keys of GET …/validate [D]. */
  checks: {
    is_draft: boolean;
    has_sender_accounts: boolean;
    sender_accounts_ready: boolean;
    has_prospects: boolean;
    prospect_count: number;
    has_sendable_nodes: boolean;
    all_nodes_have_content: boolean;
    messages_generated: boolean;
    message_count: number;
  };
  errors: ReadinessError[];
  warnings: string[];
  pending: ProspectRecord[];
  skipped: ProspectRecord[];
}

/**
 * Launch readiness. `mode` matters only for email senders: validate accepts active or warming
 * senders, launch refuses any that is not active (warm-up incomplete) [D, as written].
 */
export function readiness(db: PuffleStore, c: CampaignRecord, mode: "validate" | "launch"): Readiness {
  const errors: ReadinessError[] = [];
  const warnings: string[] = [];
  const prospects = db.prospectsOf(c);
  const pending = prospects.filter((p) => p.status === "pending");
  const nodes = db.nodesOf(c);

  const senders = c.sender_account_ids.map((id) => db.sender(id)).filter((s): s is SenderAccount => s !== undefined);
  const senderErrors: ReadinessError[] = [];
  for (const s of senders) {
    if (s.type === "email") {
      const usable = mode === "launch" ? s.status === "active" : s.status === "active" || s.status === "warming";
      if (!usable)
        senderErrors.push({
          code: "SENDERS_NOT_READY",
          message: `Email sender ${s.email_address ?? s.id} is not active (status ${s.status}; warm-up incomplete)`,
        });
      else if (!s.has_inbox)
        senderErrors.push({
          code: "SENDERS_NOT_READY",
          message: `Email sender ${s.email_address ?? s.id} has no sending inbox`,
        });
    } else if (s.status !== "connected") {
      senderErrors.push({
        code: "LINKEDIN_NOT_CONNECTED",
        message: `LinkedIn account ${s.display_name} is no longer connected (status ${s.status})`,
      });
    }
  }

  const sending = nodes.filter((n) => SENDING_NODE_TYPES.includes(n.type));
  const missing = nodes.filter((n) => missingContent(n)).map((n) => n.position);
  const badDelays = nodes.filter((n) => n.type === "delay" && delayProblem(n) !== null);
  const sequenceErrors: ReadinessError[] = [];
  if (sending.length === 0)
    sequenceErrors.push({
      code: "NO_SENDABLE_NODES",
      message: "The sequence has no sendable nodes",
    });
  if (missing.length > 0) {
    sequenceErrors.push({
      code: "MISSING_CONTENT",
      message: `Nodes with missing content at position${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`,
    });
  }
  for (const n of badDelays) {
    sequenceErrors.push({
      code: "INVALID_DELAY",
      message: `Delay node at position ${n.position} must total at least 1 minute and at most ${MAX_DELAY_MINUTES / 1440} days`,
    });
  }
  if (nodes[nodes.length - 1]?.type !== "end" || nodes.filter((n) => n.type === "end").length !== 1) {
    sequenceErrors.push({
      code: "INVALID_SEQUENCE",
      message: "The sequence must end with exactly one end node",
    });
  }

  // skip_other_campaigns: prospects already in another active LinkedIn campaign are skipped.
  let skipped: ProspectRecord[] = [];
  if (c.type === "linkedin" && c.skip_other_campaigns === true && pending.length > 0) {
    const elsewhere = new Set<string>();
    for (const other of db.campaigns.values()) {
      if (other.id === c.id || other.type !== "linkedin" || other.user_id !== c.user_id) continue;
      if (other.status !== "active" && other.status !== "launching") continue;
      for (const p of db.prospectsOf(other)) if (p.linkedin_url) elsewhere.add(normaliseLinkedinUrl(p.linkedin_url));
    }
    skipped = pending.filter((p) => p.linkedin_url !== null && elsewhere.has(normaliseLinkedinUrl(p.linkedin_url)));
  }

  // Launch-page order [D]: senders/prospects/sendable nodes, missing content, sender readiness, dedup.
  if (senders.length === 0)
    errors.push({
      code: "NO_SENDERS",
      message: "The campaign has no sender accounts",
    });
  if (pending.length === 0)
    errors.push({
      code: "NO_PENDING_PROSPECTS",
      message: "The campaign has no pending prospects",
    });
  errors.push(...sequenceErrors, ...senderErrors);
  if (pending.length > 0 && skipped.length === pending.length) {
    errors.push({
      code: "ALL_PROSPECTS_SKIPPED",
      message: `All ${pending.length} pending prospects are already in another active LinkedIn campaign (skip_other_campaigns)`,
    });
  } else if (skipped.length > 0) {
    warnings.push(
      `${skipped.length} of ${pending.length} pending prospects are already in another active LinkedIn campaign and will be skipped`,
    );
  }

  // No simulated message generation: templates are "generated" only when every sender is an AI node.
  const onlyAi = sending.length > 0 && sending.every((n) => n.type === "ai");
  const messagesGenerated = onlyAi || pending.length === 0;
  if (!messagesGenerated) {
    warnings.push(
      `Draft messages have not been generated for ${pending.length} pending prospect${pending.length === 1 ? "" : "s"}; they will be generated at send time`,
    );
  }

  return {
    checks: {
      is_draft: c.status === "draft",
      has_sender_accounts: senders.length > 0,
      sender_accounts_ready: senders.length > 0 && senderErrors.length === 0,
      has_prospects: pending.length > 0,
      prospect_count: prospects.length,
      has_sendable_nodes: sending.length > 0,
      all_nodes_have_content: missing.length === 0,
      messages_generated: messagesGenerated,
      // Nothing generates draft messages in the sandbox.
      message_count: 0,
    },
    errors,
    warnings,
    pending,
    skipped,
  };
}

export function notDraftMessage(c: CampaignRecord): string {
  return `Campaign is ${c.status} — must be draft to launch`;
}

export function validateRoute(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const r = readiness(db, c, "validate");
  if (c.status !== "draft") {
    // Short-circuit: the other checks are skipped [D]; which keys remain is not shown, so only is_draft [A].
    return ok({
      ready: false,
      checks: { is_draft: false },
      errors: [notDraftMessage(c)],
      warnings: [],
    });
  }
  return ok({
    ready: r.errors.length === 0,
    checks: r.checks,
    errors: r.errors.map((e) => e.message),
    warnings: r.warnings,
  });
}

export function launch(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  const now = db.now();
  if (c.status === "launching" && c.launch && now - c.launch.started_at < LAUNCH_LOCK_MS) {
    throw new ApiError(
      409,
      `A launch of this campaign started ${Math.floor((now - c.launch.started_at) / 1000)} s ago and is still running`,
      "LAUNCH_IN_PROGRESS",
    );
  }
  if (c.status !== "draft") throw new ApiError(400, notDraftMessage(c), "INVALID_STATUS");
  const r = readiness(db, c, "launch");
  const first = r.errors[0];
  if (first) throw new ApiError(400, first.message, first.code);

  const at = db.iso(now);
  for (const p of r.skipped) {
    p.status = "cancelled";
    p.updated_at = at;
  }
  if (r.skipped.length > 0) db.recomputeStats(c);
  const runId = `run_${db.newId().replace(/-/g, "")}`;
  c.status = "launching";
  c.launch = {
    run_id: runId,
    started_at: now,
    completes_at: now + db.settings.launchDelayMs,
    ...(db.settings.launchOutcome === "rollback" ? { rolls_back: true } : {}),
  };
  c.updated_at = at;
  db.launching.add(c.id);
  const toProcess = r.pending.length - r.skipped.length;
  const body: Record<string, unknown> = {
    success: true,
    message: `Launch started: ${toProcess} prospect${toProcess === 1 ? "" : "s"} queued`,
    runId,
    prospectsToProcess: toProcess,
  };
  if (r.skipped.length > 0) {
    body["warning"] =
      `${r.skipped.length} prospect${r.skipped.length === 1 ? " was" : "s were"} skipped: already in another active LinkedIn campaign`;
    body["skippedProspects"] = r.skipped.map((p) => ({
      id: p.id,
      linkedin_url: p.linkedin_url,
      name: p.name,
    }));
    body["skippedCount"] = r.skipped.length;
  }
  return ok(body);
}

export function pause(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  if (c.status !== "active") throw new ApiError(400, "Only active campaigns can be paused", "INVALID_STATUS");
  c.status = "paused";
  db.touch(c);
  return ok({ campaign: db.campaignView(c) });
}

export function resume(db: PuffleStore, { params }: RouteContext): SimResponse {
  const c = db.ownCampaign(params["campaignId"]!);
  if (c.status !== "paused") throw new ApiError(400, "Only paused campaigns can be resumed", "INVALID_STATUS");
  const open = db.prospectsOf(c).some((p) => !TERMINAL_PROSPECT_STATUSES.includes(p.status));
  c.status = open ? "active" : "completed";
  db.touch(c);
  return ok({ campaign: db.campaignView(c) });
}
