import { randomUUID } from "node:crypto";
import { isAudienceBlocked, type PlanStep } from "../../core/plan.js";
import type { AudienceRow } from "../../core/types.js";
import { errorText } from "./errors.js";
import { batchKey } from "./keys.js";
import { newVersionRows } from "./new-version.js";
import type { ResourceRunState } from "./run-state.js";

/**
 * Upload the rows the plan counted, in batches of the provider's documented maximum, paced by the
 * account's limiter (the HTTP layer); each batch is safe to retry (Altur: a deterministic
 * Idempotency-Key and if_duplicate skip; Puffle de-duplicates server-side). Then remove (exact mode),
 * check the roster count and remember digests and counts — no personal data — in state.
 */
export async function uploadAudience(run: ResourceRunState, step: Extract<PlanStep, { kind: "audience" }>): Promise<void> {
  const work = run.opts.audiences?.get(run.plan.address);
  const roster = run.client.roster;
  const a = run.plan.audience;
  if (!work || !roster || !a || run.id === undefined) throw new Error("the audience rows were not loaded for this apply");
  const fresh = run.plan.action === "replace" || run.plan.action === "create";
  // A new version uploads only the people the old campaign has not contacted (docs/design.md §16).
  const rows = fresh ? await newVersionRows(run, work.decl.rows, work.rules) : work.add;
  if (rows.length !== step.add) throw new Error(`the audience files changed since the plan (${rows.length} ${a.noun} to upload, the plan said ${step.add}); plan again`);
  const before = () => (fresh ? 0 : (work.liveCount ?? 0));
  const where = (row: AudienceRow) => `${run.opts.displayPath?.(work.decl.files[row.file]!.file) ?? work.decl.files[row.file]!.path}:${row.line}`;
  const size = work.rules.batchSize;
  // The list earlier uploads went into (Extrovert prospect lists): later batches and runs add to the same one.
  let list = fresh ? undefined : run.previousList().list;
  let added = 0;
  let duplicates = 0;
  const rejected: string[] = [];
  for (let i = 0; i < rows.length; i += size) {
    const batch = rows.slice(i, i + size);
    const bodies = batch.map((r) => r.row);
    let result: Awaited<ReturnType<typeof roster.add>>;
    try {
      result = await roster.add(run.id, bodies, { idempotencyKey: batchKey(run.id, bodies), ...(list === undefined ? {} : { list }) });
    } catch (err) {
      // Name the files the batch came from; the audience is not recorded, so the next plan uploads it again.
      const files = [...new Set(batch.map((r) => { const f = work.decl.files[r.file]!; return run.opts.displayPath?.(f.file) ?? f.path; }))];
      throw new Error(`uploading ${batch.length} ${a.noun} from ${files.join(", ")} failed (the next plan uploads them again): ${errorText(err)}`, { cause: err });
    }
    if (result.batchRejected) {
      const row = result.batchRejected.index === undefined ? undefined : batch[result.batchRejected.index];
      throw new Error(`${run.session.kind.displayName} refused a batch of ${batch.length} ${a.noun}${row ? ` because of ${where(row)}` : ""}: ${result.batchRejected.message}`);
    }
    if (result.list !== undefined && result.list !== list) {
      list = result.list;
      // Held at once, so a later failure or rejection still records it: the next upload adds to this list.
      // No file digests: the next plan reads the roster again.
      run.audienceState = { mode: a.mode, files: {}, rows: 0, count: before(), list };
    }
    added += result.added;
    duplicates += result.duplicates;
    for (const r of result.rejected) {
      const row = batch[r.index];
      rejected.push(r.index < 0 ? r.code : `${row ? where(row) : `row ${i + r.index}`} ${r.code}`);
    }
  }
  // Row edits (docs/design.md §17): the file's attributes written onto the entries already there.
  const edits = fresh ? [] : work.update;
  const wantUpdate = step.update ?? 0;
  if (edits.length !== wantUpdate) throw new Error(`the audience files changed since the plan (${edits.length} ${a.noun} to update, the plan said ${wantUpdate}); plan again`);
  let updated = 0;
  if (edits.length > 0) {
    if (!roster.update) throw new Error(`${run.session.kind.displayName} ${a.noun} cannot be updated through its API`);
    for (let i = 0; i < edits.length; i += size) {
      const batch = edits.slice(i, i + size);
      const items = batch.map((e) => ({ entry: e.entry, row: e.row.row }));
      let result: Awaited<ReturnType<NonNullable<typeof roster.update>>>;
      try {
        // Writing the same values twice changes nothing, so an update needs no replay across runs (the next plan
        // reads the roster again); a key of its own per batch and run covers the retries of this one only — a
        // batch-derived key would replay an old answer after an edit made, undone and made again.
        result = await roster.update(run.id, items, { idempotencyKey: randomUUID() });
      } catch (err) {
        throw new Error(`updating ${batch.length} ${a.noun} failed after ${updated} were updated (the next plan finds the rest again): ${errorText(err)}`, { cause: err });
      }
      updated += result.updated;
      for (const r of result.rejected) {
        const row = batch[r.index];
        rejected.push(r.index < 0 ? r.code : `${row ? where(row.row) : `row ${i + r.index}`} ${r.code}`);
      }
    }
  }
  let removed = 0;
  if (step.remove > 0 && !fresh) removed = await roster.remove(run.id, work.remove);
  if (rows.length > 0) run.step(`uploaded ${added} ${a.noun}${duplicates > 0 ? ` (${duplicates} already there)` : ""}`);
  if (updated > 0) run.step(`updated ${updated} ${a.noun}`);
  if (removed > 0) run.step(`removed ${removed} ${a.noun}`);
  if (rejected.length > 0) {
    const shown = rejected.slice(0, 20).join("; ");
    throw new Error(`${rejected.length} ${a.noun} rejected by ${run.session.kind.displayName}: ${shown}${rejected.length > 20 ? `; and ${rejected.length - 20} more` : ""}`);
  }
  const count = (await roster.count(run.id, undefined, list === undefined ? {} : { list })) ?? before() + added - removed;
  if (count !== before() + added - removed) {
    run.outcome.warnings.push(`${run.session.kind.displayName} now holds ${count} ${a.noun}, expected ${before() + added - removed}: someone else may be changing the roster`);
  }
  // Files count as applied only when nothing of the audience stays blocked (else the next plan reads the roster again).
  const blocked = run.plan.blocked.some(isAudienceBlocked);
  run.audienceState = { mode: a.mode, files: blocked ? {} : a.files, rows: a.rows, count, ...(list === undefined ? {} : { list }) };
}
