import { randomUUID } from "node:crypto";
import { closeSync, constants, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileTypeWords } from "../core/file-types.js";
import { isJsonObject, stableStringify } from "../core/json.js";
import { KINDS, PROVIDERS, type Address, type AudienceState, type PendingCreate, type StateDocument, type StateEntry } from "../core/types.js";
import { journalFileOf, replayJournal } from "./journal.js";

export { StateLockedError, withStateLock } from "./lock.js";

/** The state file is missing a field, has the wrong shape, or is not JSON. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "StateFileError";
  }
}

export function emptyState(): StateDocument {
  return { version: 1, serial: 0, campaigns: {} };
}

/**
 * The address fits the entry: `<provider>/<account>/<name>` for the provider's campaign kind,
 * `<provider>/<account>/<short>/<name>` for its other kinds (docs/design.md §11). Which other kinds a provider
 * offers is the providers' knowledge, not the state file's: an unknown one is refused where the entry is
 * used (the kind's session).
 */
function checkAddress(file: string, where: string, address: string, provider: StateEntry["provider"], account: string, kind: string): void {
  const parts = address.split("/");
  const segments = kind === KINDS[provider] ? 3 : 4;
  if (parts.length !== segments || parts[0] !== provider || parts[1] !== account || parts.slice(2).some((p) => p === "")) {
    throw new StateFileError(file, `${where}: the address does not match provider "${provider}", account "${account}" and kind ${kind}`);
  }
}

function checkProvider(file: string, where: string, raw: Record<string, unknown>): StateEntry["provider"] {
  const { provider, account, kind } = raw;
  if (typeof provider !== "string" || !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new StateFileError(file, `${where}.provider must be one of ${PROVIDERS.join(", ")}`);
  }
  const p = provider as StateEntry["provider"];
  if (typeof account !== "string" || account === "") throw new StateFileError(file, `${where}.account must be a non-empty string`);
  // A kind of this provider: its campaign kind, or another kind named after it (ExtrovertStyle, ...).
  const prefix = KINDS[p].replace(/Campaign$/, "");
  if (typeof kind !== "string" || !new RegExp(`^${prefix}[A-Z][A-Za-z]*$`).test(kind)) {
    throw new StateFileError(file, `${where}.kind must be ${KINDS[p]} or another ${prefix} kind`);
  }
  return p;
}

export function checkEntry(file: string, address: string, raw: unknown, where = `campaigns["${address}"]`): StateEntry {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const p = checkProvider(file, where, raw);
  const { account, id, appliedAt, applied } = raw as Record<string, unknown> & { account: string };
  if (typeof id !== "string" || id === "") throw new StateFileError(file, `${where}.id must be a non-empty string`);
  if (typeof appliedAt !== "string") throw new StateFileError(file, `${where}.appliedAt must be a string`);
  if (!isJsonObject(applied)) throw new StateFileError(file, `${where}.applied must be an object`);
  const kind = raw.kind as string;
  checkAddress(file, where, address, p, account, kind);
  // Optional and advisory (it only lets the refresh skip reads): anything malformed is dropped, not refused.
  const observed = isJsonObject(raw.observed) && typeof raw.observed.status === "string" ? { observed: { status: raw.observed.status } } : {};
  const audience = raw.audience === undefined ? undefined : checkAudienceState(file, `${where}.audience`, raw.audience);
  return { provider: p, account, kind, id, appliedAt, applied, ...observed, ...(audience ? { audience } : {}) };
}

/** `audience`: digests per file and counts only (docs/design.md §10: no personal data in state). */
function checkAudienceState(file: string, where: string, raw: unknown): AudienceState {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const { mode, files, rows, count } = raw;
  if (mode !== "append" && mode !== "exact") throw new StateFileError(file, `${where}.mode must be "append" or "exact"`);
  if (!isJsonObject(files) || !Object.values(files).every((d) => typeof d === "string")) {
    throw new StateFileError(file, `${where}.files must map file paths to digests`);
  }
  const counts = { rows, count };
  for (const [k, v] of Object.entries(counts)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new StateFileError(file, `${where}.${k} must be a non-negative integer`);
  }
  return { mode, files: files as Record<string, string>, rows: rows as number, count: count as number };
}

export function checkPending(file: string, address: string, raw: unknown, where = `pending["${address}"]`): PendingCreate {
  if (!isJsonObject(raw)) throw new StateFileError(file, `${where} is not an object`);
  const p = checkProvider(file, where, raw);
  const { account, name, digest, idempotencyKey, at } = raw as Record<string, unknown> & { account: string };
  for (const [k, v] of Object.entries({ name, digest, idempotencyKey, at })) {
    if (typeof v !== "string") throw new StateFileError(file, `${where}.${k} must be a string`);
  }
  const kind = raw.kind as string;
  checkAddress(file, where, address, p, account, kind);
  return { provider: p, account, kind, name: name as string, digest: digest as string, idempotencyKey: idempotencyKey as string, at: at as string };
}

/** Parse the text of a state file (no journal). */
export function parseState(file: string, text: string): StateDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Where, never what: the parser's message quotes the text, which may be a token (issue 31).
    const at = /position (\d+)/.exec((err as Error).message);
    throw new StateFileError(file, `not valid JSON${at ? ` (at character ${Number(at[1]) + 1})` : ""}; its content is not shown; restore it from Git`);
  }
  if (!isJsonObject(raw) || raw.version !== 1 || !isJsonObject(raw.campaigns)) {
    throw new StateFileError(file, `expected {"version": 1, "campaigns": {...}}`);
  }
  const { serial, lineage } = raw;
  if (serial !== undefined && (typeof serial !== "number" || !Number.isInteger(serial) || serial < 0)) {
    throw new StateFileError(file, `serial must be a non-negative integer`);
  }
  if (lineage !== undefined && (typeof lineage !== "string" || lineage === "")) throw new StateFileError(file, `lineage must be a non-empty string`);
  const campaigns: Record<Address, StateEntry> = {};
  for (const [address, entry] of Object.entries(raw.campaigns)) campaigns[address] = checkEntry(file, address, entry);
  const doc: StateDocument = { version: 1, serial: serial ?? 0, ...(lineage === undefined ? {} : { lineage }), campaigns };
  if (raw.pending !== undefined) {
    if (!isJsonObject(raw.pending)) throw new StateFileError(file, `pending must be an object`);
    const pending: Record<Address, PendingCreate> = {};
    for (const [address, p] of Object.entries(raw.pending)) pending[address] = checkPending(file, address, p);
    if (Object.keys(pending).length > 0) doc.pending = pending;
  }
  if (raw.untracked !== undefined) {
    if (!Array.isArray(raw.untracked)) throw new StateFileError(file, `untracked must be an array`);
    const untracked = raw.untracked.map((u, i) => {
      const address = isJsonObject(u) && typeof u.address === "string" ? u.address : "";
      return { address, ...checkEntry(file, address, u, `untracked[${i}]`) };
    });
    if (untracked.length > 0) doc.untracked = untracked;
  }
  return doc;
}

/**
 * The text of a state, journal or lock file; undefined when it does not exist. Never blocks on a FIFO
 * or device (opened non-blocking, its type checked on the open descriptor before any read — the
 * approach of config/files.ts readWorkspaceFile): anything but a regular file is a StateFileError
 * saying what it is and what to do.
 */
export function readRegularFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StateFileError(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new StateFileError(file, `is ${fileTypeWords(info)}, not a regular file; move it away, then run again`);
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (err instanceof StateFileError) throw err;
    throw new StateFileError(file, `cannot read: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** Read the state file alone (no journal); a missing file is an empty state. */
export async function readStateFile(file: string): Promise<StateDocument> {
  const text = readRegularFile(file);
  return text === undefined ? emptyState() : parseState(file, text);
}

/**
 * Read the state as it now is: the state file, plus the records of a journal an interrupted apply left
 * next to it (replayed in memory; nothing is written). A missing file is an empty state.
 */
export async function readState(file: string): Promise<StateDocument> {
  const doc = await readStateFile(file);
  await replayJournal(file, doc);
  return doc;
}

/** Serialise with sorted keys and a trailing newline (stable diffs when committed). Empty `pending` is left out. */
export function serializeState(doc: StateDocument): string {
  const { pending, untracked, ...rest } = doc;
  const out = {
    ...rest,
    ...(pending && Object.keys(pending).length > 0 ? { pending } : {}),
    ...(untracked && untracked.length > 0 ? { untracked } : {}),
  };
  return `${stableStringify(out, 2)}\n`;
}

/** What to do about a failed write, by its errno (the reason text only explains). */
export function writeFailureHint(file: string, cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "free space on that disk, then run again";
  if (code === "EFBIG") return "the file size limit (ulimit -f) or the disk is full: raise it or free space, then run again";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `make ${dirname(file)} writable for this user, then run again`;
  return "fix the cause, then run again";
}

/** A write of the state (or its journal) failed: ENOSPC, EACCES, EIO, EFBIG… */
export class StateWriteError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`cannot write ${file}: ${(cause as Error)?.message ?? String(cause)} (${writeFailureHint(file, cause)})`);
    this.name = "StateWriteError";
  }
}

/** Write all of `text` (a short write is retried; the next one reports the error). */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported everywhere (e.g. some network file systems): the rename is still atomic */
  }
}

/**
 * Write the state file atomically: a temp file in the same directory, fsync, rename over the target,
 * then drop the journal it supersedes. Sets `serial` to one more than the document's, and `lineage`
 * when the document has none (the first write). A crash leaves either the old file or the new one;
 * a failed write removes its temp file and throws StateWriteError (the old file and journal stay).
 */
export async function writeState(file: string, doc: StateDocument): Promise<void> {
  writeStateSync(file, doc);
}

/**
 * writeState without a single await: a signal handler can make the state durable before it returns,
 * and two writes can never interleave (each is one synchronous temp write, fsync and rename).
 */
export function writeStateSync(file: string, doc: StateDocument): void {
  const next: StateDocument = { ...doc, serial: (doc.serial ?? 0) + 1, lineage: doc.lineage ?? randomUUID() };
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      writeAll(fd, serializeState(next));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StateWriteError(file, err);
  }
  fsyncDir(dirname(file));
  doc.serial = next.serial;
  doc.lineage = next.lineage;
  try {
    rmSync(journalFileOf(file), { force: true });
  } catch {
    /* the journal extends an older serial now: the next load ignores it */
  }
}

/** How long a temp file of a writer that cannot be checked (its pid runs, maybe reused) may stay: 1 hour. */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Remove temp files a killed writer left next to the state file (`.<state>.<pid>.<ms>.tmp`, the naming
 * of writeStateSync): only that exact pattern, and only stale ones — the writer's pid is no longer
 * running, or the file is over an hour old (no live writer keeps one for more than milliseconds).
 * Called under the state lock. Returns the names removed.
 */
export function removeStaleTemps(file: string, now = Date.now()): string[] {
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    let stale = !pidRuns(pid);
    if (!stale) {
      const info = statSync(path, { throwIfNoEntry: false });
      stale = info !== undefined && info.isFile() && now - info.mtimeMs > TEMP_MAX_AGE_MS;
    }
    if (!stale || pid === process.pid) continue;
    try {
      rmSync(path, { force: true });
      removed.push(name);
    } catch {
      /* not ours to remove after all (permissions): leave it */
    }
  }
  return removed;
}

function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
