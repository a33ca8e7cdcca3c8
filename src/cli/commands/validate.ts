import { Option } from "commander";
import { hasErrors } from "../../core/diagnostics.js";
import { loadWorkspace } from "../../config/workspace.js";
import type { RegisterCommand } from "../context.js";
import { kindModuleOf } from "../../providers/registry.js";
import { DIAGNOSTIC_FORMATS, renderDiagnostics, summarize, type DiagnosticFormat } from "../render/diagnostics.js";

/**
 * `campaignctl validate`: every offline check (YAML, JSON Schemas, provider rules, workspace rules),
 * all problems at once. Diagnostics on stdout, a one-line summary on stderr. Exit 1 on any error.
 * Never touches the network.
 */
export const register: RegisterCommand = (program, run) => {
  program
    .command("validate")
    .description("check the workspace config and every campaign file offline (YAML, schemas, provider rules)")
    .addOption(new Option("--format <format>", "output format").choices(DIAGNOSTIC_FORMATS).default("text"))
    .action(
      run(async (ctx, options: { format: DiagnosticFormat }) => {
        const { io, global } = ctx;
        const result = await loadWorkspace({ cwd: io.cwd, env: io.env, ...(io.redactor ? { redactor: io.redactor } : {}), ...(global.config === undefined ? {} : { configPath: global.config }) });
        const output = renderDiagnostics(result.diagnostics, options.format, { cwd: io.cwd, color: global.color });
        if (output !== "") io.stdout.write(output);
        if (!global.quiet) {
          const decls = result.workspace?.campaigns;
          const count = decls ? decls.filter((d) => kindModuleOf(d.kind).kind.short === undefined).length : result.fileCount;
          const others = decls ? decls.length - count : 0;
          io.stderr.write(`${summarize(result.diagnostics, count, others)}\n`);
        }
        return hasErrors(result.diagnostics) ? 1 : 0;
      }),
    );
};
