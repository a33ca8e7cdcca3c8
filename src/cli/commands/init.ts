import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProviderId } from "../../core/types.js";
import { findShardDirs, placeShard } from "../../engine/shards.js";
import { defaultApiKeyEnv, providerById, providerIds } from "../../providers/registry.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { actionRef, PACKAGE, PACKAGE_ROOT, releaseTarballUrl } from "../package-info.js";

/**
 * `campaignctl init [DIR]`: writes a new campaigns repository that uses campaignctl as a dependency
 * (this version's release tarball: README, Install): package.json, campaignctl.yaml, one example campaign
 * per chosen provider, .gitignore, .github/dependabot.yml, and three short workflows that `uses:` the
 * campaignctl action (action.yml) pinned to this version — the very workflows campaignctl's own repository
 * runs with `uses: ./`, shipped in the package. No scripts are copied: an upgrade is a version bump.
 * Never overwrites a file unless --force, and even then only the workflows and dependabot.yml (the files
 * init owns), never the campaigns, the config or package.json. In a repository with shards (README "Shards:
 * many clients") the workflows are templates/shards/ (one job per shard) and no workspace is written at the root.
 */

/** From the package, with `uses: ./` pinned to this version's action. */
const WORKFLOW_NAMES = ["plan.yml", "apply.yml", "drift.yml"];
const WORKFLOWS = WORKFLOW_NAMES.map((f) => `.github/workflows/${f}`);
/** The workflows of a repository with shards (README "Shards: many clients"), shipped in the package, `uses: ./` pinned like the others. */
const SHARD_TEMPLATES = "templates/shards/";
const DEPENDABOT = ".github/dependabot.yml";
/** What --force may overwrite: the plumbing init owns; everything else is the user's. */
const OWNED = new Set([...WORKFLOWS, DEPENDABOT]);

const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*$/m;

interface InitOptions {
  providers?: string;
  force?: boolean;
  shard?: string;
}

/** The `$schema` reference from a file at `file` (relative to the repository root) to one of the installed package's schemas. */
export function schemaRef(file: string, schema: string): string {
  return posix.relative(posix.dirname(file), `node_modules/campaignctl/schemas/${schema}`);
}

function parseProviders(list: string | undefined): ProviderId[] {
  const ids = providerIds();
  if (list === undefined) return [...ids];
  const names = list
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
  if (names.length === 0) throw new CliError(`--providers needs at least one of ${ids.join(", ")}`);
  const unknown = names.filter((n) => !ids.includes(n));
  if (unknown.length > 0) {
    throw new CliError(`--providers: unknown provider ${unknown.map((u) => JSON.stringify(u)).join(", ")} (choose from ${ids.join(", ")})`);
  }
  return ids.filter((p) => names.includes(p));
}

/** An npm package name from a directory name (lower case, URL-safe), or "campaigns". */
function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
  return name === "" ? "campaigns" : name.slice(0, 214);
}

function packageJson(dir: string): string {
  const pkg = {
    name: packageName(dir),
    private: true,
    description: "Outreach campaigns as code, managed with campaignctl",
    scripts: {
      validate: "campaignctl validate",
      plan: "campaignctl plan",
      apply: "campaignctl apply",
      drift: "campaignctl drift",
    },
    // Not on the npm registry yet: the release tarball (built by `npm pack`, so it carries dist/). Once a
    // registry release exists, this becomes the plain version and nothing else changes.
    dependencies: { [PACKAGE.name]: releaseTarballUrl() },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function workspaceConfig(providers: readonly ProviderId[], shard?: { file: string; environment: string }): string {
  const lines = [
    `# yaml-language-server: $schema=${schemaRef(shard?.file ?? "campaignctl.yaml", "campaignctl.schema.json")}`,
    "# Workspace config for campaignctl: one account per provider, production URLs (no baseUrl).",
    "# API keys come from the environment variables named below, never from this file (in GitHub",
    ...(shard
      ? [
          `# Actions: secrets of the environment ${shard.environment}, which holds this shard's keys only).`,
          "# One provider account belongs to one shard. Reference: node_modules/campaignctl/README.md, Shards.",
        ]
      : ["# Actions: secrets of the same names). Reference: node_modules/campaignctl/README.md, File formats."]),
    "apiVersion: campaignctl/v1",
    "campaignsDir: campaigns",
    "stateFile: campaignctl.state.json",
    "accounts:",
  ];
  for (const p of providers) {
    lines.push(`  - provider: ${p}`, "    name: default", `    apiKeyEnv: ${defaultApiKeyEnv(p)}`);
  }
  lines.push("safety:", "  maxChangePercent: 30", "  minManagedForThreshold: 10", "");
  return lines.join("\n");
}

const GITIGNORE = `node_modules/
# Written by the workflows and by local runs of \`campaignctl plan --out\` / \`drift --out\`
plan.json
plan.md
plan.err
drift.json
drift.md
drift.err
*.tmp
.campaignctl-*.tmp
# campaignctl.state.json (and campaignctl.state.d/, the parts of a large state) are NOT ignored: commit them (the apply workflow does).
`;

/** A workflow of campaignctl's own repository (`uses: ./`) as a campaigns repository runs it: the action of this version. */
export function pinAction(workflow: string): string {
  return workflow.replace(/^(\s*(?:- )?uses: )\.\/\s*$/gm, `$1${actionRef()}`);
}

const DEPENDABOT_YML = `# Written by \`campaignctl init\`: Dependabot proposes a pull request when a new campaignctl action
# (uses: ${PACKAGE.repository}@vX.Y.Z) or a new release of actions/checkout is out. With it, bump the
# campaignctl dependency in package.json to the same release (its tarball URL), then npm install.
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
`;

async function exampleCampaign(file: string, target = file): Promise<string> {
  const source = new URL(file, PACKAGE_ROOT);
  // The package's audience files stay with the package: the written example starts without an audience.
  const text = (await readFile(source, "utf8")).replace(/\naudience:.*(\n[ #].*)*\n?$/, "\n");
  const header = [
    `# yaml-language-server: $schema=${schemaRef(target, "campaign.schema.json")}`,
    "# An example written by `campaignctl init`: replace the ids with your own account's (or bring your",
    "# existing campaigns in with `campaignctl import`) and delete what you do not need.",
  ].join("\n");
  return SCHEMA_LINE.test(text) ? text.replace(SCHEMA_LINE, header) : `${header}\n${text}`;
}

/** The shard directories below DIR (relative), when DIR is a repository with shards: shards below it and no workspace at its root. */
async function shardsBelow(dir: string): Promise<string[]> {
  if (!existsSync(dir) || existsSync(join(dir, "campaignctl.yaml"))) return [];
  return (await findShardDirs(dir)).map((d) => relative(dir, d).split(/[\\/]/).join("/"));
}

/**
 * Every file init writes: path relative to DIR → content. In a repository with shards (`shards` not empty)
 * no workspace at the root (it would hold the shards): package.json, .gitignore, the shard workflows.
 */
async function filesToWrite(dir: string, providers: readonly ProviderId[], shards: readonly string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set("package.json", packageJson(dir));
  if (shards.length === 0) files.set("campaignctl.yaml", workspaceConfig(providers));
  files.set(".gitignore", GITIGNORE);
  if (shards.length === 0) {
    for (const p of providers) {
      for (const example of providerById(p).examples) {
        const file = `campaigns/${example}`;
        files.set(file, await exampleCampaign(file));
      }
    }
    for (const wf of WORKFLOWS) files.set(wf, pinAction(await readFile(new URL(wf, PACKAGE_ROOT), "utf8")));
  } else {
    for (const [path, text] of await shardWorkflowFiles()) files.set(path, text);
  }
  files.set(DEPENDABOT, DEPENDABOT_YML);
  return files;
}

function nextSteps(dir: string, cwd: string, providers: readonly ProviderId[]): string {
  const rel = relative(cwd, dir).startsWith("..") ? dir : relative(cwd, dir);
  const readKeys = providers.filter((p) => providerById(p).kinds.some((k) => k.capabilities.readable)).map((p) => defaultApiKeyEnv(p));
  const writeOnly = providers.filter((p) => !providerById(p).kinds.some((k) => k.capabilities.readable)).map((p) => defaultApiKeyEnv(p));
  return [
    "",
    "Next steps:",
    ...(rel === "" ? [] : [`  cd ${rel.includes(" ") ? JSON.stringify(rel) : rel}`]),
    `  npm install                  # installs campaignctl ${PACKAGE.version} (release tarball); commit package-lock.json (the workflows run npm ci)`,
    "  npx campaignctl validate     # offline checks of campaignctl.yaml and campaigns/",
    ...(readKeys.length > 0 ? [`  export ${readKeys.map((k) => `${k}=…`).join(" ")}`] : []),
    "  npx campaignctl plan         # what apply would change (read-only)",
    "  git init && git add -A && git commit -m 'campaigns as code'",
    "",
    "On GitHub: the workflows use the campaignctl action " + actionRef() + ". Add the read keys as repository secrets",
    `(plan and drift${writeOnly.length > 0 ? `, which never get ${writeOnly.join(", ")}` : ""}) and all keys (` + providers.map((p) => defaultApiKeyEnv(p)).join(", ") + ") as secrets of",
    "the environment campaignctl-production (apply only; deployment branch main; reviewers if a person approves).",
    `See campaignctl's README, "Start a campaigns repository".`,
    "",
  ].join("\n");
}

/** The files of a new shard (`init --shard DIR`), relative to the repository root: its config and examples. */
async function shardFiles(dir: string, environment: string, providers: readonly ProviderId[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const file = `${dir}/campaignctl.yaml`;
  files.set(file, workspaceConfig(providers, { file, environment }));
  for (const p of providers) {
    for (const example of providerById(p).examples) {
      const source = `campaigns/${example}`;
      const target = `${dir}/${source}`;
      files.set(target, await exampleCampaign(source, target));
    }
  }
  return files;
}

/**
 * The workflows of a repository with shards (docs/design.md §18), relative to the repository root: the same
 * three files for every shard — each job list comes from `campaignctl shards` at run time (a matrix over the
 * shards JSON), so adding a shard changes no workflow. From the package's templates/shards/, pinned.
 */
async function shardWorkflowFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of WORKFLOW_NAMES) files.set(`.github/workflows/${name}`, pinAction(await readFile(new URL(SHARD_TEMPLATES + name, PACKAGE_ROOT), "utf8")));
  return files;
}

async function initShard(ctx: CommandContext, dirArg: string, providers: readonly ProviderId[]): Promise<number> {
  const { io, global } = ctx;
  const shard = await placeShard(io.cwd, dirArg);
  const environment = `campaignctl-${shard.name}`;
  const files = await shardFiles(shard.dir, environment, providers);
  // The shard workflows serve every shard: written when missing, left alone when present (never overwritten).
  const workflows = await shardWorkflowFiles();
  const keptWorkflows: string[] = [];
  for (const [path, text] of workflows) {
    const target = join(shard.repoRoot, path);
    if (!existsSync(target)) files.set(path, text);
    else if ((await readFile(target, "utf8")) !== text) keptWorkflows.push(path);
  }
  const existing = [...files.keys()].filter((f) => existsSync(join(shard.repoRoot, f)));
  if (existing.length > 0) {
    throw new CliError(`init --shard would overwrite ${existing.length} existing file(s); nothing was written:\n${existing.map((f) => `  ${f}`).join("\n")}`);
  }
  for (const [file, text] of files) {
    const path = join(shard.repoRoot, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { flag: "wx" });
  }
  if (!global.quiet) {
    io.stdout.write(`Added the shard ${shard.dir} (${providers.join(", ")}) to ${shard.repoRoot}:\n`);
    for (const f of files.keys()) io.stdout.write(`  ${f}\n`);
    const keys = providers.map((p) => defaultApiKeyEnv(p)).join(", ");
    io.stdout.write(
      [
        "",
        "Next steps:",
        `  npx campaignctl --chdir ${shard.dir} validate`,
        `  On GitHub: create the environment ${environment} (Settings → Environments) with this client's keys`,
        `  as its secrets (${keys}) and its required reviewers (apply); and the read keys for plan and drift as`,
        `  repository secrets ${providers.filter((p) => providerById(p).kinds.some((k) => k.capabilities.readable)).map((p) => `${defaultApiKeyEnv(p)}_${shard.name.toUpperCase().replace(/-/g, "_")}`).join(", ") || "(none: no provider here has a read API)"}.`,
        "  `campaignctl shards` lists the shard for the workflows (README: Shards: many clients).",
        ...(keptWorkflows.length > 0
          ? [
              "",
              `Kept as they are: ${keptWorkflows.join(", ")} (not the shard workflows of this version). In a repository`,
              "with shards, `campaignctl init --force` at its root replaces them with the workflows that run one job per shard.",
            ]
          : []),
        "",
      ].join("\n"),
    );
  }
  return 0;
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("init")
    .argument("[dir]", "directory of the new campaigns repository (created if missing)", ".")
    .description("write a new campaigns repository: package.json, campaignctl.yaml, example campaigns, GitHub workflows")
    .option("--providers <list>", `providers to set up, comma-separated (default: all: ${providerIds().join(",")})`)
    .option("--force", "overwrite the workflows and dependabot.yml when they exist; campaigns, campaignctl.yaml, package.json and .gitignore are kept")
    .option("--shard <dir>", "add a shard to this repository instead: DIR/campaignctl.yaml and example campaigns (never overwrites, never inside another shard)")
    .addHelpText(
      "after",
      [
        "",
        "Writes, in DIR:",
        `  package.json                  depends on campaignctl ${PACKAGE.version} (its release tarball) and nothing else`,
        `  campaignctl.yaml              one account per provider; keys from ${providerIds().map(defaultApiKeyEnv).join(", ")}`,
        "  campaigns/<provider>/*.yaml   one example campaign per provider, with $schema comments for editors",
        "  .gitignore",
        `  .github/workflows/plan.yml    plan on pull request (one sticky comment), uses: ${actionRef()}`,
        "  .github/workflows/apply.yml   on merge: plan shown in the job summary, then the approved saved plan applied",
        "  .github/workflows/drift.yml   hourly drift check (one issue while drift remains)",
        "  .github/dependabot.yml        version bumps of the action",
        "  In a repository with shards (campaignctl.yaml files below DIR, none in DIR itself): no campaignctl.yaml",
        "  or campaigns/ at the root, and workflows that run one job per shard (README, Shards: many clients).",
        "",
        "Examples:",
        "  campaignctl init my-campaigns",
        "  campaignctl init --providers puffle,altur",
        "  campaignctl init --shard clients/acme        # in an existing repository: one more shard (README, Shards)",
        `  npx --yes --package=${releaseTarballUrl()} -- campaignctl init my-campaigns`,
      ].join("\n"),
    )
    .action(
      run(async (ctx, dirArg: string, opts: InitOptions) => {
        const { io, global } = ctx;
        const providers = parseProviders(opts.providers);
        if (opts.shard !== undefined) {
          if (dirArg !== ".") throw new CliError(`init --shard DIR takes no other directory (got ${JSON.stringify(dirArg)}); run it in the repository`);
          if (opts.force === true) throw new CliError("init --shard never overwrites: --force cannot be used with it");
          return initShard(ctx, opts.shard, providers);
        }
        const dir = resolve(io.cwd, dirArg);
        if (existsSync(dir) && !(await isDirectory(dir))) throw new CliError(`${dirArg} exists and is not a directory`);
        const shards = await shardsBelow(dir);
        const files = await filesToWrite(dir, providers, shards);
        const existing = [...files.keys()].filter((f) => existsSync(join(dir, f)));
        // --force refreshes only what init owns; the user's campaigns, config and package.json are kept.
        const kept = new Set(opts.force === true ? existing.filter((f) => !OWNED.has(f)) : []);
        if (existing.length > 0 && opts.force !== true) {
          throw new CliError(
            `init would overwrite ${existing.length} existing file(s) in ${dir}; nothing was written:\n` +
              existing.map((f) => `  ${f}`).join("\n") +
              "\nRun it in an empty directory, move those files away, or pass --force to overwrite the workflows and dependabot.yml (your campaigns, campaignctl.yaml, package.json and .gitignore are kept).",
          );
        }
        for (const [file, text] of files) {
          if (kept.has(file)) continue;
          const path = join(dir, file);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, text, opts.force === true ? {} : { flag: "wx" });
        }
        if (!global.quiet) {
          const overwritten = new Set(existing);
          io.stdout.write(`Wrote a campaigns repository for ${providers.join(", ")} in ${dir}:\n`);
          for (const f of files.keys()) io.stdout.write(`  ${f}${kept.has(f) ? " (kept: yours)" : overwritten.has(f) ? " (overwritten)" : ""}\n`);
          io.stdout.write(
            shards.length > 0
              ? `\nA repository with ${shards.length} shard(s) (${shards.slice(0, 5).join(", ")}${shards.length > 5 ? ", …" : ""}): no workspace at its root; the workflows run one job per shard (campaignctl's README, "Shards: many clients").\n`
              : nextSteps(dir, io.cwd, providers),
          );
        }
        return 0;
      }),
    );
};

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path)).isDirectory();
}

/** For tests: where the copied templates come from. */
export const TEMPLATE_ROOT = fileURLToPath(PACKAGE_ROOT);
