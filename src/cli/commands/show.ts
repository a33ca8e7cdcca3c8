import { Option } from "commander";
import type { RegisterCommand } from "../context.js";
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from "../render/plan.js";
import { readPlanFile } from "./apply.js";

/** `campaignctl show PLANFILE`: render a plan saved with `plan --out`, offline (no workspace, no network). */
export const register: RegisterCommand = (program, run) => {
  program
    .command("show")
    .description("render a plan saved with `campaignctl plan --out FILE` (offline: reads only the file)")
    .argument("<planfile>", "the plan file, e.g. plan.json (in CI: from the plan workflow's campaignctl-plan artifact)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .action(
      run(async (ctx, planfile: string, opts: { format: "text" | "json" | "markdown" }) => {
        const plan = await readPlanFile(ctx.io.cwd, planfile);
        const text =
          opts.format === "json"
            ? renderPlanJson(plan)
            : opts.format === "markdown"
              ? renderPlanMarkdown(plan, { planFile: planfile })
              : renderPlanText(plan, { color: ctx.global.color, showNoop: ctx.global.verbose });
        if (opts.format === "text" && !ctx.global.quiet) ctx.io.stderr.write(`Plan saved ${plan.createdAt} (${planfile}):\n`);
        ctx.io.stdout.write(text);
        return 0;
      }),
    );
};
