import { Option } from "commander";
import { driftExitCode, runDrift } from "../../engine/drift-run.js";
import { timeLimits } from "../../engine/session.js";
import { providers } from "../../providers/registry.js";
import type { RegisterCommand } from "../context.js";
import { renderDriftMarkdown, renderDriftText } from "../render/drift.js";
import { planEvents, withProviderErrors, writeFileAtomic } from "../pipeline.js";
import { loadValidWorkspace } from "../workspace.js";

export { driftExitCode };

export const register: RegisterCommand = (program, run) => {
  program
    .command("drift")
    .description("compare Git, the last applied state and live; classify every difference (read-only)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .option("--target <address...>", "limit to these addresses or globs (repeatable)")
    .option("--exclude <address...>", "leave out these addresses or globs (repeatable)")
    .option("--out <file>", "also write the report as JSON to FILE (whatever --format prints)")
    .addHelpText(
      "after",
      "\nClasses: pending (Git changed, not applied), out-of-band (live changed since apply, e.g. a UI edit),\n" +
        "conflict (both), blocked (cannot be applied in the current status).\n" +
        providers()
          .filter((p) => !p.kinds.some((k) => k.capabilities.readable))
          .map((p) => `${p.displayName} has no read API: its drift can only be pending.\n`)
          .join("") +
        "Exit codes: 0 in sync, 2 drift found, 1 error.",
    )
    .action(
      run(async (ctx, opts: { format: "text" | "json" | "markdown"; target?: string[]; exclude?: string[]; out?: string }) => {
        const workspace = await loadValidWorkspace(ctx);
        const session = { env: ctx.io.env, ...timeLimits(ctx.global) };
        const selection = { ...(opts.target ? { targets: opts.target } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}) };
        const report = await withProviderErrors(() => runDrift(workspace, { ...selection, session }, planEvents(ctx, workspace)), workspace);
        const text =
          opts.format === "json"
            ? `${JSON.stringify(report, null, 2)}\n`
            : opts.format === "markdown"
              ? renderDriftMarkdown(report)
              : renderDriftText(report, { color: ctx.global.color });
        if (opts.out !== undefined) await writeFileAtomic(ctx.io, opts.out, `${JSON.stringify(report, null, 2)}\n`);
        ctx.io.stdout.write(text);
        return driftExitCode(report);
      }),
    );
};
