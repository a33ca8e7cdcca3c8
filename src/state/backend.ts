/**
 * Where the state lives (docs/design.md §4, §12, §18): the state file in Git (FileBackend, the default)
 * or PostgreSQL (`backend: { type: postgres, urlEnv, key }`, src/state/postgres.ts). The engine and the
 * state commands talk to a StateBackend only: read the state, take the apply lock, open a session that
 * records every change of an apply (pending creates durable before they are sent), and write a whole
 * document with a compare-and-set on serial and lineage.
 */
import type { Address, KindCatalog, PendingCreate, StateDocument, StateEntry, Workspace } from "../core/types.js";
import { UserError } from "../core/errors.js";
import { readStateFile, StateFileError, writeState } from "./state-file.js";
import { readState, StateStore } from "./journal.js";
import { acquireStateLock, type HeldLock, type LockOptions } from "./lock.js";

/** One apply's view of the state, held under the lock (src/engine/apply/outcome.ts StateRecorder is its engine side). */
export interface StateSession {
  readonly doc: StateDocument;
  readonly serial: number;
  readonly lineage: string;
  /** The last write error, until a write succeeds again: no create may start meanwhile. */
  readonly failure: Error | undefined;
  /** Where the state is, for messages (a path, or "PostgreSQL key K"). */
  readonly file: string;
  /** The journal holding what the state does not yet, when it is a file. */
  readonly journalFile: string | undefined;
  /** Resolves once the pending create is durable (only then may it be sent). */
  pending(address: Address, p: PendingCreate): Promise<void>;
  set(address: Address, entry: StateEntry): void;
  delete(address: Address): void;
  unpend(address: Address): void;
  /** Make every change part of the state (the next serial); no-op when nothing changed. */
  compact(): Promise<void>;
  /** The same without an await, for a signal handler; may do nothing where that cannot be synchronous. */
  compactSync(): void;
  /** After the first signal: every later change becomes part of the state as it lands. */
  durableNow(): void;
  /** Entries recorded since the state was last written, still current. */
  uncommitted(): { address: Address; entry: StateEntry }[];
  /** Whether the journal holds every change made in memory. */
  journalHolds(): boolean;
  close(): void;
}

export interface WriteOptions {
  /** Keep the document's serial as it is (`state pull`: the file gets the backend's serial) instead of the next one. */
  keepSerial?: boolean;
  /** Skip the compare-and-set (`state push --force`). */
  force?: boolean;
}

export interface StateBackend {
  readonly kind: "file" | "postgres";
  /** Where the state is, for messages. */
  readonly where: string;
  /** The state as it now is (with what an interrupted apply left); nothing is written. */
  read(catalog: KindCatalog): Promise<StateDocument>;
  /** The apply lock (waits up to opts.waitMs, then StateLockedError). */
  lock(opts?: LockOptions): Promise<HeldLock>;
  /** Open an apply session, under the lock (recovers what an interrupted apply left). */
  open(catalog: KindCatalog, opts?: { onNote?: (text: string) => void }): Promise<StateSession>;
  /**
   * Replace the state by `doc` (under the lock): refused with StateConflictError unless the stored state
   * still has `doc`'s lineage and serial; the stored serial becomes doc.serial + 1 (set on `doc`).
   */
  write(doc: StateDocument, catalog: KindCatalog, opts?: WriteOptions): Promise<void>;
  /** Release connections (idempotent). */
  close(): Promise<void>;
}

/** The stored state moved on since it was read: another writer wrote it (the write is refused). */
export class StateConflictError extends UserError {
  constructor(where: string, expected: { serial: number; lineage?: string | undefined }, found: { serial: number; lineage?: string | undefined }) {
    const what =
      expected.lineage !== undefined && found.lineage !== undefined && expected.lineage !== found.lineage
        ? `it is another state history (lineage ${found.lineage}, this one ${expected.lineage})`
        : `its serial is ${found.serial}, not ${expected.serial} as read: another run wrote it meanwhile`;
    super(`${where}: not written, ${what}; run again (the next run reads the new state)`);
    this.name = "StateConflictError";
  }
}

/** The state file in the workspace (with its journal and lock file beside it). */
export class FileBackend implements StateBackend {
  readonly kind = "file";
  constructor(readonly file: string) {}

  get where(): string {
    return this.file;
  }

  read(catalog: KindCatalog): Promise<StateDocument> {
    return readState(this.file, catalog);
  }

  lock(opts: LockOptions = {}): Promise<HeldLock> {
    return acquireStateLock(this.file, opts);
  }

  open(catalog: KindCatalog, opts: { onNote?: (text: string) => void } = {}): Promise<StateSession> {
    return StateStore.open(this.file, catalog, opts);
  }

  async write(doc: StateDocument, catalog: KindCatalog, opts: WriteOptions = {}): Promise<void> {
    if (!opts.force) {
      const now = await readStateFile(this.file, catalog);
      const sameLineage = now.lineage === undefined || doc.lineage === undefined || now.lineage === doc.lineage;
      if (!sameLineage || (now.serial ?? 0) !== (doc.serial ?? 0)) {
        throw new StateConflictError(this.file, { serial: doc.serial ?? 0, lineage: doc.lineage }, { serial: now.serial ?? 0, lineage: now.lineage });
      }
    }
    // writeState makes the serial one more than the document's: `keepSerial` hands it the one before.
    await writeState(this.file, opts.keepSerial ? { ...doc, serial: Math.max(0, (doc.serial ?? 0) - 1) } : doc);
  }

  async close(): Promise<void> {
    /* nothing held */
  }
}

/**
 * The backend a workspace uses: PostgreSQL when `backend` is set (its URL read from `env`, never from a
 * file), else its state file. The PostgreSQL module is loaded only then.
 */
export async function backendOf(workspace: Pick<Workspace, "stateFile" | "backend">, env: Record<string, string | undefined> = process.env): Promise<StateBackend> {
  if (!workspace.backend) return new FileBackend(workspace.stateFile);
  const { urlEnv, key } = workspace.backend;
  const url = env[urlEnv];
  if (url === undefined || url.trim() === "") {
    throw new UserError(`backend: the environment variable ${urlEnv} (backend.urlEnv in campaignctl.yaml) is not set; set it to the PostgreSQL URL (postgres://user:password@host:5432/db)`);
  }
  const { PostgresBackend } = await import("./postgres.js");
  return new PostgresBackend(url, key);
}

/** A damaged state is a UserError at the command's boundary (its message says where and what). */
export function asUserError(err: unknown): unknown {
  return err instanceof StateFileError ? new UserError(err.message) : err;
}

/** Hold the backend's lock while `fn` runs (state adopt/forget/mv, import), then close the backend. */
export async function withBackendLock<T>(backend: StateBackend, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  try {
    const lock = await backend.lock(opts);
    try {
      return await fn();
    } finally {
      await lock.release().catch(() => undefined);
    }
  } finally {
    await backend.close();
  }
}
