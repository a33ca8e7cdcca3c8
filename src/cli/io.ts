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

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
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
