import { relative } from "node:path";
import { stringify } from "yaml";
import type { JsonObject } from "../../core/json.js";
import type { ResourceDecl } from "../../core/types.js";
import { selectAddresses } from "../../engine/targets.js";
import { emptyState } from "../../state/state-file.js";
import type { RegisterCommand } from "../context.js";
import { withProviderErrors } from "../pipeline.js";
import { loadValidWorkspace } from "../workspace.js";

/**
 * `campaignctl render [--target ADDR|GLOB]...`: the campaign documents plan sees, as YAML — a CampaignSet
 * expanded into one document per instance (docs/design.md §13). Offline; exit 1 when the workspace has errors.
 */
export const register: RegisterCommand = (program, run) => {
  program
    .command("render")
    .description("print the campaign documents plan sees (CampaignSets expanded), as YAML")
    .option("--target <address...>", "only these addresses or globs (repeatable), e.g. puffle/default/cto-outreach-*")
    .action(
      run(async (ctx, opts: { target?: string[] }) => {
        const workspace = await loadValidWorkspace(ctx);
        const selected = await withProviderErrors(async () => selectAddresses(workspace, emptyState(), opts.target, undefined));
        const wanted = selected ? new Set(selected) : undefined;
        const decls = workspace.campaigns.filter((d) => wanted === undefined || wanted.has(d.address)).sort((a, b) => a.address.localeCompare(b.address));
        ctx.io.stdout.write(decls.map((d) => renderDocument(d, ctx.io.cwd)).join(""));
        return 0;
      }),
    );
};

/** One document: where it comes from (a comment), then the campaign as a campaign file would declare it. */
export function renderDocument(decl: ResourceDecl, cwd: string): string {
  const file = relative(cwd, decl.source.file) || decl.source.file;
  const document: JsonObject = {
    apiVersion: "campaignctl/v1",
    kind: decl.kind,
    metadata: { name: decl.name, account: decl.account },
    spec: decl.spec,
  };
  if (decl.audience) document.audience = { files: decl.audience.files.map((f) => f.path), ...(decl.audience.mode === "exact" ? { mode: "exact" } : {}) };
  const origin = decl.set ? `${decl.address} (set ${decl.set.name}, instance ${decl.set.instance}; ${file}:${decl.source.line})` : `${decl.address} (${file})`;
  return `---\n# ${origin}\n${stringify(document, { lineWidth: 0 })}`;
}
