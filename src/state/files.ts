import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileTypeWords } from "../core/file-types.js";

/**
 * Pieces the state file, its journal and its lock share. In a module of their own so that none of the
 * three imports another just for them (test/layers.test.ts refuses run-time import cycles).
 */

/** The journal an apply keeps next to the state file. */
export function journalFileOf(stateFile: string): string {
  return `${stateFile}.journal`;
}

/** Write all of `text` (a short write is retried; the next one reports the error). */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

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

/**
 * The text of a state, journal or lock file; undefined when it does not exist. Never blocks on a FIFO
 * or device (opened non-blocking, its type checked on the open descriptor before any read — the
 * approach of config/files.ts readWorkspaceFile): anything but a regular file is a StateFileError
 * saying what it is and what to do.
 */
export function readRegularFile(file: string): string | undefined {
  return readRegularFileBytes(file)?.toString("utf8");
}

/** The bytes of a state, journal or lock file (as readRegularFile reads them); undefined when it does not exist. */
export function readRegularFileBytes(file: string): Buffer | undefined {
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
    // One buffer of the file's size (issue 30: a list of chunks and their concatenation held the text
    // twice over); a file that grows while it is read still reads to its end. One byte more than the
    // size: the read that finds the end needs room, else a file of exactly that size was copied into a
    // buffer twice as big just to learn it had ended (272 MB for a 136 MB state).
    let buf = Buffer.allocUnsafe(Math.max(info.size + 1, 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buf.subarray(0, length);
  } catch (err) {
    if (err instanceof StateFileError) throw err;
    throw new StateFileError(file, `cannot read: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** What to do about a failed write, by its errno (the reason text only explains). */
export function writeFailureHint(file: string, cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "free space on that disk, then run again";
  if (code === "EFBIG") return "the file size limit (ulimit -f) or the disk is full: raise it or free space, then run again";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `make ${dirname(file)} writable for this user, then run again`;
  return "fix the cause, then run again";
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
  const prefix = `.${basename(file)}.`;
  return removeStaleTempsIn(dirname(file), (name) => (name.startsWith(prefix) ? /^(\d+)\.(\d+)\.tmp$/.exec(name.slice(prefix.length)) : null), now);
}

/** Temp files of parts in a split state's parts directory (`.<part>.json.<pid>.<ms>.tmp`). */
export const PART_TEMP = (name: string): RegExpExecArray | null => /^\.[a-z0-9.-]+\.json\.(\d+)\.(\d+)\.tmp$/.exec(name);

/** The same for the temp files in `dir` that `match` recognises (its group 1 is the writer's pid). */
export function removeStaleTempsIn(dir: string, match: (name: string) => RegExpExecArray | null, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = match(name);
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
