import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { writeAll } from "./files.js";

/**
 * The one atomic file write (issue 21, "one of each"): a temp file in the target's directory, written
 * whole, fsynced, renamed over the target, then the directory fsynced. A reader sees the old file or the
 * new one, never half of one; a failed write removes its temp file and rethrows (the caller words the
 * error: StateWriteError for the state file, a CliError for `--out` files).
 *
 * It lives in src/state, the lowest layer that may touch the file system (core stays pure): the state
 * file is written through it, and the CLI (plan/drift `--out`) and the engine may import the state
 * layer, so no new layer is needed.
 */

let lastStamp = 0;

/**
 * `.<name>.<pid>.<ms>.tmp` beside the target: the naming state/files.ts removeStaleTemps recognises.
 * The stamp never repeats within the process (two writes in one millisecond get the next one), so two
 * writes never share a temp file.
 */
export function tempPathFor(target: string): string {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return join(dirname(target), `.${basename(target)}.${process.pid}.${lastStamp}.tmp`);
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
 * Synchronous: no await between the first byte and the rename, so a signal handler can make a file
 * durable before it returns and two writes of one process never interleave (the state file).
 */
export function writeFileAtomicSync(target: string, content: string | Iterable<string>, mode = 0o644): void {
  const tmp = tempPathFor(target);
  try {
    const fd = openSync(tmp, "wx", mode);
    try {
      // Pieces (a state part's chunks) are written one by one: never joined into one string and buffer.
      for (const piece of typeof content === "string" ? [content] : content) writeAll(fd, piece);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(target));
}

/** Written at once: large enough to keep syscalls few, small enough not to matter for memory. */
const CHUNK_BYTES = 1 << 16;

export interface AtomicWriteOptions {
  mode?: number;
  /** Called with each piece as it is written (at most CHUNK_BYTES-ish), e.g. to copy it to stdout; awaited. */
  also?: (text: string) => Promise<void> | void;
}

/**
 * Asynchronous, for documents produced piece by piece (`content` as chunks): one pass, never held
 * whole, written in pieces of about 64 KiB, each also handed to `also` when given.
 */
export async function writeFileAtomic(target: string, content: string | Iterable<string>, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathFor(target);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, "wx", opts.mode ?? 0o644);
    const h = handle;
    let pending = "";
    const flush = async (): Promise<void> => {
      if (pending === "") return;
      const text = pending;
      pending = "";
      await h.write(text, null, "utf8");
      await opts.also?.(text);
    };
    for (const chunk of typeof content === "string" ? [content] : content) {
      pending += chunk;
      if (pending.length >= CHUNK_BYTES) await flush();
    }
    await flush();
    await h.sync();
    await h.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(target));
}
