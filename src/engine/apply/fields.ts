import { bodyFromPaths, diffUnits, getPath, pathWithin } from "../../core/diff.js";
import { shareStrings, type JsonValue } from "../../core/json.js";
import type { PlanStep } from "../../core/plan.js";
import { mergeLive } from "../../providers/mapping.js";
import type { LiveResource } from "../../providers/types.js";
import { VerificationError } from "./errors.js";
import type { ResourceRunState } from "./run-state.js";

export async function update(run: ResourceRunState, step: Extract<PlanStep, { kind: "update" }>): Promise<void> {
  if (run.id === undefined) throw new Error("update without an id");
  run.live = await run.client.update(run.id, step.body);
  run.step(`updated ${step.fields.join(", ")}`);
  await verifyFields(run, step.fields);
}

/** A value written through a call of its own (Extrovert toggle-bulk), right after the create or update. */
export async function sync(run: ResourceRunState, step: Extract<PlanStep, { kind: "sync" }>): Promise<void> {
  if (run.id === undefined) throw new Error(`${step.describe}: no id`);
  if (!run.client.sync) throw new Error(`${step.describe}: not available for ${run.session.kind.displayName}`);
  await run.client.sync(run.id, step.call, step.value);
  run.step(step.describe);
}

/**
 * Read-back verification of a field write: checks only what a response carries (the write's answer,
 * else a fresh read merged onto it), and says plainly what it could not verify. A field the
 * response does not carry is unknown — never "did not take".
 */
export async function verifyFields(run: ResourceRunState, fields: readonly string[]): Promise<void> {
  const desired = run.plan.desired ?? {};
  const name = run.session.kind.displayName;
  const writeOnly = fields.filter((f) => run.caps.writeOnlyFields.some((w) => pathWithin(f, w)));
  if (writeOnly.length > 0) {
    run.outcome.warnings.push(`${writeOnly.join(", ")}: accepted; ${name} returns no value for it, so the write cannot be verified`);
  }
  let checkable = fields.filter((f) => !writeOnly.includes(f));
  if (checkable.length === 0) return;
  let live = await readBack(run, checkable);
  if (!live) {
    run.outcome.warnings.push(`${name} has no read API: the write was accepted but cannot be verified`);
    return;
  }
  const carries = (l: LiveResource, f: string) => !l.missing.some((m) => pathWithin(m, f) || pathWithin(f, m));
  // Fields only the list view carries (Altur retries, timezone, texts): look the campaign up there.
  if (checkable.some((f) => !carries(live as LiveResource, f)) && run.client.lookup && run.id !== undefined) {
    const status = live.status ?? run.plan.status;
    const hint = { ...(status === undefined ? {} : { status }), spec: desired };
    // In an apply's account pool the lookup joins the account's batch: one list walk verifies all its writes.
    // The campaign waits there holding its write's answer, thousands of them for the account's one walk:
    // the answer keeps the desired spec's texts and equal subtrees instead of its own copies (issue 30,
    // apply's memory at 100,000 campaigns). Values are unchanged, and nothing changes a live view in place.
    if (run.listLookup) shareStrings(live.spec, desired, { subtrees: true });
    const listed = run.listLookup ? await run.listLookup(run.client, run.id, hint) : await run.client.lookup(run.id, hint);
    if (listed) {
      live = mergeLive(listed, live);
      run.live = live;
    }
  }
  const seen = live;
  const carried = (f: string) => carries(seen, f);
  const unverified = checkable.filter((f) => !carried(f));
  if (unverified.length > 0) {
    run.outcome.warnings.push(
      `${unverified.join(", ")}: accepted; not verified — no ${name} answer carries ${unverified.length === 1 ? "it" : "them"}`,
    );
    checkable = checkable.filter(carried);
    if (checkable.length === 0) return;
  }
  const want = bodyFromPaths(checkable.map((f) => [f, getPath(desired, f) as JsonValue] as const));
  const diffs = diffUnits(want, live.spec, { mergePaths: run.caps.mergePaths, opaquePaths: run.caps.opaquePaths, unorderedPaths: run.caps.unorderedPaths });
  if (diffs.length > 0) {
    const list = diffs.map((d) => `${d.path} (sent ${JSON.stringify(d.after)}, provider has ${JSON.stringify(d.before ?? null)})`).join("; ");
    throw new VerificationError(`the provider accepted the write but ${list} did not take — it silently ignored the change`);
  }
  for (const f of checkable) if (!run.outcome.verified.includes(f)) run.outcome.verified.push(f);
}

/** Re-read when the write's response did not carry what we must check; the fresh read is merged onto the answer. */
export async function readBack(run: ResourceRunState, fields: readonly string[]): Promise<LiveResource | undefined> {
  const carried = run.live && !fields.some((f) => run.live?.missing.some((m) => pathWithin(m, f) || pathWithin(f, m)));
  if (carried) return run.live;
  // The write answered with the detail itself (Altur): a detail GET would carry nothing more.
  if (run.live && run.caps.writeAnswerIsDetail) return run.live;
  if (!run.client.get || run.id === undefined) return run.live;
  const fresh = await run.client.get(run.id);
  if (!fresh) throw new VerificationError(`campaign ${run.id} disappeared right after the write`);
  run.live = run.live ? mergeLive(fresh, run.live) : fresh;
  return run.live;
}
