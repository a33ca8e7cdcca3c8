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
