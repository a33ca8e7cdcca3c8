import type { ResourceOutcome } from "../../engine/apply.js";
import type { ApplyRunResult, Unrecorded } from "../../engine/apply-run.js";
import type { CommandContext } from "../context.js";
import { style } from "./style.js";

/** `apply --format json` (formatVersion 2, documented in the README): one outcome per campaign; `reason` and each blocked step's `code` decide, `message` explains. */
export function renderApplyJson(outcomes: readonly ResourceOutcome[], exitCode: number, now: Date = new Date()): string {
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

function outcomeLine(o: ResourceOutcome, color: boolean): string {
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

/** Say exactly which ids the state file is missing and how to bind each one later. */
function reportUnrecorded(ctx: CommandContext, u: Unrecorded): void {
  const lines = [
    `error: the state could not be written: ${u.failure}`,
    `These campaigns exist at their providers but are not in ${u.stateFile}. Once it can be written again, bind each one (nothing is created twice):`,
  ];
  for (const { address, id } of u.ids) lines.push(`  campaignctl state adopt ${address} --id ${id}`);
  for (const { address, at } of u.pending) {
    lines.push(`  ${address}: a create was sent at ${at} but its answer was not recorded; if it exists, \`campaignctl state adopt ${address} --id <ID>\``);
  }
  if (u.journalFile !== undefined) lines.push(`The journal ${u.journalFile} holds all of it: keep that file; the next campaignctl run next to it folds it into the state.`);
  ctx.io.stderr.write(`${lines.join("\n")}\n`);
}

/** The result of an apply: outcome lines and the summary (or the JSON document), what the state misses, how a signal ended it. */
export function renderApplyResult(ctx: CommandContext, result: ApplyRunResult, json: boolean): void {
  const { outcomes, interrupted } = result;
  if (json && result.stage === "ran") ctx.io.stdout.write(renderApplyJson(outcomes ?? [], result.exitCode));
  else if (!json && result.stage !== "cancelled" && outcomes && outcomes.length > 0) {
    ctx.io.stdout.write(`\n${outcomes.map((o) => outcomeLine(o, ctx.global.color)).join("\n")}\n`);
    const count = (s: ResourceOutcome["status"]) => outcomes.filter((o) => o.status === s).length;
    ctx.io.stdout.write(
      `\nApply ${interrupted ? "interrupted" : "finished"}: ${count("applied")} applied, ${count("failed")} failed, ${count("blocked")} blocked, ${count("skipped")} skipped, ${count("manual")} need manual action.\n`,
    );
  }
  if (result.unrecorded) reportUnrecorded(ctx, result.unrecorded);
  if (interrupted && result.stage !== "cancelled") {
    ctx.io.stderr.write(result.stateWritten ? `Stopped by a signal; the state records everything that was done. Run apply again to finish.\n` : `Stopped by a signal.\n`);
  }
}
