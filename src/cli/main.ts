import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { Redactor } from "../core/redact.js";
import { CliError, DEFAULT_COMMAND_TIMEOUT_S, DEFAULT_REQUEST_TIMEOUT_S, parseSeconds, processIO, redactingOutput, type CliIO, type GlobalOptions } from "./io.js";
import type { CommandContext, RegisterCommand, Runner } from "./context.js";
import { helpWidth } from "./static-help.js";
/**
 * Each command's module, loaded only when that command runs (or all of them for the overview help):
 * `campaignctl validate` never loads the HTTP client, `--help` loads no parser, schema or client.
 * Keys are the command names, in the order the help lists them.
 */
const COMMANDS: Record<string, () => Promise<{ register: RegisterCommand }>> = {
  validate: () => import("./commands/validate.js"),
  plan: () => import("./commands/plan.js"),
  render: () => import("./commands/render.js"),
  apply: () => import("./commands/apply.js"),
  show: () => import("./commands/show.js"),
  drift: () => import("./commands/drift.js"),
  import: () => import("./commands/import.js"),
  state: () => import("./commands/state.js"),
  sandbox: () => import("./commands/sandbox.js"),
  demo: () => import("./commands/demo.js"),
  init: () => import("./commands/init.js"),
  shards: () => import("./commands/shards.js"),
  "force-unlock": () => import("./commands/force-unlock.js"),
  version: () => import("./commands/version.js"),
  completion: () => import("./commands/completion.js"),
};

/** Commands that need every other command registered (completion lists them all). */
const NEEDS_ALL = new Set(["completion"]);

/** Global options that take a value (the command name is the first other word). */
const VALUE_OPTIONS = new Set(["--config", "--chdir", "--request-timeout", "--timeout"]);

/** The commands to register for `argv`: the one named, or every one (help, a typo, no command). */
async function commandsFor(argv: readonly string[]): Promise<RegisterCommand[]> {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (VALUE_OPTIONS.has(word)) {
      i++;
      continue;
    }
    if (word === "--") break;
    if (word.startsWith("-")) continue;
    const load = Object.hasOwn(COMMANDS, word) ? COMMANDS[word] : undefined;
    if (load && !NEEDS_ALL.has(word)) return [(await load()).register];
    break;
  }
  return Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).register));
}

/** The package version (package.json sits two levels above both src/cli/ and dist/cli/). */
export function cliVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** True when argv names no command: nothing, or only global options (`--config FILE` included). */
function onlyGlobalOptions(argv: readonly string[]): boolean {
  const flags = new Set(["--no-color", "-q", "--quiet", "-v", "--verbose"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (VALUE_OPTIONS.has(a)) i += 1;
    else if (![...VALUE_OPTIONS].some((o) => a.startsWith(`${o}=`)) && !flags.has(a)) return false;
  }
  return true;
}

/** Every long option (`--detailed-exitcode`) of the program and the commands registered. */
function longOptions(cmd: Command, out = new Set<string>()): Set<string> {
  for (const o of cmd.options) if (o.long) out.add(o.long);
  for (const sub of cmd.commands) longOptions(sub, out);
  return out;
}

/**
 * Terraform spells long options with one dash (`-detailed-exitcode`, `-target=ADDR`); commander reads
 * that as a cluster of short flags and says only "unknown option". Name the two-dash spelling when it exists.
 */
export function singleDashHint(message: string, program: Command): string {
  const m = /unknown option '-([a-z][a-z0-9-]+)(=[^']*)?'/.exec(message);
  if (!m) return message;
  const long = `--${m[1]}`;
  if (!longOptions(program).has(long)) return message;
  return message.replace(/\n?$/, ` (did you mean ${long}${m[2] ?? ""}? campaignctl's long options take two dashes)\n`);
}

/**
 * Colours on stdout: never with --no-color; else FORCE_COLOR decides when set (0/false: off, anything
 * else: on; it wins over NO_COLOR, as in Node.js); else NO_COLOR turns them off; else only on a terminal.
 */
export function colorWanted(flag: boolean, env: Record<string, string | undefined>, isTTY: boolean | undefined): boolean {
  if (!flag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !["0", "false"].includes(force.trim().toLowerCase());
  if (env.NO_COLOR) return false;
  return isTTY === true;
}

/** --chdir DIR: the directory to work in, checked to be one (Terraform's -chdir). */
function workingDirectory(cwd: string, chdir: string | undefined): string {
  if (chdir === undefined) return cwd;
  const dir = resolve(cwd, chdir);
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info?.isDirectory()) throw new CliError(`--chdir ${chdir}: ${info ? "not a directory" : "no such directory"}`);
  return dir;
}

/** Redacts anything that looks like a credential from text printed on an unexpected failure. */
function safeMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/(authorization|x-api-key|api-key|bearer)(["':=\s]+)[^\s"',}]+/gi, "$1$2[redacted]");
}

/**
 * The CLI, runnable in-process: returns the exit code instead of calling process.exit.
 * This is the only top-level catch in the tool.
 */
export async function main(argv: readonly string[], ioOverrides: Partial<CliIO> = {}): Promise<number> {
  const given: CliIO = { ...processIO(), ...ioOverrides };
  // One redactor for the whole run (a nested in-process run, e.g. demo, shares its caller's).
  const redactor = given.redactor ?? new Redactor();
  const io: CliIO = { ...given, redactor, stdout: redactingOutput(given.stdout, redactor), stderr: redactingOutput(given.stderr, redactor) };
  let exitCode = 0;
  const program = new Command();
  program
    .name("campaignctl")
    .description("Outreach campaigns as code: validate, plan and apply Extrovert, Puffle and Altur campaigns defined in YAML.")
    .option("--chdir <dir>", "work in DIR, as if campaignctl had been started there")
    .option("--config <file>", "workspace config file (default: campaignctl.yaml in the working directory or the nearest parent)")
    .option("--no-color", "disable colored output (also NO_COLOR; FORCE_COLOR forces it on)")
    .addOption(new Option("-q, --quiet", "print only errors and the requested output").conflicts("verbose"))
    .option("-v, --verbose", "print details of each request and step on stderr")
    .version(cliVersion(), "-V, --version", "print the version and exit")
    .option("--request-timeout <seconds>", `give up on a provider request after this long, retries included (default ${DEFAULT_REQUEST_TIMEOUT_S}; also CAMPAIGNCTL_REQUEST_TIMEOUT)`)
    .option("--timeout <seconds>", `give up on the command's provider work after this long (default ${DEFAULT_COMMAND_TIMEOUT_S}; also CAMPAIGNCTL_TIMEOUT)`)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      // The width static-help.ts formats the overview for, too (the launcher prints it without commander's Command).
      getOutHelpWidth: () => helpWidth(given.stdout as { isTTY?: boolean; columns?: number }),
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(singleDashHint(s, program)),
    });

  const run: Runner =
    (action) =>
    async (...args) => {
      const o = program.opts<{ chdir?: string; config?: string; color: boolean; quiet?: boolean; verbose?: boolean; requestTimeout?: string; timeout?: string }>();
      const requestTimeoutMs = parseSeconds(o.requestTimeout ?? io.env.CAMPAIGNCTL_REQUEST_TIMEOUT, o.requestTimeout !== undefined ? "--request-timeout" : "CAMPAIGNCTL_REQUEST_TIMEOUT");
      const timeoutMs = parseSeconds(o.timeout ?? io.env.CAMPAIGNCTL_TIMEOUT, o.timeout !== undefined ? "--timeout" : "CAMPAIGNCTL_TIMEOUT");
      const global: GlobalOptions = {
        ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(o.config === undefined ? {} : { config: o.config }),
        color: colorWanted(o.color, io.env, io.stdout.isTTY),
        quiet: o.quiet === true,
        verbose: o.verbose === true,
      };
      const cwd = workingDirectory(io.cwd, o.chdir);
      const ctx: CommandContext = { io: cwd === io.cwd ? io : { ...io, cwd }, global, cli: main };
      exitCode = await action(ctx, ...args);
    };

  for (const register of await commandsFor(argv)) register(program, run);

  // A bare `campaignctl` (global options at most) is a request for help, not a usage error.
  if (onlyGlobalOptions(argv)) {
    io.stdout.write(program.helpInformation());
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors already printed by commander.
      return err.exitCode === 0 ? 0 : 1;
    }
    if (err instanceof CliError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`error: unexpected failure: ${safeMessage(err)}\n`);
    if (io.env.CAMPAIGNCTL_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}
