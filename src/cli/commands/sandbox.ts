import { isAbsolute, resolve } from "node:path";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { providerById } from "../../providers/registry.js";
import { SIMULATED } from "../../sandbox/types.js";
import { DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_PORT } from "../../sandbox/defaults.js";

/** Options as commander hands them over (strings, unvalidated). */
export interface SandboxCommandOptions {
  host?: string;
  port?: string;
  data?: string;
  apiKey?: string;
  puffleLaunchDelay?: string;
}

/** Stop functions of every `sandbox` command running in this process (see stopSandboxCommands). */
const running = new Set<() => void>();

/**
 * Stop every `campaignctl sandbox` running in this process, as Ctrl-C would: the command closes the
 * listeners and resolves with exit code 0. For in-process callers (tests) that cannot send a signal.
 */
export function stopSandboxCommands(): void {
  for (const stop of [...running]) stop();
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SANDBOX_PORT;
  const port = /^\d{1,5}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65533) {
    throw new CliError(
      `invalid --port ${JSON.stringify(raw)}: expected an integer from 0 to 65533 (the sandbox listens on port, port+1 and port+2; 0 picks free ports)`,
    );
  }
  return port;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/** Resolves when SIGINT/SIGTERM arrives, `until` aborts or stopSandboxCommands() is called. */
function waitForStop(until?: AbortSignal): Promise<string> {
  return new Promise((done) => {
    const finish = (reason: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      until?.removeEventListener("abort", onAbort);
      running.delete(onStop);
      done(reason);
    };
    const onInt = (): void => finish("SIGINT");
    const onTerm = (): void => finish("SIGTERM");
    const onAbort = (): void => finish("stop requested");
    const onStop = (): void => finish("stop requested");
    if (until?.aborted === true) return finish("stop requested");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    until?.addEventListener("abort", onAbort, { once: true });
    running.add(onStop);
  });
}

/**
 * `campaignctl sandbox`: start the three simulators, print the start-up line, run until stopped.
 * `until` lets an in-process caller stop it without a signal.
 */
export async function runSandbox(ctx: CommandContext, options: SandboxCommandOptions, until?: AbortSignal): Promise<number> {
  const { io, global } = ctx;
  const port = parsePort(options.port);
  const host = options.host ?? "127.0.0.1";
  if (host.trim() === "") throw new CliError("invalid --host: empty");
  const apiKey = options.apiKey ?? DEFAULT_SANDBOX_API_KEY;
  if (apiKey === "") throw new CliError("invalid --api-key: empty");
  const launchDelayMs = options.puffleLaunchDelay === undefined ? undefined : Number(options.puffleLaunchDelay);
  if (launchDelayMs !== undefined && (!Number.isInteger(launchDelayMs) || launchDelayMs < 0)) {
    throw new CliError(`invalid --puffle-launch-delay ${JSON.stringify(options.puffleLaunchDelay)}: expected whole milliseconds >= 0`);
  }
  const dataFile = options.data === undefined ? undefined : isAbsolute(options.data) ? options.data : resolve(io.cwd, options.data);

  // The simulators load with the command, not with the CLI.
  const { SandboxError, startSandbox } = await import("../../sandbox/server.js");
  let sandbox;
  try {
    sandbox = await startSandbox({
      host,
      port,
      apiKey,
      ...(dataFile === undefined ? {} : { dataFile }),
      ...(launchDelayMs === undefined ? {} : { puffleLaunchDelayMs: launchDelayMs }),
      log: (line) => void io.stderr.write(`${line}\n`),
    });
  } catch (err) {
    if (err instanceof SandboxError) throw new CliError(err.message);
    throw err;
  }

  const { urls, origins } = sandbox;
  io.stdout.write(`${JSON.stringify({ extrovert: urls.extrovert, puffle: urls.puffle, altur: urls.altur })}\n`);

  if (!global.quiet) {
    // The key is shown only when it is the well-known default: a key given on the command line stays private.
    const shownKey = options.apiKey === undefined ? DEFAULT_SANDBOX_API_KEY : "<your --api-key>";
    const width = Math.max(...SIMULATED.map((p) => urls[p].length));
    const lines = [
      `Sandbox running: simulated Extrovert, Puffle and Altur APIs (Ctrl-C to stop).`,
      ...SIMULATED.map((p) => {
        const h = providerById(p).connection.authHeader(shownKey);
        return `  ${p.padEnd(9)}  ${urls[p].padEnd(width)}  ${h.name}: ${h.value}`;
      }),
      `Control endpoints (no key) on each port, e.g. ${origins.extrovert}/__sandbox/requests, /__sandbox/reset, /__sandbox/campaigns, /__sandbox/faults, /__sandbox/settings`,
      dataFile === undefined ? "State is kept in memory only (use --data FILE to keep it across restarts)." : `State is kept in ${dataFile}.`,
    ];
    if (!LOOPBACK.test(host)) lines.push(`warning: listening on ${host}, not loopback: other machines may reach the sandbox.`);
    io.stderr.write(`${lines.join("\n")}\n`);
  }

  const reason = await waitForStop(until);
  await sandbox.stop();
  if (!global.quiet) io.stderr.write(`Sandbox stopped (${reason}).\n`);
  return 0;
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("sandbox")
    .description("serve local simulators of the Extrovert, Puffle and Altur APIs until Ctrl-C")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", `base port: Extrovert on it, Puffle on +1, Altur on +2 (0 = free ports)`, String(DEFAULT_SANDBOX_PORT))
    .option("--data <file>", "keep the simulated state in this file across restarts")
    .option("--api-key <key>", `API key every request must carry (default "${DEFAULT_SANDBOX_API_KEY}")`)
    .option("--puffle-launch-delay <ms>", "how long a Puffle launch stays `launching` before it is `active` (default 5000)")
    .action(run(async (ctx: CommandContext, options: SandboxCommandOptions) => runSandbox(ctx, options)));
};
