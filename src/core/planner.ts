import type { KindCapabilities, LifecycleAction } from "./capabilities.js";
import { bodyFromPaths, diffUnits, getPath, pathWithin, type UnitDiff } from "./diff.js";
import { isJsonObject, jsonEqual, type JsonObject, type JsonValue } from "./json.js";
import { statusSatisfies } from "./lifecycle.js";
import type { AudiencePlan, BlockedStep, ResourcePlan, FieldChange, PlanAction, PlanNote, PlanStep } from "./plan.js";
import type { Address, ObjectKind, ProviderId, StateEntry } from "./types.js";

/** The live counterpart as the planner sees it: already normalised to the spec's shape. */
export interface LiveView {
  id: string;
  status?: string;
  /** Live (or, for unreadable providers, last applied) values in spec shape, lifecycle fields included. */
  spec: JsonObject;
  fingerprint?: string;
  /**
   * Dotted paths the provider did not return and nothing else could tell (not in state): their live
   * value is unknown. A change on them is shown as "(unknown) → value", never as a removal or a replace.
   */
  unknown?: readonly string[];
}

/** Result of a provider's read-only pre-check for an action (Puffle validate before launch). */
export interface PreflightResult {
  ready: boolean;
  errors: string[];
  warnings?: string[];
  /** The only thing missing is the roster (no pending prospects): an audience upload before the action makes it ready. */
  readyWithRoster?: boolean;
}

/** The campaign's audience as the engine found it (counts only), with the provider's roster rules. */
export interface AudiencePlanInput {
  plan: AudiencePlan;
  /** Campaign statuses in which rows can be added / entries removed, and why not otherwise. */
  writableIn: readonly string[];
  writeBlocked: string;
  removableIn: readonly string[];
  removeBlocked: string;
  /** Campaign statuses in which rows already there can be updated, and why not otherwise (absent: as writableIn). */
  updatableIn?: readonly string[];
  updateBlocked?: string;
}

export interface PlanResourceInput {
  address: Address;
  provider: ProviderId;
  account: string;
  kind: ObjectKind;
  caps: KindCapabilities;
  /** The declared spec; undefined for an orphan (in state, not in Git). */
  spec?: JsonObject;
  live?: LiveView;
  state?: StateEntry;
  identity: ResourcePlan["identity"];
  preflight?: Readonly<Record<string, PreflightResult>>;
  notes?: readonly PlanNote[];
  /** The address the same campaign was recorded under before a rename (metadata.name changed). */
  movedFrom?: Address;
  audience?: AudiencePlanInput;
  /** Orphans: `prune: delete` in the workspace (DELETE where the API can); otherwise retiring keeps history. */
  pruneDelete?: boolean;
  /** `apply --replace ADDR`: plan a new version even though no immutable field changed. */
  forceReplace?: boolean;
  /** The date a new version's old campaign is renamed with (YYYY-MM-DD; the plan's date). */
  today?: string;
}

/** Spec fields that are driven by lifecycle actions, not by field writes. */
export function lifecycleFields(caps: KindCapabilities): string[] {
  const fields = Object.keys(caps.lifecycle.flags ?? {});
  if (caps.lifecycle.statusField) fields.push(caps.lifecycle.statusField);
  return fields;
}

/** Shortest sequence of status actions from `from` to any status satisfying `desired`. */
export function lifecyclePath(caps: KindCapabilities, from: string, desired: string): LifecycleAction[] | undefined {
  if (statusSatisfies(caps.lifecycle, desired, from)) return [];
  const statusActions = caps.lifecycle.actions.filter((a) => a.to !== undefined);
  const seen = new Set([from]);
  let frontier: { status: string; path: LifecycleAction[] }[] = [{ status: from, path: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { status, path } of frontier) {
      for (const action of statusActions) {
        const to = action.to as string;
        if (!action.from.includes(status) || seen.has(to)) continue;
        const p = [...path, action];
        if (statusSatisfies(caps.lifecycle, desired, to)) return p;
        seen.add(to);
        next.push({ status: to, path: p });
      }
    }
    frontier = next;
  }
  return undefined;
}

function ruleFor(caps: KindCapabilities, path: string) {
  return caps.fields.find((r) => pathWithin(path, r.path) || pathWithin(r.path, path));
}

function isImmutable(caps: KindCapabilities, path: string): boolean {
  return caps.immutable.some((imm) => pathWithin(path, imm) || pathWithin(imm, path));
}

interface LifecyclePlan {
  /** The live status is on its way to this action's `to` (e.g. Puffle `launching`): wait for it first. */
  settling?: LifecycleAction;
  before: LifecycleAction[];
  after: LifecycleAction[];
  blocked: BlockedStep[];
  warnings: string[];
}

function planLifecycle(
  caps: KindCapabilities,
  spec: JsonObject,
  liveStatus: string | undefined,
  liveSpec: JsonObject | undefined,
  preflight: Readonly<Record<string, PreflightResult>> | undefined,
  rosterArrives = false,
): LifecyclePlan {
  const result: LifecyclePlan = { before: [], after: [], blocked: [], warnings: [] };
  const { statusField, flags } = caps.lifecycle;
  const desired = statusField ? spec[statusField] : undefined;
  if (typeof desired === "string" && liveStatus !== undefined) {
    // A status that only passes (launching) is planned from where it is going, after a wait.
    const settling = statusSatisfies(caps.lifecycle, desired, liveStatus) ? undefined : caps.lifecycle.actions.find((a) => a.to !== undefined && a.settles?.through.includes(liveStatus));
    if (settling) result.settling = settling;
    const path = lifecyclePath(caps, settling?.to ?? liveStatus, desired);
    if (path === undefined) {
      const terminal = caps.lifecycle.terminal?.[liveStatus];
      result.blocked.push({
        code: "status-unreachable",
        ...(statusField ? { field: statusField } : {}),
        what: `status ${liveStatus} → ${desired}`,
        reason: terminal?.reason ?? `no transition leads from ${liveStatus} to ${desired}`,
        unblock: terminal?.unblock ?? `set ${statusField}: ${liveStatus} in the spec, or replace the campaign`,
      });
    } else {
      // Stopping actions that lead the path run before the edits; the rest after, in path order.
      let i = 0;
      while (i < path.length && path[i]?.phase === "before-edit") i += 1;
      result.before = path.slice(0, i);
      result.after = path.slice(i);
      // A pre-check that fails only for want of prospects passes once the planned upload has run.
      const failing = result.after.findIndex(
        (a) => a.preflight && preflight?.[a.name]?.ready === false && !(rosterArrives && preflight[a.name]?.readyWithRoster === true),
      );
      if (failing >= 0) {
        const action = result.after[failing] as LifecycleAction;
        const check = preflight?.[action.name] as PreflightResult;
        result.blocked.push({
          code: "preflight-failed",
          ...(statusField ? { field: statusField } : {}),
          what: action.name,
          reason: `the provider's pre-check says ${action.name} would fail: ${check.errors.join("; ")}`,
          unblock: `fix what the pre-check reports, then re-run plan`,
        });
        result.after = result.after.slice(0, failing);
      }
      for (const a of [...result.before, ...result.after]) if (a.warning) result.warnings.push(a.warning);
    }
  }
  for (const [flag, actionName] of Object.entries(flags ?? {})) {
    const want = spec[flag];
    const have = liveSpec?.[flag] === true;
    if (want === true && !have) {
      const action = caps.lifecycle.actions.find((a) => a.name === actionName);
      if (action) result.after.push(action);
    } else if (want === false && have) {
      result.blocked.push({
        code: "flag-irreversible",
        field: flag,
        what: `${flag}: true → false`,
        reason: `${flag} cannot be undone through the API`,
        unblock: `set ${flag}: true, or create a new campaign under another name`,
      });
    }
  }
  return result;
}

function actionStep(a: LifecycleAction, from: string | undefined): PlanStep {
  return { kind: "action", action: a.name, ...(from === undefined ? {} : { from }), ...(a.to === undefined ? {} : { to: a.to }) };
}

/** The wait for an action that completes in the background (settles), or undefined. */
function waitStep(a: LifecycleAction): PlanStep | undefined {
  return a.settles && a.to !== undefined ? { kind: "wait", after: a.name, until: a.to, through: [...a.settles.through] } : undefined;
}

/** An action step, followed by its wait when the action completes in the background. */
function pushAction(steps: PlanStep[], a: LifecycleAction, from: string | undefined): void {
  steps.push(actionStep(a, from));
  const wait = waitStep(a);
  if (wait) steps.push(wait);
}

function nameOfLive(caps: KindCapabilities, spec: JsonObject): string | undefined {
  const v = spec[caps.nameField];
  return typeof v === "string" ? v : undefined;
}

/**
 * How pruning retires an orphan (docs/design.md §16): by default it keeps the campaign's history —
 * the first `keep` action that applies in its live status (Puffle pause, Altur archive), or nothing when
 * it is already stopped; with `prune: delete` it DELETEs where the API can, and says what is lost.
 */
function planRetire(plan: ResourcePlan, caps: KindCapabilities, prune: NonNullable<KindCapabilities["prune"]>, live: LiveView, wantDelete: boolean): void {
  if (wantDelete && prune.delete) {
    plan.steps.push({ kind: "delete", loses: prune.delete.loses });
    plan.notes.push({ code: "orphan-delete", text: `prune: delete — apply DELETEs campaign ${live.id}; lost with it: ${prune.delete.loses}` });
    return;
  }
  if (wantDelete) plan.notes.push({ code: "orphan-no-delete", text: "prune: delete, but this provider's API cannot delete: it is retired keeping its history" });
  const status = live.status;
  for (const name of prune.keep) {
    const a = caps.lifecycle.actions.find((x) => x.name === name);
    if (!a || status === undefined || !a.from.includes(status)) continue;
    if (a.setsFlag !== undefined && live.spec[a.setsFlag] === true) continue;
    plan.steps.push(actionStep(a, status));
    plan.notes.push({ code: "orphan-keep", text: `retiring keeps its history: apply ${a.name}s it${a.to === undefined ? "" : ` (${status} → ${a.to})`} and stops tracking it; nothing is deleted` });
    return;
  }
  const settling = caps.lifecycle.actions.find((x) => status !== undefined && x.settles?.through.includes(status));
  if (settling && prune.keep.length > 0) {
    plan.blocked.push({
      code: "status-unreachable",
      ...(caps.lifecycle.statusField ? { field: caps.lifecycle.statusField } : {}),
      what: `retire (${prune.keep.join("/")})`,
      reason: `the campaign is ${status}: it cannot be stopped until it reaches ${settling.to ?? "a steady status"}`,
      unblock: "run apply --prune again in a few minutes",
    });
    return;
  }
  plan.notes.push({ code: "orphan-keep", text: `retiring keeps its history: it is not running (${status ?? "status unknown"}), so apply only stops tracking it; nothing is deleted` });
}

function withoutFields(spec: JsonObject, fields: readonly string[]): JsonObject {
  if (fields.length === 0) return spec;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(spec)) if (!fields.includes(k)) out[k] = v;
  return out;
}

/** The spec as it will be after apply: blocked units keep their live value. */
function resultingSpec(spec: JsonObject, blockedUnits: readonly UnitDiff[]): JsonObject {
  if (blockedUnits.length === 0) return spec;
  const out = structuredClone(spec);
  for (const u of blockedUnits) {
    const parts = u.path.split(".");
    let cur: JsonValue | undefined = out;
    for (const p of parts.slice(0, -1)) cur = isJsonObject(cur) ? cur[p] : undefined;
    if (!isJsonObject(cur)) continue;
    const last = parts[parts.length - 1] as string;
    if (u.before === undefined) delete cur[last];
    else cur[last] = u.before;
  }
  return out;
}

/**
 * Every plan object gets the same keys in the same order (absent ones undefined, which JSON drops):
 * one hidden class for all of them keeps the planner's hot path monomorphic.
 */
function base(input: PlanResourceInput, displayName: string): ResourcePlan {
  return {
    address: input.address,
    provider: input.provider,
    account: input.account,
    kind: input.kind,
    id: input.live ? input.live.id : input.state?.id,
    displayName,
    action: "noop",
    status: input.live?.status,
    identity: input.identity,
    changes: [],
    steps: [],
    blocked: [],
    warnings: [],
    notes: [...(input.notes ?? [])],
    replaceFields: undefined,
    fingerprint: input.live?.fingerprint,
    desired: undefined,
    retire: undefined,
    movedFrom: input.movedFrom,
    audience: undefined,
  };
}

/** Whether roster writes are allowed in this campaign status; `*` = in any, also where the provider shows no status (Extrovert). */
function statusAllows(allowed: readonly string[], status: string | undefined): boolean {
  return allowed.includes("*") || (status !== undefined && allowed.includes(status));
}

/**
 * The audience step at the point where it runs (after create and draft edits, before launch or
 * activate), or blocked with the reason where the provider's status forbids roster writes.
 */
function planAudience(input: PlanResourceInput, plan: ResourcePlan, status: string | undefined): PlanStep | undefined {
  const a = input.audience;
  if (!a) return undefined;
  plan.audience = a.plan;
  const { add, remove, keep, noun } = a.plan;
  const update = a.plan.update ?? 0;
  const where = status === undefined ? "" : ` (the campaign is ${status})`;
  let doAdd = 0;
  let doUpdate = 0;
  let doRemove = 0;
  if (add > 0) {
    if (statusAllows(a.writableIn, status)) doAdd = add;
    else {
      plan.blocked.push({
        code: "audience-add-blocked",
        what: `audience: + ${add} ${noun}`,
        reason: `${a.writeBlocked}${where}`,
        unblock: `remove these rows from the audience files, or give them to a new campaign`,
      });
    }
  }
  if (update > 0) {
    if (statusAllows(a.updatableIn ?? a.writableIn, status)) doUpdate = update;
    else {
      plan.blocked.push({
        code: "audience-update-blocked",
        what: `audience: ~ ${update} ${noun} updated`,
        reason: `${a.updateBlocked ?? a.writeBlocked}${where}`,
        unblock: "undo the edits to these rows, or give the edited rows to a new campaign",
      });
    }
  }
  // People already uploaded whom a suppression list now names (docs/design.md §15): removed where allowed, else blocked.
  const suppressed = a.plan.suppressed?.live ?? { remove: 0, keep: 0 };
  const suppressedBlocked = (n: number, why: string) =>
    plan.blocked.push({
      code: "audience-suppressed-kept",
      what: `audience: - ${n} ${noun} on a suppression list`,
      reason: `${n} ${noun} already uploaded are now on a suppression list and cannot be removed through the API: ${why}`,
      unblock: "stop or remove them in the provider's dashboard (this line stays until they leave the roster), or take them off the suppression list",
    });
  if (remove > 0) {
    if (statusAllows(a.removableIn, status)) doRemove = remove;
    else {
      const unlisted = remove - suppressed.remove;
      if (unlisted > 0) plan.blocked.push({ code: "audience-remove-blocked", what: `audience: - ${unlisted} ${noun}`, reason: `${a.removeBlocked}${where}`, unblock: "list them in the files again, or set audience.mode: append" });
      if (suppressed.remove > 0) suppressedBlocked(suppressed.remove, `${a.removeBlocked}${where}`);
    }
  }
  if (suppressed.keep > 0) suppressedBlocked(suppressed.keep, a.removeBlocked);
  if (keep > 0) {
    plan.blocked.push({
      code: "audience-kept",
      what: `audience: - ${keep} ${noun}`,
      reason: `${keep} ${noun} no longer listed cannot be removed: ${a.removeBlocked}`,
      unblock: "list them in the files again, or set audience.mode: append",
    });
  }
  return doAdd > 0 || doUpdate > 0 || doRemove > 0 ? { kind: "audience", noun, add: doAdd, ...(doUpdate > 0 ? { update: doUpdate } : {}), remove: doRemove } : undefined;
}

/** A field change with a fixed shape (see base). */
function change(u: UnitDiff, cls: FieldChange["class"], reason?: string, unblock?: string, beforeUnknown?: true): FieldChange {
  return { path: u.path, before: u.before, after: u.after, class: cls, reason, unblock, beforeUnknown, switchedOff: u.off };
}

/**
 * Full body for providers whose update replaces everything (Extrovert): documented defaults ⊕ the last
 * applied value of every field the body must carry ⊕ the "off" form of each optional feature the
 * spec leaves out ⊕ the spec. An optional field left out of the spec is never refilled from the last
 * applied body: that would make the feature impossible to switch off.
 */
function fullBody(caps: KindCapabilities, spec: JsonObject, live: JsonObject | undefined): JsonObject {
  const off = caps.offWhenOmitted ?? {};
  // Object.assign onto a new object, not a spread: a body is kept per campaign (the plan's `desired`),
  // and on Node 20 (V8 11) a spread copy that then gains keys gets a hidden class of its own, about
  // 260 bytes per campaign (issue 30).
  const out: JsonObject = Object.assign({}, caps.defaults);
  if (live) {
    for (const [k, v] of Object.entries(live)) if (caps.createRequired.includes(k) && !(k in off)) out[k] = v;
  }
  for (const [k, v] of Object.entries(off)) if (v !== null) out[k] = v;
  return Object.assign(out, spec);
}

/** Full-body providers: fields live (last applied) has that the new full body leaves out — switched off. */
function switchedOff(target: JsonObject, live: JsonObject, skip: readonly string[], kept: readonly string[] = []): UnitDiff[] {
  const out: UnitDiff[] = [];
  for (const k of Object.keys(live).sort()) {
    if (kept.includes(k)) continue;
    if (target[k] === undefined && !skip.includes(k) && live[k] !== undefined) out.push({ path: k, before: live[k] as JsonValue, after: null, off: true });
  }
  return out;
}

function planCreate(input: PlanResourceInput, spec: JsonObject, plan: ResourcePlan): ResourcePlan {
  const { caps } = input;
  const lc = lifecycleFields(caps);
  const fields = withoutFields(spec, lc);
  const body = caps.updateMode === "full-body" ? fullBody(caps, fields, undefined) : fields;
  const missing = caps.createRequired.filter((f) => body[f] === undefined);
  plan.action = "create";
  plan.changes = Object.keys(spec)
    .sort()
    .map((path) => ({ path, after: spec[path] as JsonValue, class: "editable" as const }));
  if (missing.length > 0) {
    plan.blocked.push({
      code: "create-incomplete",
      what: "create",
      reason: `creating this ${caps.noun ?? "campaign"} needs ${missing.map((m) => `\`${m}\``).join(", ")}, which the spec does not set`,
      unblock: "add the missing fields to the spec",
    });
    return plan;
  }
  const createBody: JsonObject = {};
  const later: [string, JsonValue][] = [];
  for (const [k, v] of Object.entries(body)) {
    if (caps.createFields.includes(k)) createBody[k] = v;
    else later.push([k, v]);
  }
  plan.steps.push({ kind: "create", body: createBody });
  if (later.length > 0) {
    plan.steps.push({ kind: "update", body: bodyFromPaths(later), fields: later.map(([k]) => k).sort() });
  }
  plan.steps.push(...syncSteps(caps, body, undefined));
  const roster = planAudience(input, plan, caps.lifecycle.initialStatus);
  if (roster) plan.steps.push(roster);
  const lifecycle = planLifecycle(caps, spec, caps.lifecycle.initialStatus, undefined, undefined);
  let status = caps.lifecycle.initialStatus;
  for (const a of [...lifecycle.before, ...lifecycle.after]) {
    pushAction(plan.steps, a, status);
    if (a.to) status = a.to;
    if (a.preflight) plan.notes.push({ code: "preflight-after-create", text: `the provider's pre-check for ${a.name} runs after the create, before ${a.name}` });
  }
  plan.blocked.push(...lifecycle.blocked);
  plan.warnings.push(...lifecycle.warnings);
  plan.desired = caps.updateMode === "full-body" ? { ...body, ...pick(spec, lc) } : spec;
  return plan;
}

/** The sync calls (KindCapabilities.syncCalls) a write of `target` needs: all on create, the changed ones on update. */
function syncSteps(caps: KindCapabilities, target: JsonObject, live: JsonObject | undefined): PlanStep[] {
  const out: PlanStep[] = [];
  for (const sync of caps.syncCalls ?? []) {
    if (sync.when && !jsonEqual(getPath(target, sync.when.path) ?? null, sync.when.equals)) continue;
    const value = getPath(target, sync.path);
    if (value === undefined) continue;
    const before = live === undefined ? undefined : getPath(live, sync.path);
    const same = (a: JsonValue | undefined, b: JsonValue | undefined) =>
      Array.isArray(a) && Array.isArray(b) ? jsonEqual([...a].map(String).sort(), [...b].map(String).sort()) : jsonEqual(a ?? null, b ?? null);
    if (live !== undefined && same(value, before)) continue;
    out.push({ kind: "sync", call: sync.call, path: sync.path, value, describe: sync.describe });
  }
  return out;
}

function pick(spec: JsonObject, fields: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const f of fields) if (spec[f] !== undefined) out[f] = spec[f] as JsonValue;
  return out;
}

/** Plan one campaign. Pure: no I/O, deterministic for the same input. */
export function planResource(input: PlanResourceInput): ResourcePlan {
  const { caps, spec, live } = input;
  const nameOf = (o: JsonObject | undefined) => {
    const v = o?.[caps.nameField];
    return typeof v === "string" ? v : undefined;
  };
  const plan = base(input, nameOf(spec) ?? nameOf(live?.spec) ?? nameOf(input.state?.applied) ?? input.address);
  if (input.movedFrom !== undefined) {
    plan.notes.push({
      code: "moved",
      text: `moved from ${input.movedFrom} (its metadata.name changed; same campaign, id ${plan.id ?? "?"}): apply re-keys the state entry, nothing is created or retired (or run \`campaignctl state mv ${input.movedFrom} ${input.address}\`)`,
    });
  }

  if (spec === undefined) {
    plan.action = "orphan";
    const retire = caps.retire;
    if ("manual" in retire) {
      plan.retire = "manual";
      plan.notes.push({ code: "orphan-manual", text: `in state but no longer in Git, and apply cannot retire it: ${retire.manual}; then run \`campaignctl state forget ${input.address}\`` });
    } else {
      plan.retire = "api";
      plan.notes.push({ code: "orphan-prune", text: "in state but no longer in Git: apply retires it only with --prune (or `prune: true` in campaignctl.yaml)" });
      if (caps.prune && live !== undefined) planRetire(plan, caps, caps.prune, live, input.pruneDelete === true);
    }
    return plan;
  }
  if (live === undefined) return planCreate(input, spec, plan);

  const lc = lifecycleFields(caps);
  const status = live.status;
  const a = input.audience;
  const rosterArrives = a !== undefined && a.plan.add > 0 && statusAllows(a.writableIn, status);
  const lifecycle = planLifecycle(caps, spec, status, live.spec, input.preflight, rosterArrives);
  // Status at the time the field edits run (after the wait and the stopping actions that precede them).
  const editStatus = lifecycle.before.reduce<string | undefined>((s, a) => a.to ?? s, lifecycle.settling?.to ?? status);

  // Full-body providers compare the whole body the update would send (so a default or an "off"
  // form the spec implies is a change too), and plan the optional fields the spec dropped as off.
  const target = caps.updateMode === "full-body" ? { ...fullBody(caps, withoutFields(spec, lc), withoutFields(live.spec, lc)), ...pick(spec, lc) } : spec;
  const units = diffUnits(target, live.spec, {
    mergePaths: caps.mergePaths,
    opaquePaths: caps.opaquePaths,
    unorderedPaths: caps.unorderedPaths,
    skip: lc,
  });
  if (caps.updateMode === "full-body") units.push(...switchedOff(target, live.spec, lc, caps.keptWhenOmitted));
  const terminal = status === undefined ? undefined : caps.readOnlyStatuses[status];
  const unknownPaths = live.unknown ?? [];
  const changes: FieldChange[] = units.map((u) => {
    const unknown = u.before === undefined && unknownPaths.some((p) => pathWithin(p, u.path) || pathWithin(u.path, p)) ? true : undefined;
    if (unknown) return change(u, "editable", undefined, undefined, true);
    if (isImmutable(caps, u.path)) {
      const noun = caps.noun ?? "campaign";
      return change(u, "immutable", `cannot change after the ${noun} is created`, `apply with --allow-replace to create a new ${noun} and retire this one`);
    }
    if (terminal) return change(u, "blocked", terminal.reason, terminal.unblock);
    const rule = ruleFor(caps, u.path);
    if (rule?.editableIn && (editStatus === undefined || !rule.editableIn.includes(editStatus))) {
      return change(u, "blocked", rule.blockedReason ?? `cannot change while the campaign is ${editStatus}`, rule.unblockHint);
    }
    if (rule?.sideEffect && editStatus !== undefined && rule.sideEffect.statuses.includes(editStatus)) {
      plan.warnings.push(rule.sideEffect.warning);
    }
    return change(u, "editable");
  });

  // Lifecycle field changes are shown as changes too, so the reader sees before → after.
  for (const f of lc) {
    if (spec[f] === undefined) continue;
    const before = f === caps.lifecycle.statusField ? status : live.spec[f];
    const satisfied =
      f === caps.lifecycle.statusField
        ? typeof spec[f] === "string" && typeof before === "string" && statusSatisfies(caps.lifecycle, spec[f], before)
        : (spec[f] === true) === (before === true);
    if (!satisfied) {
      // What blocks this lifecycle field: its flag cannot be undone, or the desired status cannot be reached
      // (shown on every lifecycle field, as before codes). A failed pre-check blocks the action step, not the field.
      const blocked = lifecycle.blocked.find((b) => (b.code === "flag-irreversible" && b.field === f) || b.code === "status-unreachable");
      changes.push({
        path: f,
        ...(before === undefined ? {} : { before: before as JsonValue }),
        after: spec[f] as JsonValue,
        class: blocked ? "blocked" : "editable",
        ...(blocked ? { reason: blocked.reason, ...(blocked.unblock ? { unblock: blocked.unblock } : {}) } : {}),
      });
    }
  }
  plan.changes = changes.sort((a, b) => a.path.localeCompare(b.path));

  const immutable = changes.filter((c) => c.class === "immutable");
  if (immutable.length > 0 || input.forceReplace) {
    plan.action = "replace";
    plan.replaceFields = immutable.map((c) => c.path);
    const noun = caps.noun ?? "campaign";
    if (immutable.length > 0) plan.notes.push({ code: "replace-fields", text: `${plan.replaceFields.join(", ")} cannot change in place: replace creates a new ${noun} (only with --allow-replace)` });
    else plan.notes.push({ code: "replace-requested", text: `apply --replace asked for a new version of this ${noun}` });
    const retire = caps.retire;
    const nv = caps.newVersion;
    if (nv) {
      plan.notes.push({ code: "replace-old", text: `new version: the old ${noun} ${live.id} is renamed, kept with its history and stopped — never deleted` });
    } else {
      plan.notes.push({ code: "replace-old", text: "manual" in retire ? `the old ${noun} stays: ${retire.manual}` : retire.describe });
    }
    // The steps that build the new campaign; apply adds the retirement of the old one around them.
    // The new campaign starts with an empty roster: every row of the files goes to it.
    const audience = a ? { ...a, plan: { ...a.plan, add: a.plan.rows, update: 0, present: 0, remove: 0, keep: 0 } } : undefined;
    const fresh = planCreate({ ...input, identity: "new", ...(audience ? { audience } : {}) }, spec, base({ ...input, identity: "new" }, plan.displayName));
    plan.steps = fresh.steps;
    if (nv) {
      const oldName = nameOfLive(caps, live.spec) ?? plan.displayName;
      plan.steps.unshift({ kind: "rename-old", id: live.id, name: `${oldName} (replaced ${input.today ?? "today"})` });
      const stop = nv.stop.map((n) => caps.lifecycle.actions.find((x) => x.name === n)).find((x) => x && status !== undefined && x.from.includes(status));
      if (stop && status !== undefined) plan.steps.push({ kind: "stop-old", id: live.id, action: stop.name, from: status, ...(stop.to === undefined ? {} : { to: stop.to }) });
    }
    plan.blocked.push(...fresh.blocked);
    plan.audience = fresh.audience;
    plan.desired = fresh.desired ?? spec;
    return plan;
  }

  const editable = units.filter((u) => changes.find((c) => c.path === u.path)?.class === "editable");
  const blockedUnits = units.filter((u) => changes.find((c) => c.path === u.path)?.class === "blocked");
  for (const c of changes) {
    if (c.class === "blocked" && !lc.includes(c.path)) {
      plan.blocked.push({ code: "field-blocked", field: c.path, what: c.path, reason: c.reason ?? "blocked", ...(c.unblock ? { unblock: c.unblock } : {}) });
    }
  }
  plan.blocked.push(...lifecycle.blocked);
  plan.warnings.push(...lifecycle.warnings);

  // What the campaign will hold after apply: blocked units keep their live value. For full-body
  // providers this is also the update body, built once.
  const resulting = resultingSpec(spec, blockedUnits);
  const full = caps.updateMode === "full-body" ? fullBody(caps, withoutFields(resulting, lc), withoutFields(live.spec, lc)) : undefined;

  let cur = status;
  const settleFirst = lifecycle.settling ? waitStep(lifecycle.settling) : undefined;
  if (settleFirst && lifecycle.settling?.to !== undefined) {
    plan.steps.push(settleFirst);
    cur = lifecycle.settling.to;
  }
  for (const a of lifecycle.before) {
    pushAction(plan.steps, a, cur);
    cur = a.to ?? cur;
  }
  if (editable.length > 0) {
    const fields = editable.map((u) => u.path);
    const body = full ?? bodyFromPaths(editable.map((u) => [u.path, getPath(spec, u.path) as JsonValue] as const));
    plan.steps.push({ kind: "update", body, fields });
    plan.steps.push(...syncSteps(caps, full ?? resulting, live.spec));
  }
  const roster = planAudience(input, plan, cur);
  if (roster) plan.steps.push(roster);
  for (const step of lifecycle.after) {
    pushAction(plan.steps, step, cur);
    cur = step.to ?? cur;
  }
  plan.desired = full === undefined ? resulting : lc.length === 0 ? full : { ...full, ...pick(resulting, lc) };
  const action: PlanAction =
    // A change that is only blocked sends nothing: it is not an update (its campaign counts as blocked).
    editable.length > 0 || roster ? "update" : plan.steps.length > 0 ? "transition" : "noop";
  plan.action = action;
  return action === "noop" ? withSharedEmptyLists(plan) : plan;
}

/**
 * One frozen empty list for every list a no-op entry leaves empty (issue 30: at 100,000 campaigns,
 * mostly in sync, these were four or five empty lists per campaign). Nothing adds to a no-op entry
 * after planning; a change to one would be a new list, and the frozen list makes a push fail loudly.
 */
const NO_ITEMS: readonly never[] = Object.freeze([]);

function withSharedEmptyLists(plan: ResourcePlan): ResourcePlan {
  const empty = NO_ITEMS as never[];
  if (plan.changes.length === 0) plan.changes = empty;
  if (plan.steps.length === 0) plan.steps = empty;
  if (plan.blocked.length === 0) plan.blocked = empty;
  if (plan.warnings.length === 0) plan.warnings = empty;
  if (plan.notes.length === 0) plan.notes = empty;
  return plan;
}
