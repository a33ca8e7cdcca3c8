/**
 * The state lock: `campaignctl.state.json.lock`, created exclusively (O_EXCL) and holding who took it
 * (pid, host, process start, time, command). One apply holds it from before its refresh to its last
 * state write; `state adopt|forget` and `import` hold it around their write; plan and drift take none.
 *
 * A second taker waits up to `waitMs` (saying so once), then fails naming the holder. A lock whose
 * holder is provably dead — same host, and no such process (or the pid now belongs to a process that
 * started later) — is taken over with a note. A lock from another host cannot be checked: the error
 * says how to clear it.
 */
import { randomUUID } from "node:crypto";
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, rmSync } from "node:fs";
import { link, rename, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { UserError } from "../core/errors.js";
import { fileTypeWords } from "../core/file-types.js";
import { readRegularFile, removeStaleTemps, StateFileError, writeAll, writeFailureHint } from "./files.js";

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** Linux: the holder's start time in clock ticks since boot (/proc/PID/stat field 22), to detect pid reuse. */
  procStart?: string;
  command: string;
  token: string;
}

export interface LockOptions {
  /** How long to wait for another holder (ms). Default 0: fail at once. */
  waitMs?: number;
  /** What the holder does, for the message another taker sees ("apply", "state adopt"). */
  command?: string;
  /** Notes for the user (waiting, taking over a dead holder's lock). */
  onNote?: (text: string) => void;
  pollMs?: number;
  /** What to tell the user when the lock stays held. */
  retryHint?: string;
}

export function lockFileOf(stateFile: string): string {
  return `${stateFile}.lock`;
}

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** "alive", "dead", or "unknown" (another host: cannot be checked from here). */
export function holderLiveness(h: LockHolder): "alive" | "dead" | "unknown" {
  if (h.host !== hostname()) return "unknown";
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return "dead";
    return "alive"; // EPERM: a process of another user has that pid
  }
  if (h.procStart !== undefined) {
    const now = procStartOf(h.pid);
    if (now !== undefined && now !== h.procStart) return "dead"; // the pid was reused
  }
  return "alive";
}

function describeHolder(h: LockHolder, now = Date.now()): string {
  const age = Math.max(0, Math.round((now - Date.parse(h.startedAt)) / 1000));
  return `campaignctl ${h.command} (pid ${h.pid} on host ${h.host}, started ${h.startedAt}, ${age} s ago)`;
}

/** Another process holds the state lock. */
export class StateLockedError extends UserError {
  constructor(
    readonly file: string,
    readonly holder: LockHolder | undefined,
    waitedMs: number,
    retryHint = "wait for it to finish, then run again",
  ) {
    const lockFile = lockFileOf(file);
    const waited = waitedMs >= 1000 ? ` after waiting ${Math.round(waitedMs / 1000)} s` : "";
    const who = holder ? describeHolder(holder) : "another campaignctl process (the lock file is being written)";
    const how =
      holder && holderLiveness(holder) === "unknown"
        ? `it was taken on another host, so campaignctl cannot tell whether it still runs: if no campaignctl runs on ${holder.host}, remove ${lockFile} and run again`
        : retryHint;
    super(`${file} is locked${waited} by another ${who}; ${how}`);
    this.name = "StateLockedError";
  }
}

async function readHolder(lockFile: string): Promise<LockHolder | undefined | "missing"> {
  let text: string | undefined;
  try {
    text = readRegularFile(lockFile);
  } catch (err) {
    // A directory, FIFO or device where the lock belongs: never read (a FIFO would block), never removed.
    throw err instanceof StateFileError ? new UserError(err.message) : err;
  }
  if (text === undefined) return "missing";
  try {
    const raw = JSON.parse(text) as LockHolder;
    return typeof raw.pid === "number" && typeof raw.host === "string" ? raw : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(lockFile: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(lockFile, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UserError(`cannot create the state lock ${lockFile}: ${(err as Error).message} (${writeFailureHint(lockFile, err)})`);
  }
  try {
    writeAll(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } catch (err) {
    // A full disk (ENOSPC, EFBIG): leave no empty or half-written lock behind.
    closeSync(fd);
    rmSync(lockFile, { force: true });
    throw new UserError(`cannot write the state lock ${lockFile}: ${(err as Error).message} (${writeFailureHint(lockFile, err)})`);
  }
  closeSync(fd);
  return true;
}

/** A lock path that exists but is no file campaignctl could have made (a directory, FIFO, device). */
function checkLockPath(lockFile: string): void {
  const info = lstatSync(lockFile, { throwIfNoEntry: false });
  if (!info || info.isFile() || info.isSymbolicLink()) return;
  throw new UserError(`${lockFile} is ${fileTypeWords(info)}, not a campaignctl lock file; remove or rename it, then run again`);
}

/** Move a dead holder's lock away, only if it is still that holder's (a concurrent taker may have won). */
async function takeOver(lockFile: string, dead: LockHolder): Promise<boolean> {
  const aside = `${lockFile}.stale.${process.pid}.${randomUUID().slice(0, 8)}`;
  try {
    await rename(lockFile, aside);
  } catch {
    return false;
  }
  const moved = await readHolder(aside).catch(() => undefined);
  if (moved !== "missing" && moved?.token === dead.token) {
    await rm(aside, { force: true });
    return true;
  }
  // Someone else's fresh lock: put it back (fails harmlessly if a third one exists by now).
  await link(aside, lockFile).catch(() => undefined);
  await rm(aside, { force: true });
  return false;
}

/** Who holds the state lock now: the holder, "none", or "unreadable" (a lock file that holds no holder). */
export async function readStateLock(stateFile: string): Promise<LockHolder | "none" | "unreadable"> {
  const lockFile = lockFileOf(stateFile);
  checkLockPath(lockFile);
  const holder = await readHolder(lockFile);
  return holder === "missing" ? "none" : (holder ?? "unreadable");
}

/**
 * `force-unlock`: remove the lock `holder` holds, only if it is still that holder's (a new taker's lock
 * is left alone); with "unreadable", remove the lock file as it is. True when a lock was removed.
 */
export async function breakStateLock(stateFile: string, holder: LockHolder | "unreadable"): Promise<boolean> {
  const lockFile = lockFileOf(stateFile);
  if (holder !== "unreadable") return takeOver(lockFile, holder);
  if ((await readHolder(lockFile)) !== undefined) return false;
  await rm(lockFile, { force: true });
  return true;
}

export { describeHolder };

export interface HeldLock {
  holder: LockHolder;
  release(): Promise<void>;
}

export async function acquireStateLock(stateFile: string, opts: LockOptions = {}): Promise<HeldLock> {
  const lockFile = lockFileOf(stateFile);
  const procStart = procStartOf(process.pid);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(procStart === undefined ? {} : { procStart }),
    command: opts.command ?? "apply",
    token: randomUUID(),
  };
  const waitMs = opts.waitMs ?? 0;
  const started = Date.now();
  let said = false;
  let unreadableSince: number | undefined;
  for (;;) {
    checkLockPath(lockFile);
    if (tryCreate(lockFile, holder)) break;
    const other = await readHolder(lockFile);
    if (other === "missing") continue;
    if (other === undefined) {
      // Created but not written yet — or written by a process killed in between: stale after 5 s.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 5000) {
        await rm(lockFile, { force: true });
        opts.onNote?.(`note: removed an unreadable state lock ${lockFile} left by a process that died while taking it`);
        continue;
      }
    } else if (holderLiveness(other) === "dead") {
      if (await takeOver(lockFile, other)) {
        opts.onNote?.(`note: took over the state lock of ${describeHolder(other)}, which is no longer running`);
      }
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new StateLockedError(stateFile, other, waited, opts.retryHint);
    if (!said && other !== undefined) {
      opts.onNote?.(`waiting up to ${Math.round(waitMs / 1000)} s for the state lock held by ${describeHolder(other)}`);
      said = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 200, Math.max(10, waitMs - waited))));
  }
  // Under the lock: temp files a killed writer left next to the state file go now.
  const removed = removeStaleTemps(stateFile);
  if (removed.length > 0) opts.onNote?.(`note: removed ${removed.length} temp file(s) a killed state write left behind: ${removed.join(", ")}`);
  return {
    holder,
    async release() {
      const now = await readHolder(lockFile).catch(() => undefined);
      if (now !== "missing" && now?.token === holder.token) await rm(lockFile, { force: true });
    },
  };
}

/** Hold the state lock while `fn` runs. */
export async function withStateLock<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireStateLock(file, opts);
  try {
    return await fn();
  } finally {
    await lock.release().catch(() => undefined);
  }
}
