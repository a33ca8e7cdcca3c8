import { Option } from "commander";
import { driftOf, driftReport, type DriftReport } from "../../core/drift.js";
import { resolvedSpec } from "../../engine/build-plan.js";
import { closeSessions, type KindSession } from "../../engine/session.js";
import { providers } from "../../providers/registry.js";
import type { RegisterCommand } from "../context.js";
import { renderDriftMarkdown, renderDriftText } from "../render/drift.js";
import { runPlan, writeFileAtomic } from "../pipeline.js";

/** drift exit codes (docs/design.md §6): 0 in sync, 2 drift found, 1 error. */
export function driftExitCode(r: DriftReport): number {
  if (r.errors.length > 0) return 1;
  return r.summary.drifted > 0 ? 2 : 0;
}

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
        const result = await runPlan(ctx, { readOnly: true, ...(opts.target ? { targets: opts.target } : {}), ...(opts.exclude ? { exclude: opts.exclude } : {}) });
        closeSessions(result.sessions);
        const plans = new Map(result.plan.campaigns.map((c) => [c.address, c]));
        const campaigns = result.refreshed
          .filter((r) => !r.error)
          .map((r) => {
            const plan = plans.get(r.address);
            return driftOf({
              address: r.address,
              provider: r.session.provider.id,
              caps: r.session.kind.capabilities,
              ...(r.decl ? { git: resolvedSpec(result.plan, r.address) ?? r.decl.spec } : {}),
              ...(r.state ? { applied: r.state.applied } : {}),
              ...(r.live ? { live: r.live } : {}),
              ...(plan ? { plan } : {}),
              ...(r.state?.audience ? { appliedAudience: r.state.audience } : {}),
              notes: r.notes,
            });
          });
        const limitations: string[] = [];
        // One line per kind without a read API that has objects in scope, account by account.
        const unreadable = new Map<KindSession, number>();
        for (const r of result.refreshed) if (!r.session.kind.capabilities.readable) unreadable.set(r.session, (unreadable.get(r.session) ?? 0) + 1);
        for (const [session, n] of [...unreadable].sort(([a], [b]) => a.key.localeCompare(b.key))) {
          limitations.push(
            `${session.kind.displayName} (${session.key}) has no read API: its ${n} ${session.kind.capabilities.noun ?? "campaign"}(s) are compared with the last applied state only, so edits made in its dashboard cannot be detected; only pending drift is reported.`,
          );
        }
        const report = driftReport(campaigns, result.plan.errors, new Date(), limitations);
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
