import { Option } from "commander";
import { planExitCode } from "../../engine/plan-run.js";
import { closeSessions } from "../../engine/session.js";
import type { RegisterCommand } from "../context.js";
import { jsonChunks } from "../render/json-chunks.js";
import { planTextChunks, renderPlanMarkdown } from "../render/plan.js";
import { runPlan, writeChunks, writeChunksAtomic } from "../pipeline.js";

export { planExitCode };

export const register: RegisterCommand = (program, run) => {
  program
    .command("plan")
    .description("read live state and show what apply would change, field by field (never writes)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .option("--out <file>", "also save the plan (JSON, with a fingerprint of each campaign's live state) for `apply PLANFILE`")
    .option("--detailed-exitcode", "exit 2 when there are changes to apply, 3 when some are blocked or need replace")
    .option("--target <address...>", "limit to these addresses or globs (repeatable), e.g. altur/default/q2-reactivation, altur/*/*, puffle/default/email-*")
    .option("--exclude <address...>", "leave out these addresses or globs (repeatable)")
    .option("--recreate-missing", "plan a create for campaigns whose recorded id was deleted outside campaignctl")
    .option("--prune", "plan retiring campaigns in state but no longer in Git (saved with --out, `apply PLANFILE` runs it); default: `prune` in campaignctl.yaml")
    .option("--no-prune", "plan such campaigns as left alone even when campaignctl.yaml says `prune: true`")
    .addHelpText(
      "after",
      "\nExit codes: 0 no changes (or changes without --detailed-exitcode), 1 error,\n" +
        "            2 changes to apply, 3 blocked changes or replacements (with --detailed-exitcode).\n" +
        "plan only sends GET requests: the HTTP layer refuses anything else before it leaves the process.",
    )
    .action(
      run(async (ctx, opts: { format: "text" | "json" | "markdown"; out?: string; detailedExitcode?: boolean; target?: string[]; exclude?: string[]; recreateMissing?: boolean; prune?: boolean }) => {
        const result = await runPlan(ctx, {
          readOnly: true,
          guardrails: true,
          ...(opts.exclude ? { exclude: opts.exclude } : {}),
          ...(opts.target ? { targets: opts.target } : {}),
          ...(opts.recreateMissing ? { recreateMissing: true } : {}),
          ...(opts.prune === undefined ? {} : { prune: opts.prune }),
        });
        closeSessions(result.sessions);
        const { plan } = result;
        // The JSON plan (renderPlanJson's bytes) is produced once, in pieces, for both --out and stdout:
        // at 10,000 campaigns it is tens of MB, and rendering it twice doubled the peak memory.
        const planJson = function* (): Generator<string> {
          yield* jsonChunks(plan);
          yield "\n";
        };
        if (opts.out !== undefined) {
          const path = await writeChunksAtomic(ctx.io, opts.out, planJson(), opts.format === "json" ? ctx.io.stdout : undefined);
          if (!ctx.global.quiet) ctx.io.stderr.write(`Saved the plan to ${path}; apply it with: campaignctl apply ${opts.out}\n`);
        }
        if (opts.format === "json") {
          if (opts.out === undefined) await writeChunks(ctx.io.stdout, planJson(), ctx.io.redactor);
        } else if (opts.format === "markdown") {
          ctx.io.stdout.write(renderPlanMarkdown(plan, opts.out === undefined ? {} : { planFile: opts.out }));
        } else {
          // Written as it is rendered (one piece per campaign): the whole text is never held (issue 30).
          await writeChunks(ctx.io.stdout, planTextChunks(plan, { color: ctx.global.color, showNoop: ctx.global.verbose }), ctx.io.redactor);
        }
        return planExitCode(plan, opts.detailedExitcode === true);
      }),
    );
};
