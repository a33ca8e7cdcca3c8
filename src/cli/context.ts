import type { Command } from "commander";
import type { CliIO, GlobalOptions } from "./io.js";

export interface CommandContext {
  io: CliIO;
  global: GlobalOptions;
  /**
   * The CLI itself, runnable in-process (demo drives it), passed down by main so that no command
   * imports main (no import cycle). Absent when a command is run outside main (benchmarks).
   */
  cli?: (argv: readonly string[], io?: Partial<CliIO>) => Promise<number>;
}

/**
 * Wraps a command action: resolves the global options, runs the action and records its exit code.
 * Action functions return the exit code; user-facing failures throw CliError (caught once, in main).
 */
export type Runner = <A extends unknown[]>(
  action: (ctx: CommandContext, ...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** One file per command under src/cli/commands/, each exporting `register`. */
export type RegisterCommand = (program: Command, run: Runner) => void;
