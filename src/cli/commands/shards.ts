import { Option } from "commander";
import { hasErrors } from "../../core/diagnostics.js";
import { listShards, type ShardChangeCode, type ShardListing } from "../../engine/shards.js";
import type { RegisterCommand } from "../context.js";
import { displayFile, renderText } from "../render/diagnostics.js";

const FORMATS = ["text", "json"] as const;
type Format = (typeof FORMATS)[number];

const REASON_WORDS: Record<ShardChangeCode, string> = {
  IN_SHARD: "a file in the shard changed",
  USES_FILE: "a file it uses changed",
  DOES_NOT_LOAD: "it does not load (its job reports the errors)",
};

/**
 * `campaignctl shards`: the shard directories below a root (each holding a campaignctl.yaml) and, with
 * --changed, only those a change touched — for a GitHub matrix (README "Shards: many clients").
 * Exit 1 on an error (names that collide, one provider account in two shards).
 */
export const register: RegisterCommand = (program, run) => {
  program
    .command("shards")
    .description("list the shard directories (each with its own campaignctl.yaml) below a root, or only those a change touched")
    .option("--root <dir>", "directory to search (default: the working directory)")
    .option("--changed <gitref>", "only shards with a file changed since GITREF (merge base with HEAD), shared files they use included")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("text"))
    .action(
      run(async (ctx, opts: { root?: string; changed?: string; format: Format }) => {
        const { io, global } = ctx;
        const listing = await listShards({
          cwd: io.cwd,
          ...(opts.root === undefined ? {} : { root: opts.root }),
          ...(opts.changed === undefined ? {} : { changed: opts.changed }),
          env: io.env,
          ...(io.redactor ? { redactor: io.redactor } : {}),
        });
        io.stdout.write(opts.format === "json" ? renderJson(listing, io.cwd) : renderShardText(listing));
        const problems = renderText(listing.diagnostics, { cwd: io.cwd, color: global.color });
        if (problems !== "" && (!global.quiet || hasErrors(listing.diagnostics))) io.stderr.write(problems);
        if (!global.quiet && opts.format === "text") io.stderr.write(`${summary(listing)}\n`);
        return hasErrors(listing.diagnostics) ? 1 : 0;
      }),
    );
};

function summary(l: ShardListing): string {
  if (l.changed) return `${l.shards.length} of ${l.total} shard(s) changed since ${l.changed.ref} (${l.changed.base.slice(0, 12)}; ${l.changed.files} file(s) changed)`;
  return l.total === 0 ? `no ${"campaignctl.yaml"} below ${l.root}` : `${l.total} shard(s)`;
}

/** One shard directory per line (relative to the root); with --changed, why after a tab. */
function renderShardText(l: ShardListing): string {
  const lines = l.shards.map((s) => (s.reasons ? `${s.dir}\t${s.reasons.map((r) => REASON_WORDS[r]).join("; ")}` : s.dir));
  for (const dir of l.removed) lines.push(`${dir}\tremoved (its campaignctl.yaml was deleted; its campaigns are no longer managed)`);
  return lines.map((line) => `${line}\n`).join("");
}

function renderJson(l: ShardListing, cwd: string): string {
  const doc = {
    formatVersion: l.formatVersion,
    root: displayFile(l.root, cwd),
    changed: l.changed ?? null,
    total: l.total,
    count: l.shards.length,
    shards: l.shards.map((s) => ({
      dir: s.dir,
      name: s.name,
      environment: s.environment,
      concurrency: s.environment,
      loads: s.loads,
      reasons: s.reasons ?? null,
      changedFiles: s.changedFiles ?? null,
      changedCount: s.changedCount ?? null,
    })),
    removed: l.removed,
    matrix: l.matrix,
    batches: l.batches,
    diagnostics: l.diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, file: displayFile(d.file, cwd) ?? null, line: d.line ?? null })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
