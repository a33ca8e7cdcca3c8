/**
 * apply: execute a plan against the providers, recording every change in state as it lands. The
 * pieces live in ./apply/, one concern a file:
 *   outcome.ts         what a campaign's apply ends as, the options, the state recorder, the exit code
 *   errors.ts          the typed errors a campaign run stops on (verification, blocked, interrupted)
 *   safety.ts          the change threshold (safety.maxChangePercent)
 *   keys.ts            deterministic Idempotency-Keys (creates, roster batches)
 *   run-state.ts       one campaign's run: its id, live view, outcome, state recording, step wording
 *   create.ts          create with a pending record, retries that look the name up first, id recovery
 *   fields.ts          field updates, sync calls and their read-back verification
 *   lifecycle.ts       lifecycle actions and waits for a background status change
 *   audience-upload.ts roster batches, removals and the count check
 *   retire.ts          retiring a replaced campaign, pruning an orphan
 *   resource-run.ts    one object's steps in order (applyResource)
 *   execute.ts         the whole plan: dependency waves, one worker pool per account (executePlan)
 */
export { applyExitCode, type ApplyOptions, type ResourceOutcome, type OutcomeStatus, type StateRecorder, type WaitProgress } from "./apply/outcome.js";
export { VerificationError } from "./apply/errors.js";
export { riskyCount, safetyMayRefuse, safetyRefusal } from "./apply/safety.js";
export { bodyDigest, idempotencyKeyFor } from "./apply/keys.js";
export { applicableResources, applyResource, applyContext, type ApplyContext } from "./apply/resource-run.js";
export { applyWaves, executePlan, withKnownIds } from "./apply/execute.js";
