import type { ActionReason, BlockedStep } from "../../core/plan.js";
import type { Address, PendingCreate, StateDocument, StateEntry } from "../../core/types.js";
import type { RefreshedAudience } from "../audience.js";

export type OutcomeStatus = "applied" | "failed" | "blocked" | "skipped" | "manual";

export interface ResourceOutcome {
  address: string;
  status: OutcomeStatus;
  id?: string;
  /** What was done, in order, e.g. "created id 12", "updated retries", "activate (pending → active)". */
  done: string[];
  /** Why it failed, was skipped, or is manual: what the exit code decides on (set whenever `message` is). */
  reason?: ActionReason;
  /** Why it failed, was skipped, or what a person must do — words for people only. */
  message?: string;
  blocked: BlockedStep[];
  warnings: string[];
  /** Fields read back from the provider after the write and found as sent. */
  verified: string[];
}

/**
 * Where apply records what it did (the state journal, src/state/journal.ts). Every method either makes
 * the change durable before it returns or throws (StateWriteError); set/delete/unpend keep the change
 * in `doc` even when they throw, so a later successful write still includes it.
 */
export interface StateRecorder {
  readonly doc: StateDocument;
  readonly serial: number;
  readonly lineage: string;
  /** Set while writes fail: no create may start (its id could not be recorded). */
  readonly failure: Error | undefined;
  /** Resolves once the pending create is durable: only then may it be sent. */
  pending(address: Address, p: PendingCreate): Promise<void>;
  set(address: Address, entry: StateEntry): void;
  delete(address: Address): void;
  unpend(address: Address): void;
}

export interface ApplyOptions {
  allowReplace: boolean;
  prune: boolean;
  /** Aborted on the first SIGINT/SIGTERM: no new campaign or step starts; what is in flight finishes. */
  signal?: AbortSignal;
  onOutcome?: (o: ResourceOutcome) => void;
  onStep?: (address: string, what: string) => void;
  /** Progress of a wait step (status polls); `done` once it is over, however it ended. */
  onWait?: (address: string, progress: WaitProgress) => void;
  /** Test hook for the pause between status polls (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Campaigns worked on at once (requests are paced per account by the HTTP layer anyway). */
  parallel?: number;
  /** Each campaign's audience rows, from the refresh apply made (docs/design.md §10). */
  audiences?: ReadonlyMap<string, RefreshedAudience>;
  /** How a file is named in messages (relative to the current directory). */
  displayPath?: (file: string) => string;
}

export interface WaitProgress {
  status: string | undefined;
  until: string;
  elapsedMs: number;
  timeoutMs: number;
  done: boolean;
}

/** apply exit code (docs/design.md §6): 0 all applied and verified; 1 anything failed; 3 applied what it could, blocked remain. */
export function applyExitCode(outcomes: readonly ResourceOutcome[]): number {
  if (outcomes.some((o) => o.status === "failed")) return 1;
  if (outcomes.some((o) => o.status === "blocked" || (o.status === "skipped" && o.reason === "needs-replace"))) return 3;
  return 0;
}
