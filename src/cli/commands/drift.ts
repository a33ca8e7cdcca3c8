import { Option } from "commander";
import { relative } from "node:path";
import { driftExitCode, runDrift } from "../../engine/drift-run.js";
import { writeDriftToFiles } from "../../engine/drift-write.js";
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
    .option("--write", "write the live values of out-of-band changes into the campaign files (comments and layout kept), so the next plan is empty")
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
      run(async (ctx, opts: { format: "text" | "json" | "markdown"; target?: string[]; exclude?: string[]; out?: string; write?: boolean }) => {
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
        if (!opts.write) return driftExitCode(report);
        const wrote = await writeDriftToFiles(workspace, report);
        for (const w of wrote.written) ctx.io.stderr.write(`wrote ${w.address} spec.${w.path} (live value) to ${relative(ctx.io.cwd, w.file) || w.file}\n`);
        for (const s of wrote.skipped) ctx.io.stderr.write(`left ${s.address} ${s.path}: ${s.code === "not-own-file" ? "not declared by a file of its own" : `${s.code} drift needs a person`}\n`);
        // What remains after the write decides the exit code: 0 when every drift was written.
        const remaining = report.errors.length > 0 ? 1 : report.campaigns.some((c) => c.summary !== undefined) || wrote.skipped.length > 0 ? 2 : 0;
        return remaining;
      }),
    );
};
