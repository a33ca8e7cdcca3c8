import { isJsonObject, type JsonObject } from "./json.js";
import { PLAN_FORMAT_VERSION, type BlockedCode, type BlockedStep, type Plan, type PlanNote } from "./plan.js";

/**
 * The versioned reader of saved plan documents (`plan --out`, read by `apply PLANFILE` and `show`).
 *
 * - formatVersion 2 (current): blocked steps carry `code` (and `field`), notes are `{ code, text }`.
 * - formatVersion 1: blocked steps had words only, notes were strings. Read by upgrading: each note
 *   becomes `{ code: "note", text }`; each blocked step gets the code its words meant when v1 was
 *   written (this is the one place that reads those words, and only for documents written before codes).
 *
 * Returns the plan, or why the document is not one.
 */
export function readPlanDocument(raw: unknown): { plan: Plan } | { error: string } {
  if (!isJsonObject(raw) || !Array.isArray(raw.campaigns)) return { error: "it has no `campaigns` list" };
  if (raw.formatVersion === PLAN_FORMAT_VERSION) return { plan: raw as unknown as Plan };
  if (raw.formatVersion === 1) return { plan: upgradeV1(raw) };
  return { error: `formatVersion ${JSON.stringify(raw.formatVersion ?? null)} is not one this campaignctl reads (${PLAN_FORMAT_VERSION}, or 1)` };
}

function upgradeV1(raw: JsonObject): Plan {
  const campaigns = (raw.campaigns as unknown[]).map((c) => {
    if (!isJsonObject(c)) return c;
    const changes = Array.isArray(c.changes) ? c.changes.filter(isJsonObject) : [];
    const blockedPaths = new Set(changes.filter((ch) => ch.class === "blocked").map((ch) => String(ch.path)));
    const notes: PlanNote[] = (Array.isArray(c.notes) ? c.notes : []).map((n) => ({ code: "note", text: String(n) }));
    const blocked = (Array.isArray(c.blocked) ? c.blocked : []).filter(isJsonObject).map((b) => v1Blocked(b, blockedPaths));
    return { ...c, notes, blocked };
  });
  return { ...(raw as unknown as Plan), formatVersion: PLAN_FORMAT_VERSION, campaigns: campaigns as unknown as Plan["campaigns"] };
}

/** A v1 blocked step's code, from the words campaignctl wrote for each kind of block before codes existed. */
function v1Blocked(b: JsonObject, blockedPaths: ReadonlySet<string>): BlockedStep {
  const what = String(b.what ?? "");
  const reason = String(b.reason ?? "");
  let code: BlockedCode;
  let field: string | undefined;
  const flag = /^([\w.]+): true → false$/.exec(what);
  if (what.startsWith("audience: +")) code = "audience-add-blocked";
  else if (what.startsWith("audience: ~")) code = "audience-update-blocked";
  else if (what.startsWith("audience: -")) code = reason.includes("no longer listed cannot be removed") ? "audience-kept" : "audience-remove-blocked";
  else if (what.startsWith("status ")) code = "status-unreachable";
  else if (what === "create") code = reason.startsWith("an earlier apply sent this create") ? "create-unconfirmed" : "create-incomplete";
  else if (flag) [code, field] = ["flag-irreversible", flag[1]];
  else if (blockedPaths.has(what)) [code, field] = ["field-blocked", what];
  else code = "preflight-failed";
  return { code, ...(field === undefined ? {} : { field }), what, reason, ...(typeof b.unblock === "string" ? { unblock: b.unblock } : {}) };
}
