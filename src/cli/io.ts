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

/** A user-facing failure: printed as `error: <message>` (no stack) and mapped to an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface GlobalOptions {
  config?: string;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}
