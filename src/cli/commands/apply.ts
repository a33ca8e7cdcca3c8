import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { Option } from "commander";
import { isJsonObject } from "../../core/json.js";
import { isChange, summarize, type CampaignPlan, type Plan } from "../../core/plan.js";
import { applyExitCode, executePlan, safetyRefusal, type CampaignOutcome, type WaitProgress } from "../../engine/apply.js";
import { closeSessions } from "../../engine/session.js";
import { StateLockedError, withStateLock, writeState } from "../../state/state-file.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { loadState, runPlan, withProviderErrors } from "../pipeline.js";
import { progressReporter } from "../progress.js";
import { renderPlanText } from "../render/plan.js";
import { style } from "../render/style.js";

interface ApplyFlags {
  autoApprove?: boolean;
  prune?: boolean;
  allowReplace?: boolean;
  force?: boolean;
  target?: string[];
  exclude?: string[];
  recreateMissing?: boolean;
  format: "text" | "json";
}

/** `apply --format json` (formatVersion 1, documented in the README): one outcome per campaign. */
export function renderApplyJson(outcomes: readonly CampaignOutcome[], exitCode: number, now: Date = new Date()): string {
  const summary = { applied: 0, failed: 0, blocked: 0, skipped: 0, manual: 0 };
  for (const o of outcomes) summary[o.status] += 1;
  const campaigns = outcomes.map((o) => ({
    address: o.address,
    status: o.status,
    id: o.id,
    done: o.done,
    verified: o.verified,
    message: o.message,
    blocked: o.blocked,
    warnings: o.warnings,
  }));
  return `${JSON.stringify({ formatVersion: 1, finishedAt: now.toISOString(), exitCode, summary, campaigns }, null, 2)}\n`;
}

export async function readPlanFile(cwd: string, file: string): Promise<Plan> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(resolve(cwd, file), "utf8"));
  } catch (err) {
    throw new CliError(`cannot read plan file ${file}: ${(err as Error).message}`);
  }
  if (!isJsonObject(raw) || raw.formatVersion !== 1 || !Array.isArray(raw.campaigns)) {
    throw new CliError(`${file} is not a campaignctl plan (expected formatVersion 1, written by \`campaignctl plan --out\`)`);
  }
  return raw as unknown as Plan;
}

/** A saved plan may be applied only if nothing it touches changed since it was made. */
function staleAddresses(saved: Plan, fresh: Plan): string[] {
  const now = new Map(fresh.campaigns.map((c) => [c.address, c]));
  const stale: string[] = [];
  for (const c of saved.campaigns) {
    if (c.action === "noop") continue;
    const f = now.get(c.address);
    if (!f || f.fingerprint !== c.fingerprint || f.id !== c.id) stale.push(c.address);
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
    .addOption(new Option("--format <format>", "output format of the result (json: formatVersion 1, see README)").choices(["text", "json"]).default("text"))
    .option("--recreate-missing", "re-create campaigns whose recorded id was deleted outside campaignctl")
    .addHelpText("after", "\nExit codes: 0 everything applied and verified, 1 something failed, 3 applied what it could but blocked changes remain.")
    .action(
      run(async (ctx, planfile: string | undefined, flags: ApplyFlags) => {
        const saved = planfile === undefined ? undefined : await readPlanFile(ctx.io.cwd, planfile);
        const json = flags.format === "json";
        const targets = flags.target ?? (saved ? saved.campaigns.map((c) => c.address) : undefined);
        const result = await runPlan(ctx, {
          ...(flags.exclude ? { exclude: flags.exclude } : {}),
          readOnly: false,
          ...(flags.prune === undefined ? {} : { prune: flags.prune }),
          ...(targets ? { targets } : {}),
          ...(flags.recreateMissing ? { recreateMissing: true } : {}),
        });
        const { workspace, sessions } = result;
        const prune = flags.prune ?? workspace.prune === true;
        try {
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
            const planOut = json ? ctx.io.stderr : ctx.io.stdout;
            if (!ctx.global.quiet || !flags.autoApprove) planOut.write(renderPlanText(plan, { color: json ? false : ctx.global.color }));
          }
          if (plan.errors.length > 0) throw new CliError(`refusing to apply: ${plan.errors.length} campaign(s) could not be planned (see above)`);
          const pending = plan.campaigns.filter((c) => isChange(c, prune));
          if (pending.length === 0) {
            if (!ctx.global.quiet) ctx.io.stderr.write("Nothing to apply.\n");
            if (json) ctx.io.stdout.write(renderApplyJson([], 0));
            return 0;
          }
          const refusal = safetyRefusal(plan, Object.keys(result.state.campaigns).length, workspace.safety, { prune });
          if (refusal && !flags.force) throw new CliError(refusal);
          if (!saved && !flags.autoApprove) {
            if (ctx.io.stdin.isTTY !== true) {
              throw new CliError("stdin is not a terminal, so apply cannot ask for confirmation: pass --auto-approve, or apply a saved plan file");
            }
            if (!(await confirm(ctx))) {
              ctx.io.stderr.write("Apply cancelled.\n");
              return 1;
            }
          }
          const progress = progressReporter(ctx.io.stderr, "applying", { quiet: ctx.global.quiet });
          let finished = 0;
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
          const outcomes = await withStateLock(workspace.stateFile, async () => {
            // Re-read under the lock: another apply may have finished since we planned.
            const state = await loadState(workspace.stateFile);
            return withProviderErrors(() =>
              executePlan(plan, sessions, state, {
                allowReplace: flags.allowReplace === true,
                prune,
                saveState: (doc) => writeState(workspace.stateFile, doc),
                ...(ctx.global.quiet ? {} : { onStep: (address, what) => progress.line(`${address}: ${what}`) }),
                onOutcome: () => progress.update(++finished, Math.max(finished, pending.length)),
                onWait,
              }),
              workspace,
            );
          })
            .catch((err) => {
              if (err instanceof StateLockedError) throw new CliError(err.message);
              throw err;
            })
            .finally(() => progress.done());
          const code = applyExitCode(outcomes);
          if (json) {
            ctx.io.stdout.write(renderApplyJson(outcomes, code));
            return code;
          }
          ctx.io.stdout.write(`\n${outcomes.map((o) => outcomeLine(o, ctx.global.color)).join("\n")}\n`);
          const count = (s: CampaignOutcome["status"]) => outcomes.filter((o) => o.status === s).length;
          ctx.io.stdout.write(
            `\nApply finished: ${count("applied")} applied, ${count("failed")} failed, ${count("blocked")} blocked, ${count("skipped")} skipped, ${count("manual")} need manual action.\n`,
          );
          return code;
        } finally {
          closeSessions(sessions);
        }
      }),
    );
};
