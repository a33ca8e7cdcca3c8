import { UserError } from "../core/errors.js";
import { isChange, type Plan } from "../core/plan.js";
import type { Workspace } from "../core/types.js";
import { catalog } from "../providers/registry.js";
import { asUserError, backendOf, type StateSession } from "../state/backend.js";
import { applicableResources, applyExitCode, executePlan, safetyRefusal, type ApplyOptions, type ResourceOutcome, type WaitProgress } from "./apply.js";
import { EarlyStart, type AccountRun } from "./early-start.js";
import { guardrailRefusal } from "./guardrails.js";
import { resolveUndeclaredPending } from "./pending.js";
import { observedEntries } from "./observe.js";
import { isStateWriteError } from "./apply/errors.js";
import { runPlan, type PlanRun, type PlanRunEvents, type PlanRunOptions } from "./plan-run.js";
import { ApplyRefused, checkPlanState, savedPlanToApply, type SavedPlan } from "./saved-plan.js";

export { ApplyRefused, type ApplyRefusalCode, type SavedPlan } from "./saved-plan.js";
import { accountKey, closeSessions, type AccountSession } from "./session.js";
import { audiencesOf, hasWork } from "./work.js";

/**
 * The apply workflow (docs/design.md §6, §12): lock the state, open it, check a saved plan against
 * it, refresh and plan (starting an account early when nothing can stop the apply any more), resolve
 * interrupted creates of undeclared addresses, refuse a stale saved plan or a change set above the
 * safety threshold, ask for confirmation when one is needed, execute, write the state and decide the
 * exit code. The CLI parses flags, asks the question, turns signals into `signal` and renders what
 * this reports (ApplyRunEvents) and returns (ApplyRunResult).
 */

/** After the first signal, how long requests in flight may take before the state is written anyway. */
export const SIGNAL_GRACE_MS = 15_000;

/** The reason `signal` is aborted with: which signal stopped the apply, and the exit code it gets (130 SIGINT, 143 SIGTERM). */
export class Interruption {
  constructor(
    readonly signal: string,
    readonly exitCode: number,
  ) {}
}

export interface ApplyRunOptions {
  /** `apply PLANFILE`: the saved plan (only its campaigns are applied, and only if none changed since). */
  saved?: SavedPlan;
  /** --auto-approve: no question is asked (and accounts may start before the whole plan is known). */
  autoApprove: boolean;
  /** --prune / --no-prune; undefined: the workspace's `prune` setting. */
  prune?: boolean;
  allowReplace: boolean;
  /** `--replace ADDR...`: make new versions of these campaigns (implies permission for them only). */
  replace?: readonly string[];
  /** `--recontact`: a new version uploads everyone in the files, also people the old one contacted. */
  recontact?: boolean;
  /** --force: apply even above safety.maxChangePercent. */
  force: boolean;
  targets?: string[];
  exclude?: string[];
  recreateMissing?: boolean;
  recreatePending?: boolean;
  /** The state lock: how long to wait for another apply's, and what to tell a user who waited too little. */
  lock: { waitMs: number; retryHint: string };
  /** Aborted on the first SIGINT/SIGTERM (reason: an Interruption): nothing new starts, the state becomes durable at once. */
  signal?: AbortSignal;
  /** After the signal, how long requests in flight may still take (default SIGNAL_GRACE_MS). */
  graceMs?: number;
  session: PlanRunOptions["session"];
  /** How a file is named in messages (relative to the current directory). */
  displayPath?: (file: string) => string;
}

/** The state an interrupted apply leaves: what a second signal writes at once before the process exits. */
export interface InterruptibleState {
  /** One last synchronous state write (errors ignored: the journal still holds it); returns the creates still pending. */
  flushNow(): number;
}

/** A notice for the user: from the state lock, the state file, or the resolution of interrupted creates. */
export interface ApplyNotice {
  source: "lock" | "state" | "pending";
  text: string;
}

export interface ApplyRunEvents extends PlanRunEvents {
  notice?: (n: ApplyNotice) => void;
  /** The lock is held: signals may now be turned into `signal`. Returns what undoes that (called before the lock is released). */
  armed?: (state: InterruptibleState) => () => void;
  /** The fresh plan (not for a saved plan), before any question or write of the whole plan. */
  plan?: (plan: Plan) => void | Promise<void>;
  /** Nothing to do, and no campaign failed to plan. */
  nothingToApply?: () => void;
  /** Asked when the plan has changes, no saved plan is applied and --auto-approve is not given: true to go on. */
  confirm?: (plan: Plan) => Promise<boolean>;
  /** Execution of the whole plan starts: `total` campaigns (steps of accounts started early may have been reported before). */
  applyStart?: (total: number) => void;
  step?: (address: string, what: string) => void;
  outcome?: (o: ResourceOutcome) => void;
  wait?: (address: string, w: WaitProgress) => void;
  /** Execution is over (however it ended). */
  applyEnd?: () => void;
  /** Requests still in flight when the grace period after a signal ended; `pending` creates stay pending. */
  graceOver?: (pending: number) => void;
}

/** What the state file is missing when it could not be written, for the user to bind later. */
export interface Unrecorded {
  failure: string;
  stateFile: string;
  ids: { address: string; id: string }[];
  pending: { address: string; at: string }[];
  /** The journal that holds all of it, when it does. */
  journalFile?: string;
}

export interface ApplyRunResult {
  /** stopped-in-refresh: a signal came before the plan was complete; cancelled: the question was answered no. */
  stage: "ran" | "stopped-in-refresh" | "cancelled";
  /** A signal stopped the apply. */
  interrupted: boolean;
  /** Every campaign's outcome, sorted by address (undefined when nothing ran). */
  outcomes?: ResourceOutcome[];
  stateWritten: boolean;
  unrecorded?: Unrecorded;
  /** docs/design.md §6: 0 all applied and verified, 1 something failed, 3 blocked remain, 130/143 stopped by a signal. */
  exitCode: number;
}

/** Run apply (the workspace is valid; provider failures are thrown as they are, user errors as UserError). */
export async function runApply(workspace: Workspace, opts: ApplyRunOptions, events: ApplyRunEvents = {}): Promise<ApplyRunResult> {
  // One lock over the whole apply: taken before the refresh, released after the last state write.
  const backend = await backendOf(workspace, opts.session.env);
  const lock = await backend
    .lock({
      waitMs: opts.lock.waitMs,
      command: "apply",
      onNote: (text) => events.notice?.({ source: "lock", text }),
      retryHint: opts.lock.retryHint,
    })
    .catch(async (err) => {
      await backend.close();
      throw err;
    });
  const signal = opts.signal;
  let store: StateSession | undefined;
  let sessions: Map<string, AccountSession> | undefined;
  let early: EarlyStart | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let graceResolve: () => void = () => undefined;
  // Resolves when the grace period after the signal is over (never without a signal).
  const graceOver = new Promise<void>((res) => (graceResolve = res));
  // Resolves on the signal (never without one).
  const aborted = new Promise<void>((res) => signal?.addEventListener("abort", () => res(), { once: true }));
  // The signal makes the state file durable at once (the journal folded in, then every change written as it lands).
  const onAbort = () => {
    store?.durableNow();
    graceTimer = setTimeout(graceResolve, opts.graceMs ?? SIGNAL_GRACE_MS);
    graceTimer.unref();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const disarm = events.armed?.({
    flushNow: () => {
      try {
        store?.compactSync();
      } catch {
        /* the journal still holds it */
      }
      return Object.keys(store?.doc.pending ?? {}).length;
    },
  });
  try {
    store = await backend.open(catalog, { onNote: (text) => events.notice?.({ source: "state", text }) }).catch((err) => {
      throw asUserError(err);
    });
    // A signal that came before the store was opened applies now.
    if (signal?.aborted) store.durableNow();
    const opened = store;
    if (opts.saved) checkPlanState(opts.saved, opened.doc);
    const targets = opts.targets ?? (opts.saved ? opts.saved.plan.campaigns.map((c) => c.address) : undefined);
    // A saved plan was reviewed with its own prune setting (`plan --prune --out`): apply runs it as saved.
    const prune = opts.prune ?? opts.saved?.plan.prune ?? workspace.prune === true;
    // Snapshot before anything is applied: the threshold counts the campaigns managed when apply started.
    const managed = Object.keys(opened.doc.campaigns).length;
    const applyOpts: ApplyOptions = {
      allowReplace: opts.allowReplace,
      prune,
      ...(signal ? { signal } : {}),
      ...(opts.displayPath ? { displayPath: opts.displayPath } : {}),
    };
    const execute: AccountRun = (plan, refreshed, accountSessions) =>
      executePlan(plan, accountSessions, opened, {
        ...applyOpts,
        audiences: audiencesOf(refreshed),
        onStep: (address, what) => events.step?.(address, what),
        onOutcome: (o) => events.outcome?.(o),
        onWait: (address, w) => events.wait?.(address, w),
      });
    const canStartEarly = opts.autoApprove && !opts.saved && !opts.replace && Object.keys(opened.doc.pending ?? {}).length === 0;
    const earlyStart = new EarlyStart(canStartEarly, managed, workspace, workspace.safety, opts.force, prune, execute);
    early = earlyStart;
    earlyStart.countState(opened.doc);
    const planning = runPlan(
      workspace,
      {
        ...(opts.exclude ? { exclude: opts.exclude } : {}),
        readOnly: false,
        state: opened.doc,
        prune,
        ...(targets ? { targets } : {}),
        ...(opts.recreateMissing ? { recreateMissing: true } : {}),
        ...(opts.replace ? { replace: opts.replace } : {}),
        ...(opts.recontact ? { recontact: true } : {}),
        ...(opts.recreatePending ? { recreatePending: true } : {}),
        guardrails: true,
        onAccountRefreshed: (key, refreshed) => earlyStart.onAccount(key, refreshed),
        accountPlan: (key) => earlyStart.plans.get(key),
        // Fingerprints are for saved plans and JSON plans: apply compares them only with a saved plan.
        ...(opts.saved ? {} : { fingerprints: false }),
        session: opts.session,
      },
      events,
    );
    planning.then((r) => signal?.aborted && earlyStart.started.size === 0 && closeSessions(r.sessions)).catch(() => undefined);
    // A signal during the refresh: nothing was applied yet unless an account started early.
    const result = await Promise.race([planning, aborted.then(() => undefined)]);
    if (result === undefined) {
      // Accounts started early have requests in flight: give them the grace period, as after the refresh.
      if (earlyStart.started.size > 0) await Promise.race([earlyStart.settled(), graceOver]);
      return await finish(opened, "stopped-in-refresh", undefined, signal);
    }
    sessions = result.sessions;
    const run = { workspace, opts, events, store: opened, early: earlyStart, managed, prune, execute, graceOver };
    const outcomes = await applyPlan(run, result);
    if (outcomes === "cancelled") return await finish(opened, "cancelled", undefined, undefined);
    return await finish(opened, "ran", outcomes, signal);
  } finally {
    // Never leave an account started early still writing once the state is closed and the lock released.
    if (early) await Promise.race([early.settled(), graceOver]);
    disarm?.();
    signal?.removeEventListener("abort", onAbort);
    if (graceTimer) clearTimeout(graceTimer);
    if (sessions) closeSessions(sessions);
    store?.close();
    await lock.release().catch(() => undefined);
    await backend.close();
  }
}

interface ApplyPlanRun {
  workspace: Workspace;
  opts: ApplyRunOptions;
  events: ApplyRunEvents;
  store: StateSession;
  early: EarlyStart;
  managed: number;
  prune: boolean;
  execute: AccountRun;
  graceOver: Promise<void>;
}

/** Everything between the refresh and the final state write; returns the outcomes (undefined when nothing ran). */
async function applyPlan(run: ApplyPlanRun, result: PlanRun): Promise<ResourceOutcome[] | undefined | "cancelled"> {
  const { workspace, opts, events, store, early, prune } = run;
  const { sessions } = result;
  if (opts.signal?.aborted) return early.started.size > 0 ? await early.outcomes() : undefined;
  // Interrupted creates of addresses no longer declared: bind what exists, forget what does not.
  // (EarlyStart starts nothing when any create is pending.)
  for (const n of await resolveUndeclaredPending(workspace, store, sessions)) events.notice?.({ source: "pending", text: n.text });
  let plan = result.plan;
  if (opts.saved) plan = savedPlanToApply(opts.saved.plan, plan, prune);
  else await events.plan?.(plan);
  // Campaigns that could not be read or planned are reported as failed; the others proceed.
  const unplanned: ResourceOutcome[] = plan.errors.map((e) => ({ address: e.address, status: "failed", done: [], reason: "not-planned", message: e.message, blocked: [], warnings: [], verified: [] }));
  const work = applicableResources(plan);
  if (!work.some((c) => hasWork(c, prune))) {
    if (unplanned.length === 0) events.nothingToApply?.();
    recordObserved(store, result);
    return unplanned;
  }
  // Counted before any write of this apply (an account started early has written since). That check
  // cannot refuse once an account started early: EarlyStart only starts one when no completion could.
  const refusal = safetyRefusal(plan, early.started.size > 0 ? run.managed : Object.keys(store.doc.campaigns).length, workspace.safety, { prune });
  if (refusal && !opts.force) throw new ApplyRefused("safety-threshold", refusal);
  // Guardrail errors (docs/design.md §14), from the fresh plan: never applied without --force.
  const guard = opts.force ? undefined : guardrailRefusal(result.plan);
  if (guard) throw new ApplyRefused(guard.code, guard.message);
  const changes = plan.campaigns.some((c) => isChange(c, prune));
  if (!opts.saved && !opts.autoApprove && changes && !((await events.confirm?.(plan)) ?? false)) return "cancelled";
  recordObserved(store, result);
  events.applyStart?.(work.length);
  // Accounts already started early are not run again.
  const rest = work.filter((c) => !early.started.has(accountKey(c.provider, c.account)));
  const execution = Promise.all([early.outcomes(), run.execute({ ...plan, campaigns: rest }, result.refreshed, sessions)])
    .then(([a, b]) => [...a, ...b])
    .finally(() => events.applyEnd?.());
  releaseRefreshed(result, early);
  // After a signal, requests in flight get a bounded time; then the state is written with what is known.
  const outcomes = await Promise.race([execution, run.graceOver.then(() => undefined)]);
  if (outcomes === undefined) {
    events.graceOver?.(Object.keys(store.doc.pending ?? {}).length);
    return unplanned;
  }
  return [...unplanned, ...outcomes].sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * The refresh's records (every campaign's live view, notes and audience reads) are not read again once
 * the observed statuses are recorded and every account has started (each took its audiences at its
 * start): dropped here, not held through the writes and the state write by the frames that still hold
 * the run (issue 30: about 40 MB at 100,000 campaigns, the largest part of apply's peak over plan's).
 * The plan keeps what it needs of them; the early start's per-account plans are in the whole plan.
 */
function releaseRefreshed(result: PlanRun, early: EarlyStart): void {
  result.refreshed = [];
  early.plans.clear();
}

/**
 * What the refresh saw on campaigns this apply leaves alone is recorded (src/engine/observe.ts), so the
 * next refresh skips the reads it makes pointless; not after a cancelled confirmation.
 */
function recordObserved(store: StateSession, result: PlanRun): void {
  for (const { address, entry } of observedEntries(result.plan, result.refreshed)) {
    try {
      store.set(address, entry);
    } catch (err) {
      if (!isStateWriteError(err)) throw err;
    }
  }
}

/** Write the state file, trying a few times (a full disk may free up); false when it never worked. */
async function persist(store: StateSession): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await store.compact();
      return true;
    } catch {
      if (attempt < 3) await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
  return false;
}

/** Exactly which ids the state file is missing (and the creates whose answer was never recorded). */
function unrecordedOf(store: StateSession): Unrecorded {
  return {
    failure: store.failure?.message ?? "unknown error",
    stateFile: store.file,
    ids: store.uncommitted().map(({ address, entry }) => ({ address, id: entry.id })),
    pending: Object.entries(store.doc.pending ?? {}).map(([address, p]) => ({ address, at: p.at })),
    ...(store.journalHolds() && store.journalFile !== undefined ? { journalFile: store.journalFile } : {}),
  };
}

/** The last state write and the exit code (a cancelled apply exits 1; a signal's code wins over everything). */
async function finish(store: StateSession, stage: ApplyRunResult["stage"], outcomes: ResourceOutcome[] | undefined, signal: AbortSignal | undefined): Promise<ApplyRunResult> {
  const written = await persist(store);
  const interrupted = signal?.aborted === true;
  const reason: unknown = signal?.reason;
  const exitCode = interrupted ? (reason instanceof Interruption ? reason.exitCode : 130) : !written || stage === "cancelled" ? 1 : outcomes ? applyExitCode(outcomes) : 0;
  return {
    stage,
    interrupted,
    ...(outcomes ? { outcomes } : {}),
    stateWritten: written,
    ...(written ? {} : { unrecorded: unrecordedOf(store) }),
    exitCode,
  };
}
