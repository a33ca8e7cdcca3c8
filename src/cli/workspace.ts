import { hasErrors } from "../core/diagnostics.js";
import type { Workspace } from "../core/types.js";
import { loadWorkspace } from "../config/workspace.js";
import type { CommandContext } from "./context.js";
import { CliError } from "./io.js";
import { renderText } from "./render/diagnostics.js";

/**
 * Load and validate the workspace (offline, before any network call). Problems are printed on
 * stderr in the validate text format; any error stops the command with exit 1.
 */
export async function loadValidWorkspace(ctx: CommandContext): Promise<Workspace> {
  const { workspace, diagnostics } = await loadWorkspace({ cwd: ctx.io.cwd, env: ctx.io.env, ...(ctx.io.redactor ? { redactor: ctx.io.redactor } : {}), ...(ctx.global.config === undefined ? {} : { configPath: ctx.global.config }) });
  const shown = ctx.global.quiet ? diagnostics.filter((d) => d.severity === "error") : diagnostics;
  if (shown.length > 0) ctx.io.stderr.write(renderText(shown, { cwd: ctx.io.cwd, color: false }));
  if (hasErrors(diagnostics) || !workspace) {
    const n = diagnostics.filter((d) => d.severity === "error").length;
    throw new CliError(`the workspace has ${n} error${n === 1 ? "" : "s"}; fix them (see \`campaignctl validate\`) before going on`);
  }
  return workspace;
}
