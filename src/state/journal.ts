/**
 * The state journal: an append-only file next to the state file (`campaignctl.state.json.journal`),
 * one fsynced JSON line per event of an apply, replayed on load and folded into the state file
 * (atomically, by writeState) at the end of the apply — or by the next run when a crash left one.
 *
 *   {"op":"begin","lineage":"…","base":7,"pid":123,"at":"…"}   first line: the state serial it extends
 *   {"op":"pending","address":"…","pending":{…}}                a create is about to be sent
 *   {"op":"set","address":"…","entry":{…}}                      created / updated / adopted (clears pending)
 *   {"op":"delete","address":"…"}                               retired or forgotten
 *   {"op":"unpend","address":"…"}                               a pending create that did not happen
 *
 * Each event costs one small append (O(change), not O(state)); fsyncs are grouped off the event loop
 * (group commit), and a pending create is sent only once an fsync covering its record has returned. A kill at any point
 * leaves the state file intact and every confirmed record in the journal; a torn last line (a write
 * that was cut short) is skipped, since its writer never went on as if it were recorded.
 */
import { randomUUID } from "node:crypto";
import { closeSync, constants, fstatSync, fsync, ftruncateSync, openSync, rmSync } from "node:fs";
import { fileTypeWords } from "../core/file-types.js";
import { isJsonObject } from "../core/json.js";
import type { Address, KindCatalog, PendingCreate, StateDocument, StateEntry } from "../core/types.js";
import { applyChange, ChangeRecorder, type StateChange } from "./changes.js";
import { journalFileOf, readRegularFile, writeAll } from "./files.js";
import { checkEntry, checkPending, readStateFile, StateFileError, StateWriteError, writeState, writeStateSync } from "./state-file.js";

export type JournalRecord = { op: "begin"; lineage: string; base: number; pid: number; at: string } | StateChange;

export { journalFileOf };

/** Apply one event to a document in memory. */
export function applyRecord(doc: StateDocument, rec: JournalRecord): void {
  if (rec.op !== "begin") applyChange(doc, rec);
}

function parseRecord(file: string, line: string, catalog: KindCatalog): JournalRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined; // a torn write
  }
  if (!isJsonObject(raw) || typeof raw.op !== "string") return undefined;
  const address = typeof raw.address === "string" ? raw.address : "";
  switch (raw.op) {
    case "begin":
      if (typeof raw.lineage !== "string" || typeof raw.base !== "number") return undefined;
      return { op: "begin", lineage: raw.lineage, base: raw.base, pid: Number(raw.pid), at: String(raw.at) };
    case "pending":
      return { op: "pending", address, pending: checkPending(file, address, raw.pending, catalog, `journal pending ${address}`) };
    case "set":
      return { op: "set", address, entry: checkEntry(file, address, raw.entry, catalog, `journal entry ${address}`) };
    case "delete":
    case "unpend":
      return address === "" ? undefined : { op: raw.op, address };
    default:
      return undefined;
  }
}

/**
 * Read the state as it now is: the state file, plus the records of a journal an interrupted apply left
 * next to it (replayed in memory; nothing is written). A missing file is an empty state.
 */
export async function readState(file: string, catalog: KindCatalog): Promise<StateDocument> {
  const doc = await readStateFile(file, catalog);
  await replayJournal(file, doc, catalog);
  return doc;
}

/**
 * Replay the journal left next to `stateFile` onto `doc` (the parsed state file). Returns how many
 * events were replayed; 0 when there is no journal, or when it extends an older serial (the state file
 * already holds it: a crash came between the state write and the journal's removal).
 */
export async function replayJournal(stateFile: string, doc: StateDocument, catalog: KindCatalog): Promise<number> {
  const file = journalFileOf(stateFile);
  const text = readRegularFile(file);
  if (text === undefined) return 0;
  const records = text.split("\n").filter((l) => l.trim() !== "").map((l) => parseRecord(file, l, catalog));
  const begin = records.find((r) => r?.op === "begin") as Extract<JournalRecord, { op: "begin" }> | undefined;
  if (!begin) return 0;
  if (doc.lineage !== undefined && begin.lineage !== doc.lineage) {
    throw new StateFileError(
      file,
      `belongs to another state (lineage ${begin.lineage}, the state file has ${doc.lineage}); move it away if the state file was replaced on purpose`,
    );
  }
  if (begin.base !== (doc.serial ?? 0)) return 0;
  doc.lineage = begin.lineage;
  let n = 0;
  for (const r of records) {
    if (!r || r.op === "begin") continue;
    applyRecord(doc, r);
    n += 1;
  }
  return n;
}

/**
 * The state of one apply, held under the state lock: the document in memory, every change appended
 * to the journal before the call returns, and one atomic state write at the end (`compact`).
 *
 * A failed append (disk full, read-only directory, I/O error) does not lose the change: it stays in
 * memory and in a backlog that every later append tries again, and `compact` writes it to the state
 * file if it can. `failure` tells the engine to stop starting creates; `unrecorded()` lists the ids
 * that are in neither file.
 */
export class StateStore extends ChangeRecorder {
  private fd: number | undefined;
  private backlog: JournalRecord[] = [];
  private changed = false;
  /** Entries set since the state file was last written (what a lost journal would take with it). */
  private sinceWrite = new Map<Address, StateEntry>();
  private tornTail = false;
  /** The last write error, until a write succeeds again. */
  failure: StateWriteError | undefined;

  private constructor(
    readonly file: string,
    readonly doc: StateDocument,
  ) {
    super();
  }

  get journalFile(): string {
    return journalFileOf(this.file);
  }

  /**
   * Open under the lock: read the state file and replay a journal a crash left (folding it into the
   * state file at once, so this run starts from one file).
   */
  static async open(file: string, catalog: KindCatalog, opts: { onNote?: (text: string) => void } = {}): Promise<StateStore> {
    const doc = await readStateFile(file, catalog);
    const replayed = await replayJournal(file, doc, catalog);
    const store = new StateStore(file, doc);
    if (replayed > 0) {
      opts.onNote?.(`recovered ${replayed} change(s) an interrupted apply left in ${journalFileOf(file)}`);
      try {
        await writeState(file, doc);
      } catch (err) {
        // Keep the journal (it still holds the changes) and go on in memory; the end of the run retries.
        store.failure = err instanceof StateWriteError ? err : new StateWriteError(file, err);
        store.changed = true;
        store.backlog = [];
      }
    }
    return store;
  }

  get serial(): number {
    return this.doc.serial ?? 0;
  }

  /** The lineage this run writes under (assigned now for a state that has never been written). */
  get lineage(): string {
    if (this.doc.lineage === undefined) this.doc.lineage = randomUUID();
    return this.doc.lineage;
  }

  /**
   * Write a record to the journal at once (one write(2): the record survives a kill of this process from
   * here on) and have it fsynced by the next group commit (survives a crash of the machine once
   * `durable()` resolves). Throws StateWriteError when the write itself fails (nothing is left torn).
   */
  private append(rec: JournalRecord): void {
    this.backlog.push(rec);
    let size = 0;
    let created = false;
    try {
      if (this.fd === undefined) {
        created = this.openJournal();
        this.backlog.unshift({ op: "begin", lineage: this.lineage, base: this.serial, pid: process.pid, at: new Date().toISOString() });
      }
      size = fstatSync(this.fd as number).size;
      const text = this.backlog.map((r) => JSON.stringify(r)).join("\n");
      writeAll(this.fd as number, `${this.tornTail ? "\n" : ""}${text}\n`);
      this.backlog = [];
      this.tornTail = false;
      this.written += 1;
      if (this.syncFailure === undefined) this.failure = undefined;
    } catch (err) {
      this.undoAppend(size, created);
      this.failure = new StateWriteError(this.journalFile, err);
      throw this.failure;
    }
    this.groupSync();
  }

  /** Records written to the journal, and how many of them an fsync has covered (group commit). */
  private written = 0;
  private synced = 0;
  private syncing = false;
  private syncFailure: StateWriteError | undefined;
  private waiters: { upTo: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** close() came while an fsync was in flight: the descriptor is closed when it ends. */
  private closeAfterSync = false;

  /**
   * Group commit: one fsync in flight at a time, on libuv's thread pool (never on the event loop),
   * covering every record written before it started; records written meanwhile ride on the next one.
   * Under load one fsync makes many records durable; alone a record costs one fsync, as before.
   */
  private groupSync(): void {
    if (this.syncing || this.fd === undefined || this.synced >= this.written) return;
    const fd = this.fd;
    const upTo = this.written;
    this.syncing = true;
    fsync(fd, (err) => {
      this.syncing = false;
      if (this.closeAfterSync) {
        this.closeAfterSync = false;
        this.closeFd(fd);
      }
      if (err) {
        this.syncFailure = new StateWriteError(this.journalFile, err);
        this.failure = this.syncFailure;
        for (const w of this.waiters.splice(0)) w.reject(this.syncFailure);
        return;
      }
      this.synced = Math.max(this.synced, upTo);
      const ready = this.waiters.filter((w) => w.upTo <= this.synced);
      this.waiters = this.waiters.filter((w) => w.upTo > this.synced);
      for (const w of ready) w.resolve();
      if (this.fd === fd) this.groupSync();
    });
  }

  /** Resolves once every record written so far is fsynced (rejects with the StateWriteError of a failed fsync). */
  durable(): Promise<void> {
    if (this.syncFailure) return Promise.reject(this.syncFailure);
    const upTo = this.written;
    if (this.synced >= upTo || this.fd === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.groupSync();
    });
  }

  /**
   * Open the journal for appending without ever blocking: non-blocking, and refused
   * unless it is a regular file — a FIFO there would block the open until a reader came.
   * Returns whether this open created it.
   */
  private openJournal(): boolean {
    let existed = true;
    let fd: number;
    try {
      fd = openSync(this.journalFile, constants.O_WRONLY | constants.O_APPEND | constants.O_NONBLOCK, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      existed = false;
      fd = openSync(this.journalFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NONBLOCK, 0o644);
    }
    const info = fstatSync(fd);
    if (!info.isFile()) {
      closeSync(fd);
      throw new Error(`it is ${fileTypeWords(info)}, not a regular file; move it away`);
    }
    this.fd = fd;
    return !existed;
  }

  /** A failed append leaves no torn line behind: cut the journal back to its size before the write (or remove the one it created). */
  private undoAppend(size: number, created: boolean): void {
    if (this.fd === undefined) {
      this.backlog = this.backlog.filter((r) => r.op !== "begin");
      return;
    }
    try {
      ftruncateSync(this.fd, size);
      this.tornTail = false;
    } catch {
      this.tornTail = true;
    }
    if (created && size === 0) {
      this.close();
      rmSync(this.journalFile, { force: true });
    }
    if (this.fd === undefined) this.backlog = this.backlog.filter((r) => r.op !== "begin");
  }

  /**
   * Record a create about to be sent; resolves once the record is durable (fsynced), so the create may
   * be sent. Rejects with StateWriteError (and records nothing in memory) when it cannot be made durable.
   */
  async pending(address: Address, p: PendingCreate): Promise<void> {
    this.append({ op: "pending", address, pending: p });
    // In memory before the wait: a signal's state write (compactSync) during the fsync must include it,
    // since it removes the journal that holds it.
    this.changed = true;
    (this.doc.pending ??= {})[address] = p;
    try {
      await this.durable();
    } catch (err) {
      if (this.doc.pending?.[address] === p) delete this.doc.pending[address];
      throw err;
    }
    if (this.writeThrough) this.flushSync();
  }

  protected mutate(rec: JournalRecord): void {
    applyRecord(this.doc, rec);
    if (rec.op === "set") this.sinceWrite.set(rec.address, rec.entry);
    else if (rec.op === "delete") this.sinceWrite.delete(rec.address);
    this.changed = true;
    try {
      this.append(rec);
    } finally {
      if (this.writeThrough) this.flushSync();
    }
  }

  /** Changes made in memory whose journal record is not on disk. */
  unrecorded(): { address: Address; entry: StateEntry }[] {
    return this.backlog.flatMap((r) => (r.op === "set" && this.doc.campaigns[r.address]?.id === r.entry.id ? [{ address: r.address, entry: r.entry }] : []));
  }

  /** Entries recorded since the state file was last written, still current: ids the state file lacks. */
  uncommitted(): { address: Address; entry: StateEntry }[] {
    return [...this.sinceWrite].flatMap(([address, entry]) => (this.doc.campaigns[address]?.id === entry.id ? [{ address, entry }] : []));
  }

  /** Whether the journal on disk holds every change made in memory. */
  journalHolds(): boolean {
    return this.backlog.length === 0 && this.fd !== undefined;
  }

  /** Fold everything into the state file (one atomic write) and drop the journal. No-op when nothing changed. */
  async compact(): Promise<void> {
    this.compactSync();
  }

  /** compact() without an await: safe inside a signal handler, never interleaved with another write. */
  compactSync(): void {
    if (!this.changed) return;
    try {
      writeStateSync(this.file, this.doc);
    } catch (err) {
      this.failure = err instanceof StateWriteError ? err : new StateWriteError(this.file, err);
      throw this.failure;
    }
    this.close(true);
    this.backlog = [];
    this.sinceWrite.clear();
    this.changed = false;
    this.failure = undefined;
  }

  /** After the first signal: every change also goes into the state file as it lands (see durableNow). */
  private writeThrough = false;

  /**
   * The first SIGINT/SIGTERM (GitHub's cancel sends SIGTERM 7.5 s later and SIGKILL 2.5 s after that):
   * fold the journal into the state file now, and from now on write the state file after every change,
   * so a kill at any later moment finds every id in the state file itself, not only in the journal.
   * A failed write is kept in `failure` (the journal still holds the change); never throws.
   */
  durableNow(): void {
    this.writeThrough = true;
    this.flushSync();
  }

  private flushSync(): void {
    try {
      this.compactSync();
    } catch {
      /* `failure` says why; the journal (or the backlog) still holds the change */
    }
  }

  /** Close the journal; `folded`: the state file now holds every record (compact), so waiters have their durability. */
  close(folded = false): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    this.synced = this.written = 0;
    const closed = new StateWriteError(this.journalFile, new Error("the journal was closed before the record was fsynced"));
    for (const w of this.waiters.splice(0)) if (folded) w.resolve();
    else w.reject(closed);
    if (this.syncing) this.closeAfterSync = true;
    else this.closeFd(fd);
  }

  private closeFd(fd: number): void {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}
