import type { KindCapabilities } from "./capabilities.js";
import { diffUnits, getPath, projectOnto } from "./diff.js";
import { jsonEqual, type JsonObject, type JsonValue } from "./json.js";
import { statusSatisfies } from "./lifecycle.js";
import { isAudienceBlocked, type ResourcePlan, type PlanNote } from "./plan.js";
import { lifecycleFields } from "./planner.js";
import { audienceSummary, sameFiles } from "./audience.js";
import type { Address, AudienceState, ProviderId } from "./types.js";

/**
 * pending: Git changed since the last apply (live still as applied).
 * out-of-band: live changed since the last apply (e.g. an edit in the provider's UI).
 * conflict: both changed, differently.
 * blocked: the difference cannot be applied in the campaign's current status.
 */
export type DriftClass = "pending" | "out-of-band" | "conflict" | "blocked";

export interface DriftField {
  path: string;
  git?: JsonValue;
  applied?: JsonValue;
  live?: JsonValue;
  class: DriftClass;
  reason?: string;
}

export interface ResourceDrift {
  address: Address;
  provider: ProviderId;
  id?: string;
  status?: string;
  /** Whole-campaign drift: not created yet, deleted outside campaignctl, or no longer in Git. */
  summary?: string;
  fields: DriftField[];
  notes: string[];
}

export interface DriftInput {
  address: Address;
  provider: ProviderId;
  caps: KindCapabilities;
  git?: JsonObject;
  applied?: JsonObject;
  live?: { id: string; status?: string; spec: JsonObject };
  /** The plan for this address, for the blocked classification (and its audience counts). */
  plan?: ResourcePlan;
  /** The audience as last applied (state). */
  appliedAudience?: AudienceState;
  notes?: readonly PlanNote[];
}

function classify(git: JsonValue | undefined, applied: JsonValue | undefined, live: JsonValue | undefined, hasState: boolean): DriftClass | undefined {
  if (jsonEqual(git, live)) return undefined;
  if (!hasState) return "pending";
  const gitMoved = !jsonEqual(git, applied);
  const liveMoved = !jsonEqual(live, applied);
  if (gitMoved && !liveMoved) return "pending";
  if (liveMoved && !gitMoved) return "out-of-band";
  return "conflict";
}

/** Three-way comparison of Git, last applied state and live for one campaign. Pure. */
export function driftOf(input: DriftInput): ResourceDrift {
  const { caps, git, applied, live } = input;
  const out: ResourceDrift = {
    address: input.address,
    provider: input.provider,
    ...(live ? { id: live.id } : {}),
    ...(live?.status === undefined ? {} : { status: live.status }),
    fields: [],
    notes: (input.notes ?? []).map((n) => n.text),
  };
  if (!git) {
    out.summary = live ? "in state but no longer in Git (orphan)" : "in state, no longer in Git, and gone live";
    return out;
  }
  if (!live) {
    out.summary = applied ? "recorded in state but not found live (deleted outside campaignctl)" : "declared in Git, not created yet";
    return out;
  }
  const lc = lifecycleFields(caps);
  const opts = { mergePaths: caps.mergePaths, opaquePaths: caps.opaquePaths, unorderedPaths: caps.unorderedPaths, skip: lc };
  const paths = new Set(diffUnits(git, live.spec, opts).map((u) => u.path));
  if (applied) for (const u of diffUnits(git, applied, opts)) paths.add(u.path);
  for (const path of [...paths].sort()) {
    const g = getPath(git, path);
    const a = applied ? projectOnto(g, getPath(applied, path)) : undefined;
    const l = projectOnto(g, getPath(live.spec, path));
    const cls = classify(g, a, l, applied !== undefined);
    if (!cls) continue;
    const planned = input.plan?.changes.find((c) => c.path === path);
    const field: DriftField = { path, ...(g === undefined ? {} : { git: g }), ...(a === undefined ? {} : { applied: a }), ...(l === undefined ? {} : { live: l }), class: cls };
    if (planned?.class === "blocked" || planned?.class === "immutable") {
      field.reason = `${cls}; ${planned.reason ?? "cannot be applied in the current status"}`;
      field.class = "blocked";
    }
    out.fields.push(field);
  }
  const statusField = caps.lifecycle.statusField;
  const want = statusField ? git[statusField] : undefined;
  if (statusField && typeof want === "string" && live.status !== undefined) {
    const ok = statusSatisfies(caps.lifecycle, want, live.status);
    if (!ok) {
      const was = applied?.[statusField];
      const cls: DriftClass = was === undefined || was === live.status ? "pending" : was === want ? "out-of-band" : "conflict";
      // The status cannot be reached, or an action on the way to it is refused by the provider's pre-check.
      const blocked = input.plan?.blocked.find(
        (b) => b.code === "status-unreachable" || b.code === "preflight-failed" || (b.code === "field-blocked" && b.field === statusField),
      );
      out.fields.push({
        path: statusField,
        git: want,
        ...(was === undefined ? {} : { applied: was }),
        live: live.status,
        class: blocked ? "blocked" : cls,
        ...(blocked ? { reason: `${cls}; ${blocked.reason}` } : {}),
      });
    }
  }
  for (const flag of Object.keys(caps.lifecycle.flags ?? {})) {
    const g = git[flag];
    if (g === undefined || (g === true) === (live.spec[flag] === true)) continue;
    const a = applied?.[flag];
    const cls = classify(g, a, live.spec[flag] ?? false, applied !== undefined) ?? "pending";
    out.fields.push({ path: flag, git: g, ...(a === undefined ? {} : { applied: a }), live: live.spec[flag] ?? false, class: cls });
  }
  const audience = audienceDrift(input.plan, input.appliedAudience);
  if (audience) out.fields.push(audience);
  return out;
}

/**
 * The roster: out-of-band when the provider's count moved since the last apply (shrank or grew
 * outside campaignctl — counts are cheap, the roster itself is not read for this), pending when the
 * files hold rows not uploaded yet (or, exact, entries to remove).
 */
function audienceDrift(plan: ResourcePlan | undefined, applied: AudienceState | undefined): DriftField | undefined {
  const a = plan?.audience;
  if (!a) return undefined;
  const filesMoved = !applied || !sameFiles(applied.files, a.files) || applied.mode !== a.mode;
  const countMoved = applied !== undefined && a.liveCount !== undefined && a.liveCount !== applied.count;
  const pendingWork = a.add > 0 || a.remove > 0;
  if (!countMoved && !pendingWork) return undefined;
  const blocked = plan?.blocked.find(isAudienceBlocked);
  const cls: DriftClass = countMoved ? (filesMoved && pendingWork ? "conflict" : "out-of-band") : blocked ? "blocked" : "pending";
  const reasons: string[] = [];
  if (countMoved) reasons.push(`the roster ${a.liveCount! < applied!.count ? "shrank" : "grew"} outside campaignctl (${applied!.count} → ${a.liveCount} ${a.noun})`);
  if (pendingWork) reasons.push(audienceSummary(a).join("; "));
  if (blocked) reasons.push(blocked.reason);
  return {
    path: "audience",
    git: `${a.rows} ${a.noun}`,
    ...(applied ? { applied: `${applied.count} ${a.noun}` } : {}),
    ...(a.liveCount === undefined ? {} : { live: `${a.liveCount} ${a.noun}` }),
    class: cls,
    reason: reasons.join("; "),
  };
}

export function hasDrift(d: ResourceDrift): boolean {
  return d.summary !== undefined || d.fields.length > 0;
}

export interface DriftReport {
  formatVersion: 1;
  checkedAt: string;
  campaigns: ResourceDrift[];
  summary: { checked: number; inSync: number; drifted: number } & Record<DriftClass, number>;
  errors: { address: Address; message: string }[];
  /** What this report cannot see, e.g. providers without a read API. */
  limitations: string[];
}

export function driftReport(campaigns: ResourceDrift[], errors: DriftReport["errors"], now: Date = new Date(), limitations: string[] = []): DriftReport {
  const summary: DriftReport["summary"] = { checked: campaigns.length, inSync: 0, drifted: 0, pending: 0, "out-of-band": 0, conflict: 0, blocked: 0 };
  for (const c of campaigns) {
    if (hasDrift(c)) summary.drifted += 1;
    else summary.inSync += 1;
    for (const f of c.fields) summary[f.class] += 1;
  }
  return { formatVersion: 1, checkedAt: now.toISOString(), campaigns: [...campaigns].sort((a, b) => a.address.localeCompare(b.address)), summary, errors, limitations };
}
