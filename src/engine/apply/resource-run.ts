import { describeStep, type ResourcePlan, type Plan } from "../../core/plan.js";
import { isProviderApiError } from "../../http/errors.js";
import type { KindSession } from "../session.js";
import { uploadAudience } from "./audience-upload.js";
import { create } from "./create.js";
import { BlockedAtApply, errorText, Interrupted, isStateWriteError, VerificationError } from "./errors.js";
import { sync, update } from "./fields.js";
import { action, wait } from "./lifecycle.js";
import type { ApplyOptions, ResourceOutcome, StateRecorder } from "./outcome.js";
import { isNewVersion, renameOld, stopOld } from "./new-version.js";
import { prune, retireOld } from "./retire.js";
import { ResourceRunState } from "./run-state.js";
import type { ListLookup } from "./verify-batch.js";

export async function runResource(run: ResourceRunState): Promise<ResourceOutcome> {
  const p = run.plan;
  // The steps not (or not completely) done when a signal stops this campaign, for its outcome.
  let notDone: string[] = [];
  try {
    if (p.movedFrom !== undefined) moveState(run, p.movedFrom);
    if (p.action === "noop") return recordNoop(run);
    if (p.action === "orphan") return await prune(run);
    // `apply --replace ADDR` is its own permission (the plan says so with the replace-requested note).
    if (p.action === "replace" && !run.opts.allowReplace && !p.notes.some((n) => n.code === "replace-requested")) {
      run.outcome.status = "skipped";
      run.outcome.reason = "needs-replace";
      run.outcome.message = `needs replacement (${p.replaceFields?.join(", ")} changed); re-run with --allow-replace`;
      return run.outcome;
    }
    const retire = run.caps.retire;
    // A new version keeps the old campaign (rename-old / stop-old steps): nothing is retired around the steps.
    const newVersion = isNewVersion(run);
    const oldId = p.action === "replace" && !newVersion ? p.id : undefined;
    // State keeps the earlier versions' ids with the new one.
    if (newVersion && p.id !== undefined) run.previousIds = [...(run.store.doc.campaigns[p.address]?.previousIds ?? []), p.id];
    if (oldId !== undefined && !("manual" in retire) && retire.order === "before-create") {
      await retireOld(run, oldId);
      // The recorded id is gone now: if the create below fails, the next plan must plan a create, not report a deletion.
      run.store.delete(p.address);
    }
    for (const [i, step] of p.steps.entries()) {
      notDone = p.steps.slice(i).map((s) => describeStep(s, "progress"));
      run.checkSignal(describeStep(step, "progress"));
      if (step.kind === "create") await create(run, step.body);
      else if (step.kind === "update") await update(run, step);
      else if (step.kind === "wait") await wait(run, step);
      else if (step.kind === "audience") await uploadAudience(run, step);
      else if (step.kind === "sync") await sync(run, step);
      else if (step.kind === "action") await action(run, step);
      else if (step.kind === "rename-old") await renameOld(run, step);
      else if (step.kind === "stop-old") await stopOld(run, step);
      else throw new Error("a DELETE step is planned only for an orphan being pruned");
    }
    const a = p.audience;
    if (!run.audienceState && a?.record && a.liveCount !== undefined) run.audienceState = { mode: a.mode, files: a.files, rows: a.rows, count: a.liveCount, ...run.previousList() };
    if (oldId !== undefined && ("manual" in retire || retire.order === "after-create")) {
      notDone = [`retire old campaign ${oldId}`];
      run.checkSignal(`retiring old campaign ${oldId}`);
      await retireOld(run, oldId);
    }
    run.record(run.finalApplied());
    if (run.outcome.blocked.length > 0) run.outcome.status = "blocked";
  } catch (err) {
    if (err instanceof BlockedAtApply) {
      run.outcome.blocked.push(err.blocked);
      run.outcome.status = "blocked";
    } else if (err instanceof Interrupted) {
      run.outcome.status = "skipped";
      run.outcome.reason = "interrupted";
      run.outcome.message = `${err.message}${notDone.length > 0 ? `; not done: ${notDone.join(", ")}` : ""} — run apply again to finish`;
    } else {
      run.outcome.status = "failed";
      run.outcome.reason = err instanceof VerificationError ? "not-verified" : isProviderApiError(err) ? "provider-error" : "step-failed";
      run.outcome.message = errorText(err);
    }
    // Keep what did happen: the id and the fields written before the failure.
    const created = p.steps.find((s) => s.kind === "create");
    if (run.id !== undefined && run.store.doc.campaigns[p.address]?.id !== run.id) run.record(created?.kind === "create" ? created.body : {});
    else run.keepList();
    if (run.outcome.status === "blocked" && run.id !== undefined) run.record(run.finalApplied());
  }
  return run.outcome;
}

/** A rename: the entry recorded under the old address now lives under the new one. */
export function moveState(run: ResourceRunState, from: string): void {
  const entry = run.store.doc.campaigns[from];
  if (!entry || run.store.doc.campaigns[run.plan.address]) return;
  try {
    run.store.set(run.plan.address, entry);
    run.store.delete(from);
  } catch (err) {
    if (!isStateWriteError(err)) throw err;
  }
  run.step(`moved in state from ${from}`);
}

/**
 * A no-op that still changes state: a campaign adopted by its name is recorded (else every plan adopts
 * it again), and audience files state does not describe yet are recorded with the roster count (no request).
 */
export function recordNoop(run: ResourceRunState): ResourceOutcome {
  const p = run.plan;
  const a = p.audience;
  if (a?.record && a.liveCount !== undefined && p.blocked.length === 0) run.audienceState = { mode: a.mode, files: a.files, rows: a.rows, count: a.liveCount, ...run.previousList() };
  const entry = run.store.doc.campaigns[p.address];
  if (run.audienceState && entry && entry.id === p.id) {
    try {
      run.store.set(p.address, { ...entry, audience: run.audienceState });
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
    run.step(`recorded the audience files in state (${run.audienceState.rows} ${a?.noun ?? "rows"}, nothing to upload)`);
  }
  if (p.identity === "adopted" && p.id !== undefined && run.store.doc.campaigns[p.address]?.id !== p.id) {
    run.claimedIds.add(p.id);
    run.record(p.desired ?? {});
    run.step(`recorded adopted campaign ${p.id}`);
  }
  if (run.outcome.blocked.length > 0) run.outcome.status = "blocked";
  return run.outcome;
}

/** What every campaign of one apply shares: the state, the ids taken, the options. */
export interface ApplyContext {
  store: StateRecorder;
  /** Ids bound to some address (never adopt or claim one twice). */
  readonly claimed: Set<string>;
  opts: ApplyOptions;
}

/**
 * The ids bound to some address, one set per state recorder: every account's run of one apply (each
 * account started early has its own ApplyContext) adds to it and reads it. Built on first use (a create
 * or an adoption), from the state as it is then: an apply of updates never needs it, and building it per
 * account cost 60 × the whole state at 60 accounts, and a set of every id per account started early
 * (issue 30).
 */
const CLAIMED = new WeakMap<StateRecorder, Set<string>>();

export function applyContext(store: StateRecorder, opts: ApplyOptions): ApplyContext {
  return {
    store,
    opts,
    get claimed() {
      let claimed = CLAIMED.get(store);
      if (!claimed) CLAIMED.set(store, (claimed = new Set(Object.values(store.doc.campaigns).map((e) => e.id))));
      return claimed;
    },
  };
}

/** Campaigns of a plan that apply works on: changes, blocked no-ops, and adoptions to record. */
export function applicableResources(plan: Plan): ResourcePlan[] {
  return plan.campaigns.filter((c) => c.action !== "noop" || c.blocked.length > 0 || c.identity === "adopted" || c.movedFrom !== undefined || c.audience?.record === true);
}

/**
 * Run one campaign's steps and record the results. Safe to call from several worker pools at once
 * (per account, say): the recorder serialises writes, and every campaign touches only its own address.
 */
export async function applyResource(c: ResourcePlan, session: KindSession | undefined, ctx: ApplyContext, listLookup?: ListLookup): Promise<ResourceOutcome> {
  let outcome: ResourceOutcome;
  if (ctx.opts.signal?.aborted && c.action !== "noop") {
    outcome = { address: c.address, status: "skipped", done: [], reason: "interrupted", message: "not started: apply was interrupted; run apply again", blocked: [], warnings: [], verified: [] };
  } else if (!session) {
    outcome = { address: c.address, status: "failed", done: [], reason: "no-session", message: `no session for ${c.provider}/${c.account}`, blocked: [], warnings: [], verified: [] };
  } else {
    const run = new ResourceRunState(c, session, ctx.store, ctx, ctx.opts);
    run.listLookup = listLookup;
    outcome = await runResource(run);
  }
  if (outcome.id === undefined && c.id !== undefined && c.action !== "replace") outcome.id = c.id;
  ctx.opts.onOutcome?.(outcome);
  return outcome;
}
