import { existsSync } from "node:fs";
import { link, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Option } from "commander";
import { yamlLib } from "../../config/yaml-lib.js";
import { hasErrors, type Diagnostic } from "../../core/diagnostics.js";
import { isJsonObject, type JsonObject } from "../../core/json.js";
import { adoptableByName } from "../../core/lifecycle.js";
import { addressOf, type Address, type ResourceDecl, type ProviderId, type StateDocument, type StateEntry, type Workspace } from "../../core/types.js";
import { checkCampaignText, CONFIG_FILE_NAME, DEFAULT_CAMPAIGNS_DIR, loadWorkspace } from "../../config/index.js";
import { baseName, importedSpec, PACKAGE_CAMPAIGN_SCHEMA, renderResourceFile, uniqueName } from "../../engine/import.js";
import { accountKey, closeSessions, openSessions, sessionForKind, timeLimits, type AccountSession, type KindSession } from "../../engine/session.js";
import { mergeLive } from "../../providers/mapping.js";
import type { LiveResource } from "../../providers/types.js";
import { catalog, findProvider, providers } from "../../providers/registry.js";
import type { KindModule, ProviderModule } from "../../providers/types.js";
import { StateLockedError } from "../../state/state-file.js";
import { asUserError, backendOf, StateConflictError, withBackendLock } from "../../state/backend.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { httpEvents, withProviderErrors } from "../pipeline.js";
import { renderText } from "../render/diagnostics.js";

/**
 * `campaignctl import --provider P [--account A] (--id ID... | --all) [--dir DIR]` (docs/design.md §6):
 * read live Puffle / Altur campaigns through a read-only session, write one campaign file per
 * campaign (only what a user can manage, provider defaults left out, never over an existing file,
 * each file validated like `campaignctl validate` before it is written) and record the ids in state
 * with applied = the imported spec, so that the next plan is empty.
 */

export interface ImportOptions {
  provider: string;
  account: string;
  id?: string[];
  all?: boolean;
  dir?: string;
  format?: "text" | "json";
}

/** A path as the user would type it: relative to the current directory when it lies below it. */
function shown(ctx: CommandContext, file: string): string {
  const rel = relative(ctx.io.cwd, file);
  return (rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? file : rel).split(sep).join("/");
}

/** The real path of `path`, resolving its nearest existing ancestor (the rest does not exist yet). */
async function realpathOfExisting(path: string): Promise<string> {
  let head = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      rest.push(basename(head));
      head = parent;
    }
  }
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The kind `import` reads for a provider: its primary kind (`<provider>/<account>/<name>`). */
function importedKind(module: ProviderModule): KindModule | undefined {
  return module.kinds.find((k) => k.short === undefined);
}

function canImport(module: ProviderModule): boolean {
  const kind = importedKind(module);
  return kind !== undefined && kind.capabilities.readable && kind.importRules !== undefined;
}

const importable = () => providers().filter(canImport);

/** " (Extrovert has no read API: use `campaignctl state adopt`)" for the providers import cannot read. */
function unimportableNote(): string {
  const others = providers().filter((p) => !canImport(p));
  return others.length === 0 ? "" : ` (${others.map((p) => p.displayName).join(", ")} ${others.length === 1 ? "has" : "have"} no read API: use \`campaignctl state adopt\`)`;
}

function parseProvider(raw: string): ProviderId {
  const name = raw.trim().toLowerCase();
  if (!findProvider(name)) {
    const readable = providers().filter(canImport).map((p) => p.id);
    const unreadable = providers().filter((p) => !canImport(p)).map((p) => p.id);
    throw new CliError(
      `unknown --provider ${JSON.stringify(raw)}; import reads ${readable.join(" or ")}${unreadable.length > 0 ? ` (${unreadable.join(", ")} ${unreadable.length === 1 ? "has" : "have"} no read API)` : ""}`,
    );
  }
  return name;
}

/**
 * The workspace, validated like every other command; a campaigns directory that does not exist yet
 * is created (importing into an empty workspace is how one starts).
 */
async function loadImportWorkspace(ctx: CommandContext): Promise<Workspace> {
  const opts = { cwd: ctx.io.cwd, env: ctx.io.env, ...(ctx.io.redactor ? { redactor: ctx.io.redactor } : {}), ...(ctx.global.config === undefined ? {} : { configPath: ctx.global.config }) };
  let result = await loadWorkspace(opts);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (!result.workspace && errors.length > 0 && errors.every((d) => d.code === "CAMPAIGNS_DIR_NOT_FOUND")) {
    const configFile = resolve(ctx.io.cwd, ctx.global.config ?? CONFIG_FILE_NAME);
    const config: unknown = yamlLib().parse(await readFile(configFile, "utf8"));
    const setting = isJsonObject(config) && typeof config.campaignsDir === "string" ? config.campaignsDir : DEFAULT_CAMPAIGNS_DIR;
    await mkdir(resolve(dirname(configFile), setting), { recursive: true });
    result = await loadWorkspace(opts);
  }
  // An empty campaigns directory is the normal starting point of an import: no warning for it.
  const diagnostics = result.diagnostics.filter((d) => d.code !== "NO_CAMPAIGNS");
  const shownDiags = ctx.global.quiet ? diagnostics.filter((d) => d.severity === "error") : diagnostics;
  if (shownDiags.length > 0) ctx.io.stderr.write(renderText(shownDiags, { cwd: ctx.io.cwd }));
  if (hasErrors(diagnostics) || !result.workspace) {
    const n = diagnostics.filter((d) => d.severity === "error").length;
    throw new CliError(`the workspace has ${n} error${n === 1 ? "" : "s"}; fix them (see \`campaignctl validate\`) before importing`);
  }
  return result.workspace;
}

/**
 * Write `text` to `file` atomically and only if `file` does not exist: a temp file is hard-linked to
 * the target (link fails when the target exists, and never exposes a half-written file).
 */
export async function writeNewFile(file: string, text: string): Promise<"written" | "exists"> {
  if (existsSync(file)) return "exists";
  const tmp = join(dirname(file), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.import.tmp`);
  await writeFile(tmp, text, { encoding: "utf8", mode: 0o644, flag: "wx" });
  try {
    await link(tmp, file);
    return "written";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return "exists";
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EXDEV") throw err;
    // File systems without hard links: exclusive create (still never overwrites).
    try {
      await writeFile(file, text, { encoding: "utf8", mode: 0o644, flag: "wx" });
      return "written";
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === "EEXIST") return "exists";
      throw inner;
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The schema reference for the written files: the workspace's schemas/ when it has one, else this package's. */
function schemaFileFor(workspace: Workspace): string {
  const local = join(workspace.rootDir, "schemas", "campaign.schema.json");
  return existsSync(local) ? local : fileURLToPath(PACKAGE_CAMPAIGN_SCHEMA);
}

function schemaRefFrom(dir: string, schemaFile: string): string {
  const rel = relative(dir, schemaFile).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

interface Candidate {
  live: LiveResource;
  /** Why it is not imported (already managed, declared). */
  managedAs?: string;
}

function displayNameOf(session: KindSession, live: LiveResource): string {
  const v = live.spec[session.kind.capabilities.nameField];
  return typeof v === "string" ? v : "";
}

function describe(session: KindSession, live: LiveResource): string {
  const name = displayNameOf(session, live);
  return `${session.kind.displayName} campaign ${live.id}${name === "" ? "" : ` ${JSON.stringify(name)}`}`;
}

/** Which live campaigns to import; everything already managed is marked with the address that manages it. */
function select(ctx: CommandContext, workspace: Workspace, state: StateDocument, session: KindSession, listed: LiveResource[], opts: ImportOptions): Candidate[] {
  const { provider, name: account } = session.account;
  const boundTo = new Map<string, Address>();
  for (const [address, e] of Object.entries(state.campaigns)) if (e.provider === provider && e.account === account) boundTo.set(e.id, address);
  const nameField = session.kind.capabilities.nameField;
  // Declared in Git (as this kind), not in state yet: the next plan adopts the live campaign with exactly
  // that name when the refresh would (core/lifecycle.ts adoptableByName: archived ones only when the file
  // asks for archived: true).
  const declaredByName = new Map<string, ResourceDecl>();
  for (const d of workspace.campaigns) {
    if (d.provider !== provider || d.account !== account || d.kind !== session.kind.kind || state.campaigns[d.address]) continue;
    const n = d.spec[nameField];
    if (typeof n === "string" && !declaredByName.has(n)) declaredByName.set(n, d);
  }
  const managedAs = (live: LiveResource): string | undefined => {
    const bound = boundTo.get(live.id);
    if (bound) return `already managed as ${bound} (recorded in ${shown(ctx, workspace.stateFile)})`;
    const declared = declaredByName.get(displayNameOf(session, live));
    if (declared && adoptableByName(session.kind.capabilities, declared.spec, live)) {
      return `already declared as ${declared.address} in ${shown(ctx, declared.source.file)} (the next plan adopts it by its exact name)`;
    }
    return undefined;
  };

  if (opts.all) return listed.map((live) => ({ live, ...(managedAs(live) ? { managedAs: managedAs(live) as string } : {}) }));

  const ids = [...new Set((opts.id ?? []).map((i) => i.trim()).filter((i) => i !== ""))];
  if (ids.length === 0) throw new CliError("--id needs at least one campaign id");
  const byId = new Map(listed.map((c) => [c.id, c]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    const known = listed.slice(0, 10).map((c) => `${c.id} ${JSON.stringify(displayNameOf(session, c))}`);
    const more = listed.length > 10 ? `, … (${listed.length} in all)` : "";
    const hint = listed.length === 0 ? "the account has no campaigns" : `its campaigns: ${known.join(", ")}${more}`;
    throw new CliError(
      `${session.kind.displayName} account ${account} has no campaign with id ${unknown.map((u) => JSON.stringify(u)).join(", ")}; ${hint}. Nothing was imported.`,
    );
  }
  const selected = ids.map((id) => byId.get(id) as LiveResource);
  const refused = selected.map((live) => [live, managedAs(live)] as const).filter(([, why]) => why !== undefined);
  if (refused.length > 0) {
    const lines = refused.map(([live, why]) => `${describe(session, live)} is ${why}`);
    throw new CliError(`${lines.join("; ")}. Nothing was imported (run \`campaignctl state forget ADDRESS\` first to import it again under a new file).`);
  }
  return selected.map((live) => ({ live }));
}

interface Written {
  address: Address;
  id: string;
  file: string;
  spec: JsonObject;
  live: LiveResource;
}

async function runImport(ctx: CommandContext, opts: ImportOptions): Promise<number> {
  const provider = parseProvider(opts.provider);
  const module = importedKind(findProvider(provider) as ProviderModule);
  const rules = module?.importRules;
  if (!module || !module.capabilities.readable || !rules) {
    throw new CliError(
      `${module?.displayName ?? provider} has no read API, so campaignctl cannot import its campaigns. Write the campaign file yourself, then bind it to the existing campaign with \`campaignctl state adopt ${provider}/${opts.account}/NAME --id ID\` (the id is in ${module?.displayName ?? provider}'s dashboard).`,
    );
  }
  if (opts.all && opts.id) throw new CliError("pass either --id ID... or --all, not both");
  if (!opts.all && !opts.id) throw new CliError("say which campaigns to import: --id ID... (one or more) or --all");

  const workspace = await loadImportWorkspace(ctx);
  const key = accountKey(provider, opts.account);
  if (!workspace.accounts.some((a) => accountKey(a.provider, a.name) === key)) {
    const configured = workspace.accounts.filter((a) => a.provider === provider).map((a) => a.name);
    const known = configured.length > 0 ? `configured ${module.displayName} accounts: ${configured.join(", ")}` : `it configures no ${module.displayName} account`;
    throw new CliError(`no ${provider} account named "${opts.account}" in ${shown(ctx, workspace.configFile)}; ${known}`);
  }
  const dir = opts.dir === undefined ? workspace.campaignsDir : resolve(ctx.io.cwd, opts.dir);
  // Symlinks resolved before the check: `--dir campaigns/link` with link -> /elsewhere is outside.
  if (!within(dir, workspace.campaignsDir) || !within(await realpathOfExisting(dir), await realpathOfExisting(workspace.campaignsDir))) {
    throw new CliError(
      `--dir ${shown(ctx, dir)} is outside the workspace's campaigns directory ${shown(ctx, workspace.campaignsDir)}: plan and apply read campaign files only there, so imported campaigns would be recorded in state without a file (orphans that \`apply --prune\` retires). Use a folder inside ${shown(ctx, workspace.campaignsDir)}.`,
    );
  }
  const schemaFile = schemaFileFor(workspace);

  const sessions = await openSessions(workspace, [key], { readOnly: true, env: ctx.io.env, ...timeLimits(ctx.global), ...httpEvents(ctx) });
  const session = sessionForKind(sessions.get(key) as AccountSession, module.kind);
  const client = session.client;
  if (!client.list || !client.get) throw new CliError(`${module.displayName} cannot be read: nothing to import`);
  const list = client.list.bind(client);
  const get = client.get.bind(client);

  let failed = 0;
  let skippedFiles = 0;
  const written: Written[] = [];
  // For --format json: every campaign looked at, and what became of it.
  const skippedList: { id: string; name: string; reason: string }[] = [];
  const failedList: { id: string; name: string; reason: string }[] = [];
  const err = (line: string) => ctx.io.stderr.write(`${line}\n`);
  try {
    const backend = await backendOf(workspace, ctx.io.env);
    await withBackendLock(backend, async () => {
      const state = await backend.read(catalog).catch((e: unknown) => {
        throw asUserError(e);
      });
      const listed = await withProviderErrors(list, workspace);
      const candidates = select(ctx, workspace, state, session, listed, opts);
      const managed = candidates.filter((c) => c.managedAs !== undefined);
      for (const c of managed) {
        skippedList.push({ id: c.live.id, name: displayNameOf(session, c.live), reason: c.managedAs as string });
        if (!ctx.global.quiet) err(`skipped ${describe(session, c.live)}: ${c.managedAs}`);
      }
      const todo = candidates
        .filter((c) => c.managedAs === undefined)
        .map((c) => c.live)
        .sort((a, b) => displayNameOf(session, a).localeCompare(displayNameOf(session, b)) || a.id.localeCompare(b.id));
      if (todo.length === 0) {
        if (!ctx.global.quiet) {
          err(
            listed.length === 0
              ? `${module.displayName} account ${opts.account} has no campaigns: nothing to import.`
              : `Nothing to import: every ${module.displayName} campaign of account ${opts.account} is already managed.`,
          );
        }
        return;
      }

      // Every manageable field: a detail read per campaign (list items lack some fields).
      const details = await withProviderErrors(() => Promise.all(todo.map((live) => get(live.id))), workspace);

      await mkdir(dir, { recursive: true });
      const addresses = new Set<string>([...workspace.campaigns.map((c) => c.address), ...Object.keys(state.campaigns)]);
      const used = new Set<string>();
      const taken = (name: string) =>
        used.has(name) || addresses.has(addressOf(provider, opts.account, name, module.short)) || existsSync(join(dir, `${name}.yaml`)) || existsSync(join(dir, `${name}.yml`));

      for (const [i, listedLive] of todo.entries()) {
        const detail = details[i];
        // Both views together: the list item carries what the detail lacks (Altur: status, retries, ...).
        const live = detail ? mergeLive(listedLive, detail) : undefined;
        if (!live) {
          failed += 1;
          failedList.push({ id: listedLive.id, name: displayNameOf(session, listedLive), reason: "disappeared while importing (the provider answered 404)" });
          err(`error: ${describe(session, listedLive)} disappeared while importing (the provider answered 404); nothing written for it`);
          continue;
        }
        const { spec, notes } = importedSpec(module, live, rules);
        const name = uniqueName(baseName(spec[module.capabilities.nameField], provider, live.id), taken);
        used.add(name);
        const file = join(dir, `${name}.yaml`);
        const comments = [`Imported by \`campaignctl import\` from ${module.displayName} campaign ${live.id} (account ${opts.account}).`, ...notes];
        const text = renderResourceFile({ schemaRef: schemaRefFrom(dir, schemaFile), comments, kind: module.kind, name, account: opts.account, spec });
        // The same checks as `campaignctl validate`, on the exact text about to be written.
        const check = checkCampaignText(text, file);
        const problems: Diagnostic[] = check.diagnostics;
        if (!check.decl || hasErrors(problems)) {
          failed += 1;
          failedList.push({ id: live.id, name: displayNameOf(session, live), reason: `does not make a valid campaign file: ${problems.filter((d) => d.severity === "error").map((d) => d.message).join("; ")}` });
          err(`error: ${describe(session, live)} does not make a valid campaign file, so it was not imported:`);
          ctx.io.stderr.write(renderText(problems, { cwd: ctx.io.cwd }).replace(/^/gm, "  "));
          continue;
        }
        if (problems.length > 0 && !ctx.global.quiet) ctx.io.stderr.write(renderText(problems, { cwd: ctx.io.cwd }));
        const outcome = await writeNewFile(file, text).catch((e: unknown) => {
          throw new CliError(`cannot write ${shown(ctx, file)}: ${(e as Error).message}`);
        });
        if (outcome === "exists") {
          skippedFiles += 1;
          skippedList.push({ id: live.id, name: displayNameOf(session, live), reason: `${shown(ctx, file)} already exists and is never overwritten` });
          err(`skipped ${describe(session, live)}: ${shown(ctx, file)} already exists and is never overwritten`);
          continue;
        }
        written.push({ address: check.decl.address, id: live.id, file, spec, live });
      }

      if (written.length === 0) return;
      const appliedAt = new Date().toISOString();
      const campaigns: Record<Address, StateEntry> = { ...state.campaigns };
      for (const w of written) {
        // The status this import read: the next refresh skips the reads it makes pointless (issue 30).
        campaigns[w.address] = { provider, account: opts.account, kind: module.kind, id: w.id, appliedAt, applied: w.spec, ...(w.live.status === undefined ? {} : { observed: { status: w.live.status } }) };
      }
      await backend.write({ ...state, campaigns }, catalog);
    });
  } catch (e) {
    if (e instanceof StateLockedError || e instanceof StateConflictError || (e instanceof Error && e.name === "StateLockedError")) throw new CliError(e.message);
    throw e;
  } finally {
    closeSessions(sessions);
  }

  const code = failed > 0 || skippedFiles > 0 ? 1 : 0;
  if (opts.format === "json") {
    const doc = {
      formatVersion: 1,
      provider,
      account: opts.account,
      exitCode: code,
      imported: written.map((w) => ({ address: w.address, id: w.id, file: shown(ctx, w.file), name: displayNameOf(session, w.live) })),
      skipped: skippedList,
      failed: failedList,
    };
    ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    if (code !== 0) err(`import incomplete: ${failed} failed, ${skippedFiles} skipped because the file exists (see above)`);
    return code;
  }
  if (written.length > 0) {
    const rows = written.map((w) => [w.address, w.id, shown(ctx, w.file), JSON.stringify(displayNameOf(session, w.live))]);
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
    const lines = rows.map((r) => `  ${r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell)).join("  ")}`);
    ctx.io.stdout.write(
      `Imported ${written.length} ${module.displayName} campaign${written.length === 1 ? "" : "s"} (account ${opts.account}):\n${lines.join("\n")}\n` +
        `Recorded in ${shown(ctx, workspace.stateFile)}: \`campaignctl plan\` now shows no changes for ${written.length === 1 ? "it" : "them"}. Commit the files and the state file.\n`,
    );
  }
  if (failed > 0 || skippedFiles > 0) {
    const parts = [failed > 0 ? `${failed} failed` : "", skippedFiles > 0 ? `${skippedFiles} skipped because the file exists` : ""].filter(Boolean);
    err(`import incomplete: ${parts.join(", ")} (see above)`);
    return 1;
  }
  return 0;
}

export const register: RegisterCommand = (program, run) => {
  program
    .command("import")
    .description(`write campaign files from live ${importable().map((p) => p.displayName).join(" or ")} campaigns and record them in state (read-only towards the provider)`)
    .requiredOption("--provider <provider>", `${importable().map((p) => p.id).join(" or ")}${unimportableNote()}`)
    .option("--account <name>", "provider account from campaignctl.yaml", "default")
    .option("--id <id...>", "import these campaign ids (repeatable)")
    .option("--all", "import every campaign of the account that campaignctl does not manage yet")
    .addOption(new Option("--format <format>", "output format of the result (json: formatVersion 1, see README)").choices(["text", "json"]).default("text"))
    .option("--dir <dir>", "write the files here (inside campaignsDir; default: campaignsDir itself; relative to the current directory)")
    .addHelpText(
      "after",
      "\nEach file is named after a slug of the campaign's name (q2-reactivation.yaml; -2, -3 … when taken),\n" +
        "holds only the fields you can manage (provider defaults and empty values left out) and passes\n" +
        "`campaignctl validate`. Existing files are never overwritten. The ids are recorded in the state file,\n" +
        "so the next `campaignctl plan` shows no changes for them.\n" +
        "Exit codes: 0 everything imported (or already managed), 1 an error, or a campaign skipped or failed.",
    )
    .action(run(async (ctx, opts: ImportOptions) => runImport(ctx, opts)));
};
