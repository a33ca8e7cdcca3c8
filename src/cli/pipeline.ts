import { resolve } from "node:path";
import type { Workspace } from "../core/types.js";
import { loadState, runPlan as engineRunPlan, type PlanRun, type PlanRunEvents, type PlanRunOptions } from "../engine/plan-run.js";
import { timeLimits, type SessionOptions } from "../engine/session.js";
import { TargetSelectionError } from "../engine/targets.js";
import { nextTurn } from "../http/turns.js";
import { describeRetryWait } from "../http/client.js";
import { isProviderApiError, type ProviderApiError } from "../http/errors.js";
import { findProvider, providers } from "../providers/registry.js";
import { writeFileAtomic as writeAtomically } from "../state/atomic-file.js";
import type { CommandContext } from "./context.js";
import type { Redactor } from "../core/redact.js";
import { CliError, type CliIO, type Output } from "./io.js";
import { progressReporter, type Progress } from "./progress.js";
import { renderText } from "./render/diagnostics.js";
import { loadValidWorkspace } from "./workspace.js";

/** The CLI's own options of a plan run: the engine's, without what the CLI fills in itself. */
export type CliPlanRunOptions = Omit<PlanRunOptions, "session">;

export { loadState, type PlanRun };

/**
 * A provider failure in plain words, with what the workspace knows: a 401/403 names the environment
 * variable that held the key; an answer shaped like another provider's API says the URL is wrong.
 */
export function explainProviderError(err: ProviderApiError, workspace?: Workspace): string {
  const module = findProvider(err.provider);
  if (!module) return err.message;
  const account = workspace?.accounts.find((a) => a.provider === err.provider && a.name === err.account);
  const where = account ? `account ${err.provider}/${err.account}` : `${err.provider}/${err.account}`;
  const hints: string[] = [];
  if (err.body !== undefined && module.connection.isOwnErrorBody?.(err.body) === false) {
    const other = providers().find((p) => p.id !== err.provider && p.connection.isOwnErrorBody?.(err.body) === true);
    if (other) {
      hints.push(
        `the answer has the shape of ${other.displayName}'s API, not ${module.displayName}'s: is baseUrl of ${where} (${account?.baseUrl ?? module.connection.defaultBaseUrl}) pointing at ${other.displayName}?`,
      );
    }
  }
  if ((err.status === 401 || err.status === 403) && account) {
    hints.push(`${module.displayName} refused the API key read from ${account.apiKeyEnv} (${where}): check that ${account.apiKeyEnv} holds a valid ${module.displayName} key`);
  }
  return hints.length === 0 ? err.message : `${err.message} — ${hints.join("; ")}`;
}

/**
 * Convert provider failures into one clear CliError (never a stack, never a key), and give an
 * unknown --target/--exclude the shape addresses and globs have.
 */
export async function withProviderErrors<T>(fn: () => Promise<T>, workspace?: Workspace): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isProviderApiError(err)) throw new CliError(explainProviderError(err, workspace));
    if (err instanceof TargetSelectionError) {
      throw new CliError(`${err.message} (addresses look like altur/default/q2-reactivation; altur, altur/default or altur/* select everything below; globs as in the shell: puffle/default/email-*, altur/default/[!w]*, puffle/*/{a,b}; see \`campaignctl state list\`)`);
    }
    throw err;
  }
}

/**
 * What the HTTP layer shows on stderr: every retry wait of a second or more (a long Retry-After must
 * not look like a hang), and with --verbose every response and every wait. Nothing with --quiet.
 */
export function httpEvents(ctx: CommandContext): Pick<SessionOptions, "onEvent"> {
  if (ctx.global.quiet) return {};
  return {
    onEvent: (e) => {
      if (e.type === "response" && ctx.global.verbose) ctx.io.stderr.write(`${e.provider}/${e.account} ${e.method} ${e.path} → ${e.status} (${Math.round(e.durationMs)} ms)\n`);
      else if (e.type === "retry" && (ctx.global.verbose || e.delayMs >= 1000)) ctx.io.stderr.write(`${describeRetryWait(e)}\n`);
    },
  };
}

/**
 * The plan workflow (src/engine/plan-run.ts) for a command: the workspace validated here, its events
 * shown on stderr (HTTP waits, the refresh counter, lookup problems, failed lists, untracked
 * duplicates), provider failures turned into one clear CliError. Sessions are left open for the caller.
 */
export async function runPlan(ctx: CommandContext, opts: CliPlanRunOptions, loaded?: Workspace): Promise<PlanRun> {
  const workspace = loaded ?? (await loadValidWorkspace(ctx));
  return withProviderErrors(() => engineRunPlan(workspace, { ...opts, session: { env: ctx.io.env, ...timeLimits(ctx.global) } }, planEvents(ctx, workspace)), workspace);
}

/** How a plan run's events are shown: on stderr, with the usual hints. */
export function planEvents(ctx: CommandContext, workspace: Workspace): PlanRunEvents {
  let progress: Progress | undefined;
  const { onEvent } = httpEvents(ctx);
  return {
    ...(onEvent ? { http: onEvent } : {}),
    refreshStart: () => (progress = progressReporter(ctx.io.stderr, "refreshing", { quiet: ctx.global.quiet })),
    refreshProgress: (d, t) => progress?.update(d, t),
    refreshEnd: () => progress?.done(),
    lookupProblems: (diagnostics) => ctx.io.stderr.write(renderText(diagnostics, { cwd: ctx.io.cwd, color: false })),
    listFailure: (err) => ctx.io.stderr.write(`error: ${explainProviderError(err, workspace)}\n`),
    untracked: (u, boundTo) =>
      ctx.io.stderr.write(
        `warning: untracked duplicate ${u.address}: ${u.provider} id ${u.id} was made by a run whose state commit was refused (the address is bound to ${boundTo ?? "another id"}); delete it in the provider, then run \`campaignctl state forget ${u.address} --untracked ${u.id}\`\n`,
      ),
  };
}

/** Where a file is written from: relative paths start at `cwd`; the text goes through `redactor`. */
export type WriteContext = Pick<CliIO, "cwd" | "redactor">;

/** Write a file atomically relative to the current directory (temp, fsync, rename), secrets redacted. */
export async function writeFileAtomic(ctx: WriteContext, file: string, raw: string): Promise<string> {
  return writeChunksAtomic(ctx, file, [raw]);
}

/**
 * Write one pass of `chunks` to a file atomically (the state layer's writer: temp, fsync, rename) and,
 * when `also` is given, to that output too, so a document is produced once for both and never held
 * whole. Waits for `also` to drain when it is a stream that asks for it.
 */
export async function writeChunksAtomic({ cwd, redactor }: WriteContext, file: string, raw: Iterable<string>, also?: Output): Promise<string> {
  const target = resolve(cwd, file);
  try {
    await writeAtomically(target, redactor ? redactor.chunks(raw) : raw, also ? { also: (text) => writeDrained(also, text) } : {});
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return target;
}

/** Written to an output at once: large enough to keep syscalls few, small enough not to matter for memory. */
const CHUNK_BYTES = 1 << 16;

/**
 * Write `chunks` to an output, waiting for it to drain when it is a stream that asks for it; with a
 * redactor, a secret split across two chunks is redacted too. With `shareTurns`, each written piece is
 * followed by a turn of the event loop (http/turns.ts): apply renders its plan while accounts started
 * early are writing, and their pacing timers must not wait for the whole plan (issue 30).
 */
export async function writeChunks(out: Output, raw: Iterable<string>, redactor?: Redactor, opts: { shareTurns?: boolean } = {}): Promise<void> {
  const chunks = redactor ? redactor.chunks(raw) : raw;
  let pending = "";
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= CHUNK_BYTES) {
      await writeDrained(out, pending);
      pending = "";
      if (opts.shareTurns) await nextTurn();
    }
  }
  if (pending !== "") await writeDrained(out, pending);
}

type Drainable = Output & {
  once?: (event: "drain" | "close", fn: () => void) => unknown;
  off?: (event: "drain" | "close", fn: () => void) => unknown;
  destroyed?: boolean;
};

/**
 * Write, then wait for the output to drain when it asks for that. A reader that went away
 * (`campaignctl plan | head -1`: EPIPE) leaves a destroyed stream that never drains: the rest of the
 * output has no reader and is dropped, and the command goes on (an apply still finishes and writes its
 * state). Waiting for a drain that never comes ended the process with exit 13 and nothing more done.
 */
async function writeDrained(out: Output, text: string): Promise<void> {
  const stream = out as Drainable;
  const gone = () => stream.destroyed === true;
  if (gone()) return;
  if (out.write(text) !== false || typeof stream.once !== "function" || gone()) return;
  await new Promise<void>((done) => {
    const finish = () => {
      stream.off?.("drain", finish);
      stream.off?.("close", finish);
      done();
    };
    stream.once!("drain", finish);
    stream.once!("close", finish);
  });
}
