import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Option } from "commander";
import { sameFiles } from "../../core/audience.js";
import { readPlanDocument } from "../../core/plan-format.js";
import { isChange, summarize, type CampaignPlan, type Plan } from "../../core/plan.js";
import type { StateDocument, Workspace } from "../../core/types.js";
import {
  applicableCampaigns,
  applyExitCode,
  executePlan,
  riskyCount,
  safetyMayRefuse,
  safetyRefusal,
  type ApplyOptions,
  type CampaignOutcome,
  type WaitProgress,
} from "../../engine/apply.js";
import { buildPlan } from "../../engine/build-plan.js";
import type { RefreshedCampaign } from "../../engine/refresh.js";
import { resolveUndeclaredPending } from "../../engine/pending.js";
import { accountKey, closeSessions, type AccountSession } from "../../engine/session.js";
import { catalog } from "../../providers/registry.js";
import { StateStore } from "../../state/journal.js";
import { acquireStateLock } from "../../state/lock.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { runPlan, withProviderErrors } from "../pipeline.js";
import { progressReporter } from "../progress.js";
import { renderPlanText } from "../render/plan.js";
import { style } from "../render/style.js";
import { loadValidWorkspace } from "../workspace.js";

interface ApplyFlags {
  autoApprove?: boolean;
  prune?: boolean;
  allowReplace?: boolean;
  force?: boolean;
  target?: string[];
  exclude?: string[];
  recreateMissing?: boolean;
  recreatePending?: boolean;
  lockTimeout?: string;
  format: "text" | "json";
}

/** `apply --format json` (formatVersion 2, documented in the README): one outcome per campaign; `reason` and each blocked step's `code` decide, `message` explains. */
export function renderApplyJson(outcomes: readonly CampaignOutcome[], exitCode: number, now: Date = new Date()): string {
  const summary = { applied: 0, failed: 0, blocked: 0, skipped: 0, manual: 0 };
  for (const o of outcomes) summary[o.status] += 1;
  const campaigns = outcomes.map((o) => ({
    address: o.address,
    status: o.status,
    id: o.id,
    done: o.done,
    verified: o.verified,
    reason: o.reason,
    message: o.message,
    blocked: o.blocked,
    warnings: o.warnings,
  }));
  return `${JSON.stringify({ formatVersion: 2, finishedAt: now.toISOString(), exitCode, summary, campaigns }, null, 2)}\n`;
}

/** Seconds to wait for the state lock when --lock-timeout is not given. */
const DEFAULT_LOCK_WAIT_S = 60;
/** After the first signal, how long requests in flight may take before the state is written anyway. */
const SIGNAL_GRACE_MS = 15_000;

/** A saved plan is applied only to the state it was made from (docs/design.md §12): same lineage, no newer serial. */
function checkPlanState(file: string, saved: Plan, state: StateDocument): void {
  const made = saved.state;
  if (!made) return;
  const serial = state.serial ?? 0;
  if (made.lineage !== undefined && state.lineage !== undefined && made.lineage !== state.lineage) {
    throw new CliError(
      `${file} was made against another state (lineage ${made.lineage}; this workspace's state has lineage ${state.lineage}): ` +
        `it belongs to another workspace or a replaced state file; run \`campaignctl plan --out\` here`,
    );
  }
  if (made.serial < serial) {
    throw new CliError(
      `${file} is older than the state: it was made at state serial ${made.serial}, the state is now at serial ${serial} ` +
        `(another apply, import or state command wrote it since); run \`campaignctl plan --out\` again`,
    );
  }
}

/**
 * First SIGINT/SIGTERM: stop starting work, make the state file durable at once (the journal folded in,
 * then every change written as it lands), finish what is in flight (bounded), exit 130/143. Second:
 * one last synchronous state write, then exit at once. GitHub cancels a step with SIGINT, SIGTERM
 * 7.5 s later and SIGKILL 2.5 s after that: whatever arrives, the state file already holds every id.
 */
function interruptHandler(ctx: CommandContext) {
  const controller = new AbortController();
  let code: number | undefined;
  let store: StateStore | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let graceResolve: () => void = () => undefined;
  const graceOver = new Promise<void>((res) => (graceResolve = res));
  const onSignal = (sig: NodeJS.Signals) => {
    const c = sig === "SIGINT" ? 130 : 143;
    if (code !== undefined) {
      // Already written as things landed; this write only catches a change made since (synchronous, milliseconds).
      try {
        store?.compactSync();
      } catch {
        /* the journal still holds it */
      }
      const pending = Object.keys(store?.doc.pending ?? {}).length;
      ctx.io.stderr.write(
        `\n${sig} again: exiting now; the state file records everything done.${pending > 0 ? ` ${pending} create(s) in flight stay pending; the next apply resolves them.` : ""}\n`,
      );
      process.exit(c);
    }
    code = c;
    ctx.io.stderr.write(
      `\n${sig}: starting nothing new; the state is written now and as requests in flight land (up to ${SIGNAL_GRACE_MS / 1000} s; ${sig} again exits at once).\n`,
    );
    controller.abort();
    store?.durableNow();
    graceTimer = setTimeout(graceResolve, SIGNAL_GRACE_MS);
    graceTimer.unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    get code() {
      return code;
    },
    /** The store to make durable on a signal (a signal that came before it was opened applies now). */
    attach(s: StateStore) {
      store = s;
      if (code !== undefined) s.durableNow();
    },
    /** Resolves when the grace period after the first signal is over (never without a signal). */
    graceOver,
    /** Resolves on the first signal (never without one). */
    aborted: new Promise<void>((res) => controller.signal.addEventListener("abort", () => res(), { once: true })),
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (graceTimer) clearTimeout(graceTimer);
    },
  };
}

/** Write the state file, trying a few times (a full disk may free up); false when it never worked. */
async function persist(store: StateStore): Promise<boolean> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await store.compact();
      return true;
    } catch {
      if (attempt < 3) await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
  return false;
}

/** Say exactly which ids the state file is missing and how to bind each one later. */
function reportUnrecorded(ctx: CommandContext, store: StateStore): void {
  const lines = [
    `error: the state could not be written: ${store.failure?.message ?? "unknown error"}`,
    `These campaigns exist at their providers but are not in ${store.file}. Once it can be written again, bind each one (nothing is created twice):`,
  ];
  for (const { address, entry } of store.uncommitted()) lines.push(`  campaignctl state adopt ${address} --id ${entry.id}`);
  for (const [address, p] of Object.entries(store.doc.pending ?? {})) {
    lines.push(`  ${address}: a create was sent at ${p.at} but its answer was not recorded; if it exists, \`campaignctl state adopt ${address} --id <ID>\``);
  }
  if (store.journalHolds()) lines.push(`The journal ${store.journalFile} holds all of it: keep that file; the next campaignctl run next to it folds it into the state.`);
  ctx.io.stderr.write(`${lines.join("\n")}\n`);
}

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

/** The audience counts a saved plan promised still hold (files and roster unchanged since). */
function sameAudience(saved: CampaignPlan, fresh: CampaignPlan): boolean {
  const a = saved.audience;
  const b = fresh.audience;
  if (!a || !b) return a === b;
  return a.add === b.add && a.remove === b.remove && sameFiles(a.files, b.files);
}

/** A saved plan may be applied only if nothing it touches changed since it was made. */
function staleAddresses(saved: Plan, fresh: Plan): string[] {
  const now = new Map(fresh.campaigns.map((c) => [c.address, c]));
  const stale: string[] = [];
  for (const c of saved.campaigns) {
    if (c.action === "noop") continue;
    const f = now.get(c.address);
    if (!f || f.fingerprint !== c.fingerprint || f.id !== c.id || !sameAudience(c, f)) stale.push(c.address);
  }
  for (const e of fresh.errors) if (saved.campaigns.some((c) => c.address === e.address)) stale.push(e.address);
  return [...new Set(stale)].sort();
}

async function confirm(ctx: CommandContext): Promise<boolean> {
  ctx.io.stderr.write("\nDo you want to apply these changes? Only 'yes' will be accepted: ");
  const rl = createInterface({ input: ctx.io.stdin, terminal: false });
  const answer = await new Promise<string>((res) => {
    rl.once("line", (line) => res(line));
    rl.once("close", () => res(""));
  });
  rl.close();
  return answer.trim() === "yes";
}

function outcomeLine(o: CampaignOutcome, color: boolean): string {
  const s = style(color);
  const head =
    o.status === "applied"
      ? s.green("✓")
      : o.status === "failed"
        ? s.red("✗")
        : o.status === "blocked"
          ? s.magenta("!")
          : s.yellow("-");
  const lines = [`${head} ${o.address}: ${o.status}${o.done.length ? ` — ${o.done.join(", ")}` : ""}`];
  if (o.message) lines.push(`    ${o.message}`);
  for (const b of o.blocked) lines.push(`    blocked ${b.what}: ${b.reason}${b.unblock ? ` (to unblock: ${b.unblock})` : ""}`);
  for (const w of o.warnings) lines.push(`    warning: ${w}`);
  return lines.join("\n");
}

/** Whether a planned campaign gives apply something to do (a change, a blocked step to report, an adoption or audience to record). */
function hasWork(c: CampaignPlan, prune: boolean): boolean {
  return isChange(c, prune) || c.blocked.length > 0 || c.identity === "adopted" || c.audience?.record === true;
}

/** The audience work of refreshed campaigns, by address (what executePlan uploads). */
function audiencesOf(refreshed: readonly RefreshedCampaign[]): NonNullable<ApplyOptions["audiences"]> {
  return new Map(refreshed.flatMap((r) => (r.audience ? [[r.address, r.audience] as const] : [])));
}

/**
 * Starts an account's apply as soon as its own refresh is done, instead of after every account's
 * (issue 15): a fast account is not held behind a slow one's reads. Only when nothing that needs the
 * whole plan could still stop the apply: no question to ask (--auto-approve), no saved plan to check
 * for staleness, no interrupted create of an undeclared address to resolve first, and a safety
 * threshold that cannot refuse whatever the accounts not yet refreshed turn out to hold (--force, or
 * the changes known plus every campaign still unplanned stay within safety.maxChangePercent). The
 * whole plan is still printed, after the last refresh; step lines of accounts started before that
 * are held and printed after it.
 */
class EarlyStart {
  readonly started = new Map<string, Promise<CampaignOutcome[]>>();
  private readonly unplanned = new Map<string, number>();
  private risky = 0;
  private state: StateDocument | undefined;
  private held: string[] | undefined = [];
  private lineOut: ((text: string) => void) | undefined;
  /** Counts an early account's finished campaign on the apply counter, once there is one. */
  onOutcome: (() => void) | undefined;
  /** Reports an early account's waits (Puffle launch), once the apply progress exists. */
  onWait: ((address: string, w: WaitProgress) => void) | undefined;

  constructor(
    private readonly enabled: boolean,
    private readonly managed: number,
    private readonly workspace: Workspace,
    private readonly force: boolean,
    private readonly prune: boolean,
    private readonly run: (
      plan: Plan,
      refreshed: RefreshedCampaign[],
      sessions: Map<string, AccountSession>,
      onStep: (address: string, what: string) => void,
    ) => Promise<CampaignOutcome[]>,
  ) {
    // An upper bound of the campaigns each account's refresh will plan: declared plus recorded.
    for (const d of workspace.campaigns) this.bump(accountKey(d.provider, d.account));
  }

  countState(doc: StateDocument): void {
    this.state = doc;
    for (const e of Object.values(doc.campaigns)) this.bump(accountKey(e.provider, e.account));
  }

  private bump(key: string): void {
    this.unplanned.set(key, (this.unplanned.get(key) ?? 0) + 1);
  }

  onAccount(key: string, refreshed: RefreshedCampaign[]): void {
    this.unplanned.delete(key);
    if (!this.enabled || refreshed.length === 0) return;
    // With the state: a reference to an object outside this run resolves to its recorded id (docs/design.md §11).
    const plan = buildPlan(refreshed, this.state ? { state: this.state } : {});
    this.risky += riskyCount(plan.campaigns, { prune: this.prune });
    const unknown = [...this.unplanned.values()].reduce((a, b) => a + b, 0);
    if (!this.force && safetyMayRefuse(this.risky, unknown, this.managed, this.workspace.safety)) return;
    const work = applicableCampaigns(plan);
    if (!work.some((c) => hasWork(c, this.prune))) return;
    const running = this.run({ ...plan, campaigns: work }, refreshed, new Map([[key, refreshed[0]!.session]]), (address, what) => this.step(`${address}: ${what}`));
    running.catch(() => undefined); // awaited (and its error reported) once the whole plan is known
    this.started.set(key, running);
  }

  private step(text: string): void {
    if (this.held) this.held.push(text);
    else this.lineOut?.(text);
  }

  /** From now on step lines go to `out`; the ones held so far first. */
  release(out: (text: string) => void): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.lineOut = out;
    for (const line of held) out(line);
  }

  settled(): Promise<unknown> {
    return Promise.allSettled(this.started.values());
  }
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("apply")
    .description("make live match Git: execute a fresh plan (after confirmation) or a saved PLANFILE, verifying every write")
    .argument("[planfile]", "a plan saved with `campaignctl plan --out FILE` (refused if anything it touches changed since)")
    .option("--auto-approve", "do not ask for confirmation (required when stdin is not a terminal)")
    .option("--prune", "retire campaigns that are in state but no longer in Git (Altur: archive, Puffle: delete); default: `prune` in campaignctl.yaml")
    .option("--no-prune", "leave such campaigns alone even when campaignctl.yaml says `prune: true`")
    .option("--allow-replace", "execute replacements (an immutable field changed: create new, retire old)")
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
        const saved = planfile === undefined ? undefined : await readPlanFile(ctx.io.cwd, planfile);
        const lockWaitS = flags.lockTimeout === undefined ? DEFAULT_LOCK_WAIT_S : Number(flags.lockTimeout);
        if (!Number.isFinite(lockWaitS) || lockWaitS < 0) throw new CliError(`--lock-timeout must be a number of seconds (got ${JSON.stringify(flags.lockTimeout)})`);
        const workspace = await loadValidWorkspace(ctx);
        const note = (text: string) => ctx.io.stderr.write(`${text}\n`);
        // One lock over the whole apply: taken before the refresh, released after the last state write.
        const lock = await acquireStateLock(workspace.stateFile, {
          waitMs: lockWaitS * 1000,
          command: "apply",
          onNote: note,
          retryHint: "wait for it to finish, or run again with --lock-timeout SECONDS to wait longer",
        });
        const interrupt = interruptHandler(ctx);
        let store: StateStore | undefined;
        let sessions: Map<string, AccountSession> | undefined;
        let early: EarlyStart | undefined;
        try {
          store = await StateStore.open(workspace.stateFile, catalog, { onNote: (t) => note(`note: ${t}`) }).catch((err) => {
            throw err instanceof Error && err.name === "StateFileError" ? new CliError(err.message) : err;
          });
          interrupt.attach(store);
          if (saved && planfile !== undefined) checkPlanState(planfile, saved, store.doc);
          const targets = flags.target ?? (saved ? saved.campaigns.map((c) => c.address) : undefined);
          const prune = flags.prune ?? workspace.prune === true;
          // Snapshot before anything is applied: the threshold counts the campaigns managed when apply started.
          const managed = Object.keys(store.doc.campaigns).length;
          const applyOpts = applyOptions(ctx, flags, prune, interrupt.signal);
          const canStartEarly = flags.autoApprove === true && !saved && Object.keys(store.doc.pending ?? {}).length === 0;
          early = new EarlyStart(canStartEarly, managed, workspace, flags.force === true, prune, (plan, refreshed, accountSessions, onStep) =>
            withProviderErrors(
              () =>
                executePlan(plan, accountSessions, store!, {
                  ...applyOpts,
                  audiences: audiencesOf(refreshed),
                  ...(ctx.global.quiet ? {} : { onStep }),
                  onOutcome: () => early?.onOutcome?.(),
                  onWait: (address, w) => early?.onWait?.(address, w),
                }),
              workspace,
            ),
          );
          early.countState(store.doc);
          const earlyStart = early;
          const planning = runPlan(
            ctx,
            {
              ...(flags.exclude ? { exclude: flags.exclude } : {}),
              readOnly: false,
              state: store.doc,
              ...(flags.prune === undefined ? {} : { prune: flags.prune }),
              ...(targets ? { targets } : {}),
              ...(flags.recreateMissing ? { recreateMissing: true } : {}),
              ...(flags.recreatePending ? { recreatePending: true } : {}),
              onAccountRefreshed: (key, refreshed) => earlyStart.onAccount(key, refreshed),
            },
            workspace,
          );
          planning.then((r) => interrupt.signal.aborted && early?.started.size === 0 && closeSessions(r.sessions)).catch(() => undefined);
          // A signal during the refresh: nothing was applied yet unless an account started early.
          const result = await Promise.race([planning, interrupt.aborted.then(() => undefined)]);
          if (result === undefined) {
            // Accounts started early have requests in flight: give them the grace period, as after the refresh.
            if (early.started.size > 0) await Promise.race([early.settled(), interrupt.graceOver]);
            return await finish(ctx, store, undefined, interrupt.code);
          }
          sessions = result.sessions;
          const outcomes = await applyRun(ctx, flags, saved, result, store, interrupt, early, managed, applyOpts);
          if (outcomes === "cancelled") return (await finish(ctx, store, undefined, undefined)) || 1;
          return await finish(ctx, store, outcomes, interrupt.code, flags.format === "json");
        } finally {
          // Never leave an account started early still writing once the state is closed and the lock released.
          if (early) await Promise.race([early.settled(), interrupt.graceOver]);
          interrupt.dispose();
          if (sessions) closeSessions(sessions);
          store?.close();
          await lock.release().catch(() => undefined);
        }
      }),
    );
};

type RunResult = Awaited<ReturnType<typeof runPlan>>;

/** The engine options of this apply (progress hooks are added where they are known). */
function applyOptions(ctx: CommandContext, flags: ApplyFlags, prune: boolean, signal: AbortSignal): ApplyOptions {
  return { allowReplace: flags.allowReplace === true, prune, signal, displayPath: (file) => relative(ctx.io.cwd, file) || file };
}

/** Everything between the refresh and the final state write; returns the outcomes (empty when nothing ran). */
async function applyRun(
  ctx: CommandContext,
  flags: ApplyFlags,
  saved: Plan | undefined,
  result: RunResult,
  store: StateStore,
  interrupt: ReturnType<typeof interruptHandler>,
  early: EarlyStart,
  managed: number,
  applyOpts: ApplyOptions,
): Promise<CampaignOutcome[] | undefined | "cancelled"> {
  const { workspace, sessions } = result;
  const prune = applyOpts.prune;
  // Outcomes of the accounts started as soon as their own refresh was done (none unless EarlyStart allowed it).
  const earlyOutcomes = async (): Promise<CampaignOutcome[]> => (await Promise.all(early.started.values())).flat();
  if (interrupt.signal.aborted) return early.started.size > 0 ? await earlyOutcomes() : undefined;
  // Interrupted creates of addresses no longer declared: bind what exists, forget what does not.
  // (EarlyStart starts nothing when any create is pending.)
  for (const n of await withProviderErrors(() => resolveUndeclaredPending(workspace, store, sessions), workspace)) ctx.io.stderr.write(`note: ${n.text}\n`);
  let plan = result.plan;
  if (saved) {
    const stale = staleAddresses(saved, plan);
    if (stale.length > 0) {
      throw new CliError(`the saved plan is stale: ${stale.join(", ")} changed since it was made; run \`campaignctl plan --out\` again`);
    }
    const keep = new Set(saved.campaigns.map((c) => c.address));
    const campaigns: CampaignPlan[] = saved.campaigns.filter((c) => keep.has(c.address));
    plan = { ...saved, campaigns, summary: summarize(campaigns), errors: [], prune };
  } else {
    // With --format json, stdout carries only the result document: the plan goes to stderr.
    const planOut = flags.format === "json" ? ctx.io.stderr : ctx.io.stdout;
    if (!ctx.global.quiet || !flags.autoApprove) planOut.write(renderPlanText(plan, { color: flags.format === "json" ? false : ctx.global.color }));
  }
  // Campaigns that could not be read or planned are reported as failed; the others proceed.
  const unplanned: CampaignOutcome[] = plan.errors.map((e) => ({ address: e.address, status: "failed", done: [], reason: "not-planned", message: e.message, blocked: [], warnings: [], verified: [] }));
  const work = applicableCampaigns(plan);
  if (!work.some((c) => hasWork(c, prune))) {
    if (unplanned.length === 0 && !ctx.global.quiet) ctx.io.stderr.write("Nothing to apply.\n");
    return unplanned;
  }
  // Counted before any write of this apply (an account started early has written since). That check
  // cannot refuse once an account started early: EarlyStart only starts one when no completion could.
  const refusal = safetyRefusal(plan, early.started.size > 0 ? managed : Object.keys(store.doc.campaigns).length, workspace.safety, { prune });
  if (refusal && !flags.force) throw new CliError(refusal);
  const changes = plan.campaigns.some((c) => isChange(c, prune));
  if (!saved && !flags.autoApprove && changes) {
    if (ctx.io.stdin.isTTY !== true) {
      throw new CliError("stdin is not a terminal, so apply cannot ask for confirmation: pass --auto-approve, or apply a saved plan file");
    }
    if (!(await confirm(ctx))) {
      ctx.io.stderr.write("Apply cancelled.\n");
      return "cancelled";
    }
  }
  const progress = progressReporter(ctx.io.stderr, "applying", { quiet: ctx.global.quiet });
  early.release((text) => progress.line(text));
  let finished = 0;
  const total = work.length;
  early.onOutcome = () => progress.update(++finished, Math.max(finished, total));
  // A wait for a background status change (Puffle launch): one line when it starts; the
  // counter above keeps ticking the seconds on a terminal while apply polls.
  const waiting = new Set<string>();
  const onWait = (address: string, w: WaitProgress): void => {
    if (w.done) {
      waiting.delete(address);
      return;
    }
    if (waiting.has(address) || ctx.global.quiet) return;
    waiting.add(address);
    progress.line(`${address}: ${w.status ?? "status unknown"}, waiting until ${w.until} (at most ${Math.ceil(w.timeoutMs / 1000)} s)`);
  };
  early.onWait = onWait;
  // Accounts already started early are not run again.
  const rest = work.filter((c) => !early.started.has(accountKey(c.provider, c.account)));
  const execution = Promise.all([
    earlyOutcomes(),
    withProviderErrors(
      () =>
        executePlan({ ...plan, campaigns: rest }, sessions, store, {
          ...applyOpts,
          audiences: audiencesOf(result.refreshed),
          ...(ctx.global.quiet ? {} : { onStep: (address, what) => progress.line(`${address}: ${what}`) }),
          onOutcome: () => progress.update(++finished, Math.max(finished, total)),
          onWait,
        }),
      workspace,
    ),
  ])
    .then(([a, b]) => [...a, ...b])
    .finally(() => progress.done());
  // After a signal, requests in flight get a bounded time; then the state is written with what is known.
  const outcomes = await Promise.race([execution, interrupt.graceOver.then(() => undefined)]);
  if (outcomes === undefined) {
    const pending = Object.keys(store.doc.pending ?? {}).length;
    ctx.io.stderr.write(
      `Requests still in flight after the grace period: recording the state now${pending > 0 ? `; ${pending} create(s) stay pending for the next run` : ""}.\n`,
    );
    return unplanned;
  }
  return [...unplanned, ...outcomes].sort((a, b) => a.address.localeCompare(b.address));
}

async function finish(ctx: CommandContext, store: StateStore, outcomes: CampaignOutcome[] | undefined, signalCode: number | undefined, json = false): Promise<number> {
  const written = await persist(store);
  const code = signalCode ?? (!written ? 1 : outcomes ? applyExitCode(outcomes) : 0);
  if (json) ctx.io.stdout.write(renderApplyJson(outcomes ?? [], code));
  else if (outcomes && outcomes.length > 0) {
    ctx.io.stdout.write(`\n${outcomes.map((o) => outcomeLine(o, ctx.global.color)).join("\n")}\n`);
    const count = (s: CampaignOutcome["status"]) => outcomes.filter((o) => o.status === s).length;
    ctx.io.stdout.write(
      `\nApply ${signalCode === undefined ? "finished" : "interrupted"}: ${count("applied")} applied, ${count("failed")} failed, ${count("blocked")} blocked, ${count("skipped")} skipped, ${count("manual")} need manual action.\n`,
    );
  }
  if (!written) reportUnrecorded(ctx, store);
  if (signalCode !== undefined) {
    ctx.io.stderr.write(
      written
        ? `Stopped by a signal; the state records everything that was done. Run apply again to finish.\n`
        : `Stopped by a signal.\n`,
    );
    return signalCode;
  }
  if (!written) return 1;
  return outcomes ? applyExitCode(outcomes) : 0;
}
