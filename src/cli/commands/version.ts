import { Option } from "commander";
import type { RegisterCommand } from "../context.js";
import { PACKAGE } from "../package-info.js";

/**
 * `campaignctl version [--format json]`: the version of campaignctl and of the Node.js running it
 * (what a bug report needs). `--version` prints the bare version number.
 */
export const register: RegisterCommand = (program, run) => {
  program
    .command("version")
    .description("print the campaignctl version, the Node.js version and the platform")
    .addOption(new Option("--format <format>", "output format (json: formatVersion 1, see README)").choices(["text", "json"]).default("text"))
    .action(
      run(async (ctx, opts: { format: "text" | "json" }) => {
        const node = process.versions.node;
        const platform = `${process.platform}_${process.arch}`;
        if (opts.format === "json") {
          ctx.io.stdout.write(`${JSON.stringify({ formatVersion: 1, version: PACKAGE.version, node, platform }, null, 2)}\n`);
        } else {
          ctx.io.stdout.write(`campaignctl v${PACKAGE.version}\non node v${node} ${platform}\n`);
        }
        return 0;
      }),
    );
};
