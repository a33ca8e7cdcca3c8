import { relative } from "node:path";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../core/diagnostics.js";
import type { Workspace } from "../core/types.js";
import { loadWorkspace } from "../config/workspace.js";
import type { CommandContext } from "./context.js";
import { CliError } from "./io.js";

function line(d: Diagnostic, cwd: string): string {
  const where = d.file ? `${relative(cwd, d.file) || d.file}${d.line ? `:${d.line}:${d.col ?? 1}` : ""}: ` : "";
  return `${where}${d.severity} ${d.code} ${d.message}`;
}

/**
 * Load and validate the workspace (offline, before any network call). Problems are printed on
 * stderr in the validate text format; any error stops the command with exit 1.
 */
export async function loadValidWorkspace(ctx: CommandContext): Promise<Workspace> {
  const { workspace, diagnostics } = await loadWorkspace({ cwd: ctx.io.cwd, ...(ctx.global.config === undefined ? {} : { configPath: ctx.global.config }) });
  const sorted = sortDiagnostics(diagnostics);
  const shown = ctx.global.quiet ? sorted.filter((d) => d.severity === "error") : sorted;
  for (const d of shown) ctx.io.stderr.write(`${line(d, ctx.io.cwd)}\n`);
  if (hasErrors(diagnostics) || !workspace) {
    const n = diagnostics.filter((d) => d.severity === "error").length;
    throw new CliError(`the workspace has ${n} error${n === 1 ? "" : "s"}; fix them (see \`campaignctl validate\`) before planning`);
  }
  return workspace;
}
