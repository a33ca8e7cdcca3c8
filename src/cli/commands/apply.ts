import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { Option } from "commander";
import { readPlanDocument } from "../../core/plan-format.js";
import type { Plan } from "../../core/plan.js";
import type { WaitProgress } from "../../engine/apply.js";
import { Interruption, runApply, SIGNAL_GRACE_MS, type ApplyRunEvents, type InterruptibleState } from "../../engine/apply-run.js";
import { timeLimits } from "../../engine/session.js";
import { confirmYes } from "../confirm.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { planEvents, withProviderErrors, writeChunks } from "../pipeline.js";
import { progressReporter, type Progress } from "../progress.js";
import { planTextChunks } from "../render/plan.js";
import { renderApplyJson, renderApplyResult } from "../render/apply.js";
import { loadValidWorkspace } from "../workspace.js";

export { renderApplyJson };

interface ApplyFlags {
  autoApprove?: boolean;
  prune?: boolean;
  replace?: string[];
  recontact?: boolean;
  allowReplace?: boolean;
  force?: boolean;
  target?: string[];
  exclude?: string[];
  recreateMissing?: boolean;
  recreatePending?: boolean;
  lockTimeout?: string;
  format: "text" | "json";
}

/** Seconds to wait for the state lock when --lock-timeout is not given. */
const DEFAULT_LOCK_WAIT_S = 60;
export async function readPlanFile(cwd: string, file: string): Promise<Plan> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(resolve(cwd, file), "utf8"));
  } catch (err) {
    throw new CliError(`cannot read plan file ${file}: ${(err as Error).message}`);
  }
  const read = readPlanDocument(raw);
  if ("error" in read) throw new CliError(`${file} is not a campaignctl plan: ${read.error} (plan files are written by \`campaignctl plan --out\`)`);
  return read.plan;
}

function confirm(ctx: CommandContext): Promise<boolean> {
  return confirmYes(ctx, "Do you want to apply these changes?");
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("apply")
    .description("make live match Git: execute a fresh plan (after confirmation) or a saved PLANFILE, verifying every write")
    .argument("[planfile]", "a plan saved with `campaignctl plan --out FILE` (refused if anything it touches changed since)")
    .option("--auto-approve", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--prune", "retire campaigns that are in state but no longer in Git, keeping their history (Puffle: pause, Altur: archive; DELETE only with `prune: delete`); default: `prune` in campaignctl.yaml, or the saved plan's")
    .option("--no-prune", "leave such campaigns alone even when campaignctl.yaml says `prune: true`")
    .option("--allow-replace", "execute replacements (an immutable field changed): a new version; the old one is renamed and paused, never deleted")
    .option("--replace <address...>", "make a new version of these campaigns (Terraform's -replace): rename the old one, create the new one with only the people the old one has not contacted, then pause the old one")
    .option("--recontact", "a new version uploads everyone in the audience files, also people the old campaign already contacted")
    .option("--force", "apply even when the change set exceeds safety.maxChangePercent")
    .option("--target <address...>", "limit to these addresses or globs (repeatable), e.g. altur/* or puffle/default/email-*")
    .option("--exclude <address...>", "leave out these addresses or globs (repeatable)")
    .addOption(new Option("--format <format>", "output format of the result (json: formatVersion 2, see README)").choices(["text", "json"]).default("text"))
    .option("--recreate-missing", "re-create campaigns whose recorded id was deleted outside campaignctl")
    .option("--recreate-pending", "create again Extrovert campaigns whose earlier create was interrupted before its answer (may duplicate)")
    .option("--lock-timeout <seconds>", `how long to wait for another apply's state lock (default ${DEFAULT_LOCK_WAIT_S})`)
    .addHelpText(
      "after",
      "\nExit codes: 0 everything applied and verified, 1 something failed, 3 applied what it could but blocked changes remain,\n130/143 stopped by SIGINT/SIGTERM (what was done is recorded).",
    )
    .action(
      run(async (ctx, planfile: string | undefined, flags: ApplyFlags) => {
        const saved = planfile === undefined ? undefined : { file: planfile, plan: await readPlanFile(ctx.io.cwd, planfile) };
        const lockWaitS = flags.lockTimeout === undefined ? DEFAULT_LOCK_WAIT_S : Number(flags.lockTimeout);
        if (!Number.isFinite(lockWaitS) || lockWaitS < 0) throw new CliError(`--lock-timeout must be a number of seconds (got ${JSON.stringify(flags.lockTimeout)})`);
        const workspace = await loadValidWorkspace(ctx);
        const signals = signalWiring(ctx);
        let result;
        try {
          result = await withProviderErrors(
            () =>
              runApply(
                workspace,
                {
                  ...(saved ? { saved } : {}),
                  autoApprove: flags.autoApprove === true,
                  ...(flags.prune === undefined ? {} : { prune: flags.prune }),
                  allowReplace: flags.allowReplace === true,
                  ...(flags.replace ? { replace: flags.replace } : {}),
                  ...(flags.recontact ? { recontact: true } : {}),
                  force: flags.force === true,
                  ...(flags.target ? { targets: flags.target } : {}),
                  ...(flags.exclude ? { exclude: flags.exclude } : {}),
                  ...(flags.recreateMissing ? { recreateMissing: true } : {}),
                  ...(flags.recreatePending ? { recreatePending: true } : {}),
                  lock: { waitMs: lockWaitS * 1000, retryHint: "wait for it to finish, or run again with --lock-timeout SECONDS to wait longer" },
                  signal: signals.signal,
                  session: { env: ctx.io.env, ...timeLimits(ctx.global) },
                  displayPath: (file) => relative(ctx.io.cwd, file) || file,
                },
                { ...planEvents(ctx, workspace), ...applyEvents(ctx, flags), armed: signals.arm },
              ),
            workspace,
          );
        } finally {
          signals.dispose();
        }
        renderApplyResult(ctx, result, flags.format === "json");
        return result.exitCode;
      }),
    );
};

/**
 * First SIGINT/SIGTERM: abort the apply's signal (the engine starts nothing new, makes the state file
 * durable at once and gives requests in flight SIGNAL_GRACE_MS; exit 130/143). Second: one last
 * synchronous state write, then exit at once. GitHub cancels a step with SIGINT, SIGTERM 7.5 s later
 * and SIGKILL 2.5 s after that: whatever arrives, the state file already holds every id. Until the engine
 * holds the state lock (`armed`) nothing has been applied, so a signal then exits at once with 130/143
 * (never the raw signal death it was before the handlers existed); from then until it releases the lock,
 * the handlers above; `dispose` removes whichever is installed.
 */
function signalWiring(ctx: CommandContext) {
  const controller = new AbortController();
  let state: InterruptibleState | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    const c = sig === "SIGINT" ? 130 : 143;
    if (controller.signal.aborted) {
      // Already written as things landed; this write only catches a change made since (synchronous, milliseconds).
      const pending = state?.flushNow() ?? 0;
      ctx.io.stderr.write(
        `\n${sig} again: exiting now; the state file records everything done.${pending > 0 ? ` ${pending} create(s) in flight stay pending; the next apply resolves them.` : ""}\n`,
      );
      process.exit(c);
    }
    ctx.io.stderr.write(
      `\n${sig}: starting nothing new; the state is written now and as requests in flight land (up to ${SIGNAL_GRACE_MS / 1000} s; ${sig} again exits at once).\n`,
    );
    controller.abort(new Interruption(sig, c));
  };
  const beforeLock = (sig: NodeJS.Signals) => {
    ctx.io.stderr.write(`\n${sig}: stopped before anything was applied.\n`);
    process.exit(sig === "SIGINT" ? 130 : 143);
  };
  let installed: ((sig: NodeJS.Signals) => void) | undefined;
  const install = (handler: ((sig: NodeJS.Signals) => void) | undefined) => {
    if (installed) {
      process.off("SIGINT", installed);
      process.off("SIGTERM", installed);
    }
    installed = handler;
    if (handler) {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
    }
  };
  install(beforeLock);
  return {
    signal: controller.signal,
    arm(s: InterruptibleState): () => void {
      state = s;
      install(onSignal);
      return () => install(undefined);
    },
    dispose: () => install(undefined),
  };
}

/**
 * How apply's progress is shown: the plan (stderr with --format json, where stdout carries only the
 * result), notes, the question, and one counter with step lines on stderr. Step lines of accounts
 * started before the whole plan was known are held until it is shown; their outcomes and waits count
 * from then on.
 */
function applyEvents(ctx: CommandContext, flags: ApplyFlags): ApplyRunEvents {
  const quiet = ctx.global.quiet;
  const json = flags.format === "json";
  let progress: Progress | undefined;
  const held: string[] = [];
  let finished = 0;
  let total = 0;
  // A wait for a background status change (Puffle launch): one line when it starts; the
  // counter keeps ticking the seconds on a terminal while apply polls.
  const waiting = new Set<string>();
  return {
    notice: (n) => ctx.io.stderr.write(n.source === "lock" ? `${n.text}\n` : `note: ${n.text}\n`),
    plan: async (plan) => {
      if (quiet && flags.autoApprove) return;
      // Written piece by piece as it is rendered, never held whole, sharing the event loop with the
      // accounts started early (issue 30).
      const pieces = planTextChunks(plan, { color: json ? false : ctx.global.color });
      await writeChunks(json ? ctx.io.stderr : ctx.io.stdout, pieces, ctx.io.redactor, { shareTurns: true });
    },
    nothingToApply: () => {
      if (!quiet) ctx.io.stderr.write("Nothing to apply.\n");
    },
    confirm: async () => {
      if (ctx.io.stdin.isTTY !== true) {
        throw new CliError("stdin is not a terminal, so apply cannot ask for confirmation: pass --auto-approve, or apply a saved plan file");
      }
      if (await confirm(ctx)) return true;
      ctx.io.stderr.write("Apply cancelled.\n");
      return false;
    },
    applyStart: (n) => {
      total = n;
      const shown = progressReporter(ctx.io.stderr, "applying", { quiet });
      progress = shown;
      for (const line of held.splice(0)) shown.line(line);
    },
    step: (address, what) => {
      if (quiet) return;
      if (progress) progress.line(`${address}: ${what}`);
      else held.push(`${address}: ${what}`);
    },
    outcome: () => progress?.update(++finished, Math.max(finished, total)),
    wait: (address: string, w: WaitProgress) => {
      if (!progress) return;
      if (w.done) {
        waiting.delete(address);
        return;
      }
      if (waiting.has(address) || quiet) return;
      waiting.add(address);
      progress.line(`${address}: ${w.status ?? "status unknown"}, waiting until ${w.until} (at most ${Math.ceil(w.timeoutMs / 1000)} s)`);
    },
    applyEnd: () => progress?.done(),
    graceOver: (pending) =>
      ctx.io.stderr.write(`Requests still in flight after the grace period: recording the state now${pending > 0 ? `; ${pending} create(s) stay pending for the next run` : ""}.\n`),
  };
}

