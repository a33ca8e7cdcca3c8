import type { LifecycleAction } from "../../core/capabilities.js";
import type { PlanStep } from "../../core/plan.js";
import { isProviderApiError } from "../../http/errors.js";
import { mergeLive } from "../../providers/mapping.js";
import type { LiveResource } from "../../providers/types.js";
import { BlockedAtApply, Interrupted, VerificationError } from "./errors.js";
import { describe, type ResourceRunState } from "./run-state.js";

export async function action(run: ResourceRunState, step: Extract<PlanStep, { kind: "action" }>): Promise<void> {
  if (run.id === undefined || !run.client.action) throw new Error(`${step.action} is not available for ${run.session.kind.displayName}`);
  const def = actionDef(run, step.action);
  if (def?.preflight && run.client.preflight) {
    const check = await run.client.preflight(run.id, step.action);
    if (check && !check.ready) {
      throw new BlockedAtApply({
        code: "preflight-failed",
        ...(run.caps.lifecycle.statusField ? { field: run.caps.lifecycle.statusField } : {}),
        what: step.action,
        reason: `the provider's pre-check says ${step.action} would fail: ${check.errors.join("; ") || "not ready"}`,
        unblock: "fix what the pre-check reports (e.g. add prospects), then run apply again",
      });
    }
  }
  let answer: LiveResource | undefined;
  try {
    answer = await run.client.action(run.id, step.action);
  } catch (err) {
    // A retried non-idempotent action (activate after a reset) may have taken the first time, and a 409
    // whose current status already is the wanted one means the same: re-check where the status lives.
    const now = isProviderApiError(err) ? await observeLifecycle(run, def, undefined).catch(() => undefined) : undefined;
    if (!now || !reached(run, now, def)) throw err;
    answer = now;
  }
  const live = await observeLifecycle(run, def, answer);
  if (live) run.live = live;
  if (!live) {
    run.outcome.warnings.push(`${step.action}: accepted; not verified — no ${run.session.kind.displayName} answer carries the campaign's ${def?.setsFlag ?? "status"}`);
  } else if (!reached(run, live, def)) {
    const now = def?.setsFlag ? `${def.setsFlag}: ${JSON.stringify(live.spec[def.setsFlag])}` : live.status;
    throw new VerificationError(`${step.action} was accepted but the campaign is ${now}, not ${def?.to ?? def?.setsFlag}`);
  }
  run.step(describe(step));
}

/**
 * The campaign with the status (or flag) a lifecycle action sets, read from where the provider
 * keeps it: the action's answer when it carries it, else the list view (Altur: status and archived
 * live only in the list, src/providers/altur/README.md §3.4), else a detail read. undefined when no read carries it.
 */
export async function observeLifecycle(run: ResourceRunState, def: LifecycleAction | undefined, answer: LiveResource | undefined): Promise<LiveResource | undefined> {
  const carries = (l: LiveResource | undefined) =>
    l !== undefined && (def?.setsFlag ? l.spec[def.setsFlag] !== undefined : l.status !== undefined);
  if (carries(answer)) return answer;
  if (run.id === undefined) return undefined;
  if (run.client.lookup) {
    const listed = await run.client.lookup(run.id, {
      ...(def?.to === undefined ? {} : { status: def.to }),
      spec: run.plan.desired ?? {},
    });
    if (!listed) throw new VerificationError(`campaign ${run.id} is not in ${run.session.kind.displayName}'s campaign list right after ${def?.name ?? "the action"}`);
    return answer ? mergeLive(listed, answer) : listed;
  }
  const fresh = run.client.get ? await run.client.get(run.id) : undefined;
  return carries(fresh) ? fresh : undefined;
}

export function actionDef(run: ResourceRunState, name: string): LifecycleAction | undefined {
  return run.caps.lifecycle.actions.find((a) => a.name === name);
}

export function reached(run: ResourceRunState, live: LiveResource, def: LifecycleAction | undefined): boolean {
  if (!def) return true;
  if (def.setsFlag) return live.spec[def.setsFlag] === true;
  if (def.to === undefined) return true;
  return live.status === def.to || (run.caps.lifecycle.satisfies[def.to] ?? []).includes(live.status ?? "");
}

/**
 * Poll until the campaign reaches `step.until` (an action that completes in the background, e.g.
 * Puffle launch → active), bounded by the action's SettleRule or the account's `statusWait`. A
 * rollback status, any other status, or the timeout stops the campaign's remaining steps: nothing
 * that needs `until` (e.g. a pause) is sent early.
 */
export async function wait(run: ResourceRunState, step: Extract<PlanStep, { kind: "wait" }>): Promise<void> {
  if (run.id === undefined || !run.client.get) throw new Error(`cannot wait for ${step.until}: ${run.session.kind.displayName} campaigns cannot be read`);
  const rule = actionDef(run, step.after)?.settles;
  const cfg = run.session.account.statusWait;
  const timeoutMs = Math.max(0, (cfg?.timeoutSeconds ?? rule?.timeoutSeconds ?? 180) * 1000);
  const maxPollMs = Math.max(1, (cfg?.pollSeconds ?? rule?.pollSeconds ?? 30) * 1000);
  const rollback = rule?.rollback ?? [];
  const sleep = run.opts.sleep ?? ((ms: number) => abortableSleep(ms, run.opts.signal));
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  const report = (status: string | undefined, done: boolean) =>
    run.opts.onWait?.(run.plan.address, { status, until: step.until, elapsedMs: Date.now() - started, timeoutMs, done });
  let interval = Math.min(2000, maxPollMs);
  let live = run.live?.status !== undefined ? run.live : await run.client.get(run.id);
  let polls = 0;
  try {
    for (;;) {
      if (!live) throw new VerificationError(`campaign ${run.id} disappeared while waiting for it to become ${step.until}`);
      const status = live.status;
      if (status === step.until) break;
      if (status !== undefined && rollback.includes(status)) {
        const why = await providerReason(run, step.after);
        throw new VerificationError(
          `${step.after} did not complete: the campaign fell back to ${status} after ${seconds()} s${why}; nothing after the ${step.after} was sent — fix the cause and run apply again`,
        );
      }
      if (status !== undefined && !step.through.includes(status)) {
        throw new VerificationError(`after ${step.after} the campaign is ${status}, not ${step.until} (waited ${seconds()} s); the steps after it were not sent`);
      }
      const elapsed = Date.now() - started;
      if (elapsed >= timeoutMs) {
        throw new VerificationError(
          `the campaign is still ${status ?? "in an unknown status"} ${seconds()} s after ${step.after} (limit ${timeoutMs / 1000} s, ${polls} reads); ` +
            `the steps that need it ${step.until} were not sent early — run apply again once it is ${step.until} (statusWait.timeoutSeconds sets the limit)`,
        );
      }
      report(status, false);
      // A signal ends the wait at once: the campaign goes on at the provider; what needs `until` is not sent.
      const stopped = () => new Interrupted(`while waiting for ${step.until} (still ${status ?? "in an unknown status"} after ${seconds()} s)`);
      if (run.opts.signal?.aborted) throw stopped();
      await sleep(Math.min(interval, timeoutMs - elapsed));
      if (run.opts.signal?.aborted) throw stopped();
      interval = Math.min(interval * 2, maxPollMs);
      polls += 1;
      live = await run.client.get(run.id);
    }
  } finally {
    report(live?.status, true);
  }
  run.live = live;
  run.step(`${step.through.join("/")} → ${step.until} after ${seconds()} s (${polls} read${polls === 1 ? "" : "s"})`);
}

/** The provider's own account of why an action cannot proceed (its pre-check), as a clause; empty when it gives none. */
export async function providerReason(run: ResourceRunState, action: string): Promise<string> {
  if (run.id === undefined || !run.client.preflight) return "";
  try {
    const check = await run.client.preflight(run.id, action);
    const said = [...(check?.errors ?? []), ...(check?.warnings ?? [])];
    return said.length > 0 ? ` (${run.session.kind.displayName} says: ${said.join("; ")})` : ` (${run.session.kind.displayName} gives no reason)`;
  } catch {
    return "";
  }
}

/** A pause that ends early (resolving) when `signal` aborts; the caller checks the signal after it. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
