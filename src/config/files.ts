import { closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { fileTypeWords } from "../core/file-types.js";

/**
 * Input limits (README "Limits and time budgets"). Generous for any real campaign — the largest
 * documented lists have 50 entries and the longest texts are message bodies of a few KB — but
 * finite, so a hostile or broken file fails fast with a located error instead of eating memory or
 * minutes of CPU.
 */
export const LIMITS = {
  /** Bytes per campaign or config file: 1 MiB (a 50-node sequence of 10 KB bodies is ~0.5 MB). */
  fileBytes: 1024 * 1024,
  /** Bytes per audience file (CSV / JSON Lines): 64 MiB holds Puffle's 100,000-row roster limit several times over. */
  audienceFileBytes: 64 * 1024 * 1024,
  /** Keys in one mapping (the widest real mapping, a campaign spec, has ~20). */
  keysPerMapping: 1000,
  /** Items in one list (documented lists have at most 50 entries; audiences may be longer). */
  sequenceLength: 5_000,
  /** Characters in one string (an email body or template; 100k characters is ~30 printed pages). */
  stringLength: 100_000,
  /** Lines per file (a real campaign has a few hundred; checked before parsing, which is the slow part). */
  linesPerFile: 10_000,
  /** Commas per file, i.e. entries of flow-style lists and mappings (also checked before parsing). */
  commasPerFile: 10_000,
  /** Problems reported per file; the rest are counted, not listed (keeps diagnostics linear). */
  diagnosticsPerFile: 100,
} as const;

/** `path` is `root` or below it (both already resolved). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

export type FileProblemCode = "SYMLINK_OUTSIDE_WORKSPACE" | "NOT_A_REGULAR_FILE" | "FILE_TOO_LARGE" | "FILE_UNREADABLE";

export interface FileProblem {
  code: FileProblemCode;
  message: string;
  /** Node's error code when the system refused (ENOENT, EACCES, ...). */
  errno?: string;
}

/** What a stat says a non-regular file is (shared with the state layer). */
export { fileTypeWords };

/**
 * Where a path really is, checked against the workspace: a symlink (anywhere on the way) that
 * resolves outside every root is a problem naming the link, and is not followed.
 */
export async function resolveInside(path: string, roots: readonly string[]): Promise<{ real: string } | FileProblem> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    return unreadable(err);
  }
  if (!roots.some((root) => isInside(real, root))) {
    return {
      code: "SYMLINK_OUTSIDE_WORKSPACE",
      message: "this is a symbolic link to a file outside the workspace; it is not followed — copy the file into the workspace instead",
    };
  }
  return { real };
}

/**
 * Reads a workspace file safely: it must resolve inside `roots` (when given), be a regular file and
 * be at most `maxBytes` long. Never blocks on a FIFO or device (type checked first, opened
 * non-blocking) and never reads more than `maxBytes + 1` bytes.
 */
export async function readWorkspaceFile(
  path: string,
  opts: { roots?: readonly string[]; maxBytes?: number; what?: string } = {},
): Promise<{ data: Uint8Array } | FileProblem> {
  const maxBytes = opts.maxBytes ?? LIMITS.fileBytes;
  const what = opts.what ?? "file";
  let target = path;
  if (opts.roots) {
    const inside = await resolveInside(path, opts.roots);
    if ("code" in inside) return inside;
    target = inside.real;
  }
  // Synchronous calls: workspace files are local and bounded by maxBytes, and for a thousand campaign
  // files the round trips of the promise API (stat, open, two reads, close: five thread-pool hops per
  // file) cost more than the reads themselves. The type is still checked before the file is opened.
  let info;
  try {
    info = statSync(target);
  } catch (err) {
    return unreadable(err);
  }
  if (!info.isFile()) {
    const link = (await lstat(path).catch(() => undefined))?.isSymbolicLink() ? "a symbolic link to " : "";
    return { code: "NOT_A_REGULAR_FILE", message: `this ${what} is ${link}${fileTypeWords(info)}, not a regular file` };
  }
  if (info.size > maxBytes) return tooLarge(what, info.size, maxBytes);
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return unreadable(err);
  }
  try {
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return tooLarge(what, length, maxBytes);
    return { data: buffer.subarray(0, length) };
  } catch (err) {
    return unreadable(err);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(what: string, size: number, maxBytes: number): FileProblem {
  return {
    code: "FILE_TOO_LARGE",
    message: `this ${what} is ${size > maxBytes * 4 ? `over ${mib(maxBytes * 4)}` : mib(size)}; the limit is ${mib(maxBytes)} per file — split it or shorten its texts`,
  };
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(2)} MiB` : `${+(n / 1024).toFixed(1)} KiB`;
}

export function errorCode(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "EUNKNOWN";
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ELOOP: "too many levels of symbolic links",
  EISDIR: "it is a directory",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
  EAGAIN: "the file would block (not a regular file)",
};

/** A short reason without the absolute path Node puts into its messages. */
export function reason(err: unknown): string {
  const code = errorCode(err);
  return `${REASONS[code] ?? "read failed"} (${code})`;
}

function unreadable(err: unknown): FileProblem {
  return { code: "FILE_UNREADABLE", message: `cannot read this file: ${reason(err)}`, errno: errorCode(err) };
}
