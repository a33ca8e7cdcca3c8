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
 * Each event costs one small append and one fsync (O(change), not O(state)). A kill at any point
 * leaves the state file intact and every confirmed record in the journal; a torn last line (a write
 * that was cut short) is skipped, since its writer never went on as if it were recorded.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isJsonObject } from "../core/json.js";
import type { Address, KindCatalog, PendingCreate, StateDocument, StateEntry } from "../core/types.js";
import { journalFileOf, writeAll } from "./files.js";
import { checkEntry, checkPending, readStateFile, StateFileError, StateWriteError, writeState } from "./state-file.js";

export type JournalRecord =
  | { op: "begin"; lineage: string; base: number; pid: number; at: string }
  | { op: "pending"; address: Address; pending: PendingCreate }
  | { op: "set"; address: Address; entry: StateEntry }
  | { op: "delete"; address: Address }
  | { op: "unpend"; address: Address };

export { journalFileOf };

/** Apply one event to a document in memory. */
export function applyRecord(doc: StateDocument, rec: JournalRecord): void {
  switch (rec.op) {
    case "begin":
      return;
    case "pending":
      (doc.pending ??= {})[rec.address] = rec.pending;
      return;
    case "set":
      doc.campaigns[rec.address] = rec.entry;
      if (doc.pending) delete doc.pending[rec.address];
      return;
    case "delete":
      delete doc.campaigns[rec.address];
      return;
    case "unpend":
      if (doc.pending) delete doc.pending[rec.address];
      return;
  }
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
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw new StateFileError(file, `cannot read: ${(err as Error).message}`);
  }
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
export class StateStore {
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
  ) {}

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

  private append(rec: JournalRecord): void {
    this.backlog.push(rec);
    try {
      if (this.fd === undefined) {
        this.fd = openSync(this.journalFile, "a", 0o644);
        this.backlog.unshift({ op: "begin", lineage: this.lineage, base: this.serial, pid: process.pid, at: new Date().toISOString() });
      }
      const text = this.backlog.map((r) => JSON.stringify(r)).join("\n");
      writeAll(this.fd, `${this.tornTail ? "\n" : ""}${text}\n`);
      fsyncSync(this.fd);
      this.backlog = [];
      this.tornTail = false;
      this.failure = undefined;
    } catch (err) {
      this.tornTail = this.fd !== undefined;
      if (this.fd === undefined) this.backlog = this.backlog.filter((r) => r.op !== "begin");
      this.failure = new StateWriteError(this.journalFile, err);
      throw this.failure;
    }
  }

  /** Record a create about to be sent. Throws StateWriteError (and records nothing) when it cannot be made durable. */
  pending(address: Address, p: PendingCreate): void {
    this.append({ op: "pending", address, pending: p });
    this.changed = true;
    (this.doc.pending ??= {})[address] = p;
  }

  /** Record an entry (clears a pending create of the address). Kept in memory even when the append fails. */
  set(address: Address, entry: StateEntry): void {
    this.mutate({ op: "set", address, entry });
  }

  delete(address: Address): void {
    this.mutate({ op: "delete", address });
  }

  unpend(address: Address): void {
    if (!this.doc.pending?.[address]) return;
    this.mutate({ op: "unpend", address });
  }

  private mutate(rec: JournalRecord): void {
    applyRecord(this.doc, rec);
    if (rec.op === "set") this.sinceWrite.set(rec.address, rec.entry);
    else if (rec.op === "delete") this.sinceWrite.delete(rec.address);
    this.changed = true;
    this.append(rec);
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
    if (!this.changed) return;
    try {
      await writeState(this.file, this.doc);
    } catch (err) {
      this.failure = err instanceof StateWriteError ? err : new StateWriteError(this.file, err);
      throw this.failure;
    }
    this.close();
    this.backlog = [];
    this.sinceWrite.clear();
    this.changed = false;
    this.failure = undefined;
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
  }
}
