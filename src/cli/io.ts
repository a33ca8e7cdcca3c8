import type { Redactor } from "../core/redact.js";
import { escapeInvisible } from "../core/text.js";

/** Everything a command may touch of the outside world, injectable so tests run the CLI in-process. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /**
   * The one redactor every output goes through (core/redact.ts): main wraps stdout and stderr with it,
   * the workspace loader adds each configured account's key to it, and files campaignctl writes pass
   * through it. Absent when a command runs outside main (benchmarks): nothing is redacted then.
   */
  redactor?: Redactor;
}

/** `out` with every known secret replaced and bidi controls escaped in what is written (isTTY and drain waiting kept). */
export function redactingOutput(out: Output, redactor: Redactor): Output {
  const stream = out as Output & { once?: (event: string, fn: () => void) => unknown };
  const wrapped: Output & { once?: (event: string, fn: () => void) => unknown } = {
    // The backstop for every output: secrets redacted, bidi controls shown as escapes (render code escapes them first).
    write: (chunk: string) => out.write(escapeInvisible(redactor.text(String(chunk)))),
    get isTTY() {
      return out.isTTY;
    },
  };
  if (typeof stream.once === "function") wrapped.once = (event, fn) => stream.once!(event, fn);
  return wrapped;
}

let processStreams: { stdout: Output; stderr: Output } | undefined;

export function processIO(): CliIO {
  // One pair per process (main runs many times in one test process): one exit hook, one buffer.
  processStreams ??= coalescedStreams(process.stdout, process.stderr);
  return { ...processStreams, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

type Stream = Output & { once?: (event: string, fn: () => void) => unknown };

/** Above this many buffered characters stderr is written at once. */
const STDERR_BUFFER_CHARS = 64 * 1024;

/**
 * stderr's writes of one turn of the event loop go out in one write call (issue 30: an apply of 12,000
 * campaigns wrote 12,000 progress lines one system call each, 1.2 s of CPU). Order is kept: anything
 * written to stdout first flushes what stderr holds, and so does the process's exit (a signal's
 * process.exit included).
 */
export function coalescedStreams(out: Stream, err: Stream): { stdout: Stream; stderr: Stream } {
  let pending = "";
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending === "") return;
    const text = pending;
    pending = "";
    err.write(text);
  };
  process.once("exit", flush);
  const delegate = (stream: Stream, write: (chunk: string) => unknown): Stream => {
    const wrapped: Stream = {
      write,
      get isTTY() {
        return stream.isTTY;
      },
    };
    if (typeof stream.once === "function") wrapped.once = (event, fn) => stream.once!(event, fn);
    return wrapped;
  };
  return {
    stdout: delegate(out, (chunk) => {
      flush();
      return out.write(chunk);
    }),
    stderr: delegate(err, (chunk) => {
      pending += chunk;
      if (pending.length >= STDERR_BUFFER_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    }),
  };
}

/** A user-facing failure (defined in core so lower layers raise it too; the CLI prints it without a stack). */
import { UserError as CliError } from "../core/errors.js";
export { CliError };

export interface GlobalOptions {
  config?: string;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  /** --request-timeout / CAMPAIGNCTL_REQUEST_TIMEOUT: per request, all attempts (ms). */
  requestTimeoutMs?: number;
  /** --timeout / CAMPAIGNCTL_TIMEOUT: the command's provider work as a whole (ms). */
  timeoutMs?: number;
}

/** Default time budgets (documented in README "Limits"). */
export const DEFAULT_REQUEST_TIMEOUT_S = 60;
export const DEFAULT_COMMAND_TIMEOUT_S = 3600;

/** A time budget in seconds from a flag or variable: a number from 0.1 to 86400 (one day). */
export function parseSeconds(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !(n >= 0.1 && n <= 86_400)) {
    throw new CliError(`${what} must be a number of seconds from 0.1 to 86400, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return Math.round(n * 1000);
}
