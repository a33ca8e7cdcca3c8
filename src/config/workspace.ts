import { existsSync } from "node:fs";
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { Diagnostic } from "../core/diagnostics.js";
import { isJsonObject, type JsonObject } from "../core/json.js";
import { Redactor } from "../core/redact.js";
import { mapPool } from "../core/pool.js";
import { type AccountConfig, type ResourceDecl, type ProviderId, type SafetyConfig, type Workspace } from "../core/types.js";
import { findProvider, kindModule, kindModuleOf, providerById } from "../providers/registry.js";
import { loadAudience, onePerSharedFile, type AudienceReference } from "./audience.js";
import { CAMPAIGN_SET_KIND, checkCampaignSet, isCampaignSet, labelFor } from "./campaign-set.js";
import { checkCampaignText, DEFAULT_ACCOUNT } from "./campaign.js";
import { checkReferences } from "./references.js";
import { applySuppression, checkSuppressionList, duplicateLists, isSuppressionList, SUPPRESSION_LIST_KIND, suppressionIndex, type SuppressionListDecl } from "./suppression.js";
import { callingHoursDiagnostics, readGuardrails } from "./guardrails.js";
import { explainSchemaErrors } from "./schema-errors.js";
import { validateConfigSchema } from "./schemas.js";
import { parseMappingOnce } from "./parse.js";
import { decodeText, makeDiagnostic, parseYamlMapping, type DocPath, type Position } from "./source.js";
import { errorCode, fileTypeWords, isInside, readWorkspaceFile, reason, resolveInside } from "./files.js";

export const CONFIG_FILE_NAME = "campaignctl.yaml";
export const DEFAULT_CAMPAIGNS_DIR = "campaigns";
export const DEFAULT_STATE_FILE = "campaignctl.state.json";
export const DEFAULT_SAFETY: SafetyConfig = { maxChangePercent: 30, minManagedForThreshold: 10 };

export interface LoadWorkspaceOptions {
  /** Directory relative paths (and printed paths) start from. */
  cwd: string;
  /** --config FILE; default `<cwd>/campaignctl.yaml`. */
  configPath?: string;
  /**
   * The environment the accounts' keys are read from: each configured key is added to `redactor`,
   * and a file holding one (a key pasted by mistake) is an error that never quotes it.
   */
  env?: Record<string, string | undefined>;
  /** The run's redactor (core/redact.ts); one is made when `env` is given without it. */
  redactor?: Redactor;
}

export interface LoadWorkspaceResult {
  /** Present when nothing is wrong (warnings allowed). */
  workspace?: Workspace;
  /** Every problem found, files in sorted order; `file` is absolute. */
  diagnostics: Diagnostic[];
  /** How many campaign files were read (for summaries, also when there are errors). */
  fileCount: number;
}

const CONFIG_SHAPE = "apiVersion, campaignsDir, stateFile, backend, accounts, safety, guardrails and prune";

/**
 * Loads campaignctl.yaml and every campaign file under its campaignsDir, validating everything
 * offline: YAML, the JSON Schemas, each provider's rules and the workspace rules. Never touches the
 * network and never throws for bad input: every problem becomes a located Diagnostic.
 */
export async function loadWorkspace({ cwd, configPath, env, redactor }: LoadWorkspaceOptions): Promise<LoadWorkspaceResult> {
  const diagnostics: Diagnostic[] = [];
  const rel = (p: string): string => relative(cwd, p) || ".";
  const configFile = configPath === undefined ? findConfigUpwards(cwd) : resolve(cwd, configPath);

  // 1. The config file.
  const bytes = await readWorkspaceFile(configFile, { what: "config file" });
  if ("code" in bytes) {
    const missing = bytes.errno === "ENOENT";
    const message = missing
      ? configPath === undefined
        ? `no ${CONFIG_FILE_NAME} in ${rel(cwd) === "." ? "the current directory" : rel(cwd)} or a parent directory (up to the repository root); run \`campaignctl init\` to create a workspace, or pass --chdir DIR or --config FILE`
        : `config file ${rel(configFile)} does not exist`
      : bytes.code === "FILE_UNREADABLE"
        ? bytes.message.replace("cannot read this file", "cannot read the config file")
        : bytes.message;
    diagnostics.push(makeDiagnostic("error", missing ? "CONFIG_NOT_FOUND" : bytes.code, message, configFile));
    return { diagnostics, fileCount: 0 };
  }
  const decoded = decodeText(bytes.data, configFile);
  diagnostics.push(...decoded.diagnostics);
  if (decoded.text === undefined) return { diagnostics, fileCount: 0 };
  // Parsed once, by the fast scan when it vouches for the file (validate of a sound workspace then never loads the positional parser).
  const parsed = parseMappingOnce(decoded.text, configFile, CONFIG_SHAPE, "workspace config");
  diagnostics.push(...parsed.diagnostics);
  if (!isJsonObject(parsed.value)) return { diagnostics, fileCount: 0 };
  const config = parsed.value;
  const configAt = (path: DocPath): Position | undefined => parsed.source?.locate(path);
  const configIssues = explainSchemaErrors(validateConfigSchema(config), config);
  for (const issue of configIssues) {
    diagnostics.push(makeDiagnostic("error", issue.code, issue.message, configFile, parsed.source?.locate(issue.path, issue.target)));
  }
  const issuesUnder = (key: string): boolean => configIssues.some((i) => i.path[0] === key);

  // 2. Paths, accounts and safety, with defaults.
  const rootDir = dirname(configFile);
  const campaignsDirSetting = typeof config.campaignsDir === "string" ? config.campaignsDir : DEFAULT_CAMPAIGNS_DIR;
  const campaignsDir = resolve(rootDir, campaignsDirSetting);
  const stateFile = resolve(rootDir, typeof config.stateFile === "string" ? config.stateFile : DEFAULT_STATE_FILE);
  const accounts = readAccounts(config);
  const keys = configuredKeys(accounts, env, redactor);
  const configKey = keys.find(decoded.text);
  if (configKey) diagnostics.push(makeDiagnostic("error", "API_KEY_IN_FILE", configKey.message, configFile, configKey.at));
  const safety: SafetyConfig = { ...DEFAULT_SAFETY, ...(isJsonObject(config.safety) ? (config.safety as Partial<SafetyConfig>) : {}) };

  const firstAccount = new Map<string, number>();
  accounts.forEach((account, index) => {
    if (!account) return;
    const key = `${account.provider}/${account.name}`;
    const first = firstAccount.get(key);
    if (first === undefined) {
      firstAccount.set(key, index);
      return;
    }
    const firstPos = configAt(["accounts", first]);
    diagnostics.push(
      makeDiagnostic(
        "error",
        "DUPLICATE_ACCOUNT",
        `duplicate account "${key}": accounts[${first}]${firstPos ? ` (line ${firstPos.line})` : ""} already defines ${account.provider} account "${account.name}"; account names must be unique per provider`,
        configFile,
        configAt(["accounts", index, "name"]),
      ),
    );
  });

  // 3. Campaign files.
  if (issuesUnder("campaignsDir")) return { diagnostics, fileCount: 0 };
  const allowOutside = config.allowOutsideWorkspace === true;
  const pathIssues = workspacePathIssues(rootDir, { campaignsDir, stateFile }, allowOutside, rel);
  for (const issue of pathIssues) diagnostics.push(makeDiagnostic("error", issue.code, issue.message, configFile, configAt([issue.key]) ?? { line: 1, col: 1 }));
  if (pathIssues.some((i) => i.key === "campaignsDir")) return { diagnostics, fileCount: 0 };
  const { roots, escapes } = await workspaceRoots(rootDir, campaignsDir);
  if (escapes) {
    const message = `campaigns directory ${rel(campaignsDir)} is a symbolic link to a place outside the workspace; it is not followed — campaign files must be inside the workspace`;
    diagnostics.push(makeDiagnostic("error", "SYMLINK_OUTSIDE_WORKSPACE", message, configFile, configAt(["campaignsDir"]) ?? { line: 1, col: 1 }));
    return { diagnostics, fileCount: 0 };
  }
  const stateProblem = pathIssues.length > 0 ? undefined : await checkStateFile(stateFile, roots);
  if (stateProblem) diagnostics.push(makeDiagnostic("error", stateProblem.code, stateProblem.message, configFile, configAt(["stateFile"]) ?? { line: 1, col: 1 }));
  const listing = await listCampaignFiles(campaignsDir, configFile, roots);
  for (const problem of listing.problems) {
    if (problem.diagnostic) {
      diagnostics.push(makeDiagnostic("error", problem.diagnostic.code, problem.diagnostic.message, problem.path));
    } else if (problem.path === campaignsDir) {
      const code = problem.code === "ENOENT" ? "CAMPAIGNS_DIR_NOT_FOUND" : "DIR_UNREADABLE";
      const what = "campaignsDir" in config ? "campaignsDir" : `campaignsDir (default "${DEFAULT_CAMPAIGNS_DIR}")`;
      const message =
        problem.code === "ENOENT"
          ? `campaigns directory ${rel(campaignsDir)} does not exist (${what}, relative to ${rel(configFile)})`
          : `cannot read campaigns directory ${rel(campaignsDir)}: ${problem.reason}`;
      diagnostics.push(makeDiagnostic("error", code, message, configFile, configAt(["campaignsDir"])));
    } else {
      const code = problem.kind === "file" ? "FILE_UNREADABLE" : "DIR_UNREADABLE";
      const message = `cannot read this ${problem.kind === "file" ? "file" : "directory"}: ${problem.reason}`;
      diagnostics.push(makeDiagnostic("error", code, message, problem.path));
    }
  }
  if (listing.problems.length === 0 && listing.files.length === 0) {
    diagnostics.push(
      makeDiagnostic("warning", "NO_CAMPAIGNS", `no campaign files (*.yaml, *.yml) under ${rel(campaignsDir)}`, configFile, configAt(["campaignsDir"])),
    );
  }

  const campaigns: ResourceDecl[] = [];
  // Audience files live in the workspace; with allowOutsideWorkspace, anywhere in its repository (files shared by shards, README "Shards").
  const audienceRoot = allowOutside ? repositoryRootOf(rootDir) : rootDir;
  const loaded = await mapPool(listing.files, READ_CONCURRENCY, (file) => loadCampaignFile(file, undefined, { rootDir: audienceRoot, keys }));
  // A problem of an audience file several campaigns use is reported once, naming them (docs/design.md §17).
  diagnostics.push(...onePerSharedFile(loaded.map((result, i) => ({ file: listing.files[i]!, ...result }))));
  for (const result of loaded) campaigns.push(...(result.decl ? [result.decl] : []), ...(result.decls ?? []));
  // Suppression lists (docs/design.md §15): their rows leave every audience before anything is planned.
  const lists = loaded.flatMap((result) => (result.suppression ? [result.suppression] : []));
  diagnostics.push(...duplicateLists(lists, rel));
  const suppressed = applySuppression(campaigns, suppressionIndex(lists));
  campaigns.splice(0, campaigns.length, ...suppressed.campaigns);
  diagnostics.push(...suppressed.diagnostics);
  // Files with errors that still name their kind, account and name are checked against the workspace rules too.
  const declared = loaded.flatMap((result) => [...(result.decl ? [result.decl] : result.partial ? [result.partial] : []), ...(result.decls ?? [])]);

  // 4. Workspace rules.
  const byAddress = new Map<string, ResourceDecl>();
  for (const decl of declared) {
    const first = byAddress.get(decl.address);
    if (first) {
      const where = first.locate?.(["metadata", "name"]) ?? first.source;
      diagnostics.push(
        makeDiagnostic(
          "error",
          "DUPLICATE_ADDRESS",
          labelFor(decl, `campaign address "${decl.address}" is already defined in ${rel(where.file)}:${where.line}:${where.col}; metadata.name must be unique per provider account`),
          decl.source.file,
          decl.locate?.(["metadata", "name"]),
        ),
      );
    } else {
      byAddress.set(decl.address, decl);
    }
    if (!issuesUnder("accounts") && !accounts.some((a) => a?.provider === decl.provider && a.name === decl.account)) {
      const configured = [...new Set(accounts.filter((a) => a?.provider === decl.provider).map((a) => `"${a!.name}"`))];
      const provider = providerById(decl.provider).displayName;
      const known = configured.length > 0 ? `configured ${provider} accounts: ${configured.join(", ")}` : `it configures no ${provider} account`;
      diagnostics.push(
        makeDiagnostic(
          "error",
          "UNKNOWN_ACCOUNT",
          labelFor(decl, `no ${decl.provider} account named "${decl.account}" in ${rel(configFile)}; ${known}`),
          decl.source.file,
          decl.locate?.(["metadata", "account"]),
        ),
      );
    }
  }

  diagnostics.push(...nameCollisions([...byAddress.values()], rel));
  diagnostics.push(...checkReferences([...byAddress.values()], rel));
  // 5. Guardrails that can be checked offline (docs/design.md §14): calling hours in each contact's zone.
  const guardrails = readGuardrails(config);
  if (!issuesUnder("guardrails")) diagnostics.push(...callingHoursDiagnostics(campaigns, guardrails));

  const fileCount = listing.files.length;
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics, fileCount };
  const workspace: Workspace = {
    configFile,
    rootDir,
    campaignsDir,
    stateFile,
    ...(isJsonObject(config.backend) && config.backend.type === "postgres" ? { backend: { type: "postgres" as const, urlEnv: String(config.backend.urlEnv), key: String(config.backend.key) } } : {}),
    accounts: accounts.filter((a): a is AccountConfig => a !== undefined),
    safety,
    guardrails,
    prune: config.prune === true || config.prune === "delete",
    ...(config.prune === "delete" ? { pruneDelete: true } : {}),
    campaigns,
    otherInputs: lists.flatMap((list) => list.files),
  };
  return { workspace, diagnostics, fileCount };
}

/**
 * The workspace config for a run started in `cwd`: campaignctl.yaml there or in the nearest parent
 * directory, the search stopping at a repository root (a directory holding .git) or the file-system
 * root, as git finds its repository. None found: `<cwd>/campaignctl.yaml` (reported as missing).
 */
export function findConfigUpwards(cwd: string): string {
  for (let dir = resolve(cwd); ; ) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir || existsSync(join(dir, ".git"))) return resolve(cwd, CONFIG_FILE_NAME);
    dir = parent;
  }
}

/** The repository `dir` belongs to: the nearest directory holding .git (as findConfigUpwards stops), else `dir`. */
export function repositoryRootOf(dir: string): string {
  for (let at = resolve(dir); ; ) {
    if (existsSync(join(at, ".git"))) return at;
    const parent = dirname(at);
    if (parent === at) return resolve(dir);
    at = parent;
  }
}

/**
 * Every file a loaded workspace was read from, absolute: the config file, the state file (whether or not
 * it exists yet), each campaign or set file, each audience file its campaigns name and each suppression
 * list file (docs/design.md §15). What a change to
 * the workspace means for `campaignctl shards --changed` (src/engine/shards.ts).
 */
export function workspaceInputFiles(workspace: Workspace): string[] {
  const files = new Set<string>([workspace.configFile, workspace.stateFile]);
  for (const decl of workspace.campaigns) {
    files.add(decl.source.file);
    for (const f of decl.audience?.files ?? []) files.add(f.file);
  }
  for (const f of workspace.otherInputs ?? []) files.add(f);
  return [...files].sort();
}

/**
 * Reads, parses and checks one campaign file (schema + provider rules; no workspace rules), and the
 * audience files it names (which must resolve inside `rootDir`, default: the campaign file's directory).
 */
export async function loadCampaignFile(
  file: string,
  roots?: readonly string[],
  opts: { rootDir?: string; keys?: KeyFinder } = {},
): Promise<{ decl?: ResourceDecl; partial?: ResourceDecl; diagnostics: Diagnostic[]; address?: string; decls?: ResourceDecl[]; suppression?: SuppressionListDecl }> {
  const bytes = await readWorkspaceFile(file, { what: "campaign file", ...(roots ? { roots } : {}) });
  if ("code" in bytes) {
    return { diagnostics: [makeDiagnostic("error", bytes.code, bytes.message, file)] };
  }
  const decoded = decodeText(bytes.data, file);
  if (decoded.text === undefined) return { diagnostics: decoded.diagnostics };
  const pasted = opts.keys?.find(decoded.text);
  // A key pasted into a campaign file: never sent anywhere, never quoted (output sinks redact it too).
  if (pasted) return { diagnostics: [makeDiagnostic("error", "API_KEY_IN_FILE", pasted.message, file, pasted.at)] };
  if (SET_KIND_LINE.test(decoded.text)) {
    // A CampaignSet (docs/design.md §13): many campaigns from one file, each checked like a campaign file.
    const parsed = parseYamlMapping(decoded.text, file);
    if (isCampaignSet(parsed.value)) {
      const checked = checkCampaignSet(parsed.value, file, parsed.source);
      const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
      const decls: ResourceDecl[] = [];
      for (const instance of checked.instances) {
        const one = await withAudience(instance, file, opts.rootDir);
        diagnostics.push(...one.diagnostics.map((d) => (d.file === file && instance.decl && !d.message.startsWith(labelFor(instance.decl, "")) ? { ...d, message: labelFor(instance.decl, d.message) } : d)));
        if (one.decl) decls.push(one.decl);
      }
      // Instances without a problem of their own still meet the workspace rules (accounts, addresses).
      return { diagnostics, decls };
    }
  }
  if (SUPPRESSION_KIND_LINE.test(decoded.text)) {
    const parsed = parseYamlMapping(decoded.text, file);
    if (isSuppressionList(parsed.value)) {
      const checked = await checkSuppressionList(parsed.value, file, parsed.source, opts.rootDir ?? dirname(file));
      // The sync's object (Puffle blocked companies) meets the workspace rules like any declared object (accounts, addresses).
      const decls = checked.list?.syncDecl ? [checked.list.syncDecl] : [];
      return { diagnostics: [...parsed.diagnostics, ...checked.diagnostics], decls, ...(checked.list ? { suppression: checked.list } : {}) };
    }
  }
  return withAudience(checkCampaignText(decoded.text, file, { reread: true }), file, opts.rootDir);
}

/** A suppression list file, recognised like a set file. */
const SUPPRESSION_KIND_LINE = new RegExp(`^kind:\\s*["']?${SUPPRESSION_LIST_KIND}\\b`, "m");

/** A set file is recognised by its `kind:` line before it is parsed (then confirmed on the parsed value). */
const SET_KIND_LINE = new RegExp(`^kind:\\s*["']?${CAMPAIGN_SET_KIND}\\b`, "m");

/** Reads and checks the audience files a checked campaign names. */
async function withAudience(
  checked: { decl?: ResourceDecl; partial?: ResourceDecl; audience?: AudienceReference; diagnostics: Diagnostic[] },
  file: string,
  rootDir: string | undefined,
): Promise<{ decl?: ResourceDecl; partial?: ResourceDecl; diagnostics: Diagnostic[]; address?: string }> {
  const found = checked.decl ?? checked.partial;
  if (!found || !checked.audience) {
    return checked.decl ? { decl: checked.decl, diagnostics: checked.diagnostics } : { diagnostics: checked.diagnostics, ...(found ? { partial: found, address: found.address } : {}) };
  }
  const loaded = await loadAudience(checked.audience, {
    campaignFile: file,
    rootDir: rootDir ?? dirname(file),
    kind: kindModuleOf(found.kind).kind,
    spec: found.spec,
  });
  const diagnostics = [...checked.diagnostics, ...loaded.diagnostics];
  const address = found.address;
  // A file with errors still has its audience files read and its references checked (partial): one run reports everything.
  if (!checked.decl) return { diagnostics, partial: found, address };
  return loaded.audience ? { decl: { ...checked.decl, audience: loaded.audience }, diagnostics, address } : { diagnostics, address, partial: found };
}

/** Finds a configured API key in a file's text (any form core/redact knows), naming its variable. */
export interface KeyFinder {
  find(text: string): { at: Position; message: string } | undefined;
}

/** The accounts' keys from `env`, added to the run's redactor; a finder for files that hold one. */
function configuredKeys(accounts: readonly (AccountConfig | undefined)[], env: Record<string, string | undefined> | undefined, redactor: Redactor | undefined): KeyFinder {
  const all = redactor ?? new Redactor();
  const byName = new Map<string, Redactor>();
  for (const account of accounts) {
    const value = account && account.apiKeyEnv !== "" ? env?.[account.apiKeyEnv] : undefined;
    if (value === undefined || byName.has(account!.apiKeyEnv)) continue;
    all.add([value]);
    const one = new Redactor([value]);
    if (one.active) byName.set(account!.apiKeyEnv, one);
  }
  return {
    find(text) {
      if (byName.size === 0) return undefined;
      for (const [name, one] of byName) {
        const index = one.firstIndex(text);
        if (index < 0) continue;
        const before = text.slice(0, index);
        const line = before.split("\n").length;
        const col = index - before.lastIndexOf("\n");
        return {
          at: { line, col },
          message: `this value looks like the API key configured in ${name}; it is not shown here — remove it from the file (keys are read from the environment, never from files)`,
        };
      }
      return undefined;
    },
  };
}

/** Files read at once: enough to keep the disk busy while parsing, few enough for any ulimit. */
const READ_CONCURRENCY = 16;


/** Accounts by index (undefined where an entry is too broken to use), defaults filled. */
function readAccounts(config: JsonObject): (AccountConfig | undefined)[] {
  if (!Array.isArray(config.accounts)) return [];
  return config.accounts.map((entry) => {
    if (!isJsonObject(entry) || typeof entry.provider !== "string" || !findProvider(entry.provider)) return undefined;
    const name = entry.name === undefined ? DEFAULT_ACCOUNT : entry.name;
    if (typeof name !== "string") return undefined;
    const account: AccountConfig = {
      provider: entry.provider as ProviderId,
      name,
      apiKeyEnv: typeof entry.apiKeyEnv === "string" ? entry.apiKeyEnv : "",
    };
    if (typeof entry.baseUrl === "string") account.baseUrl = entry.baseUrl;
    if (typeof entry.requestsPerSecond === "number") account.requestsPerSecond = entry.requestsPerSecond;
    if (typeof entry.concurrency === "number") account.concurrency = entry.concurrency;
    if (isJsonObject(entry.statusWait)) {
      const { timeoutSeconds, pollSeconds } = entry.statusWait;
      account.statusWait = {
        ...(typeof timeoutSeconds === "number" ? { timeoutSeconds } : {}),
        ...(typeof pollSeconds === "number" ? { pollSeconds } : {}),
      };
    }
    if (isJsonObject(entry.retryWait)) {
      const { maxSeconds, totalSeconds } = entry.retryWait;
      account.retryWait = {
        ...(typeof maxSeconds === "number" ? { maxSeconds } : {}),
        ...(typeof totalSeconds === "number" ? { totalSeconds } : {}),
      };
    }
    return account;
  });
}

interface ListingProblem {
  path: string;
  kind: "file" | "dir";
  code: string;
  reason: string;
  /** A ready-made diagnostic (symlink leaving the workspace, a non-regular "campaign file"). */
  diagnostic?: { code: string; message: string };
}

/**
 * The directories campaign files may really live in: the workspace (the config file's folder) and
 * the configured campaignsDir (which may be elsewhere, e.g. `--config conf/x.yaml` with `../defs`),
 * both with symlinks resolved.
 */
async function workspaceRoots(rootDir: string, campaignsDir: string): Promise<{ roots: string[]; escapes: boolean }> {
  const realRoot = await realpath(rootDir).catch(() => rootDir);
  const realCampaigns = await realpath(campaignsDir).catch(() => campaignsDir);
  // A campaignsDir written as a path inside the workspace must really be inside it: a committed
  // `campaigns -> /` link is not walked. One written as a path outside (`../defs`) needs `allowOutsideWorkspace: true` (workspacePathIssues).
  if (isInside(campaignsDir, rootDir)) return { roots: [realRoot], escapes: !isInside(realCampaigns, realRoot) };
  return { roots: [...new Set([realRoot, realCampaigns])], escapes: false };
}

/**
 * campaignsDir and stateFile stay inside the workspace (the config file's directory) unless the config
 * opts in with `allowOutsideWorkspace: true` — an absolute path alone is not enough, since a
 * copied config or a crafted pull request would otherwise read or write anywhere. A campaignsDir that
 * contains the workspace (`/`, `..`) is refused even then: it would walk the whole file system.
 */
function workspacePathIssues(
  rootDir: string,
  paths: { campaignsDir: string; stateFile: string },
  allowOutside: boolean,
  rel: (p: string) => string,
): { key: "campaignsDir" | "stateFile"; code: string; message: string }[] {
  const issues: { key: "campaignsDir" | "stateFile"; code: string; message: string }[] = [];
  const { campaignsDir, stateFile } = paths;
  const optIn = "set `allowOutsideWorkspace: true` in the config to use a path outside on purpose";
  if (campaignsDir !== rootDir && isInside(rootDir, campaignsDir)) {
    issues.push({
      key: "campaignsDir",
      code: "CAMPAIGNS_DIR_CONTAINS_WORKSPACE",
      message: `campaignsDir ${JSON.stringify(rel(campaignsDir))} contains the workspace itself (${rel(rootDir)}); campaign files are read from a directory inside it, such as "campaigns"`,
    });
  } else if (!allowOutside && !isInside(campaignsDir, rootDir)) {
    issues.push({ key: "campaignsDir", code: "PATH_OUTSIDE_WORKSPACE", message: `campaignsDir ${JSON.stringify(rel(campaignsDir))} is outside the workspace (${rel(rootDir)}); ${optIn}` });
  }
  if (!allowOutside && !isInside(stateFile, rootDir)) {
    issues.push({ key: "stateFile", code: "PATH_OUTSIDE_WORKSPACE", message: `stateFile ${JSON.stringify(rel(stateFile))} is outside the workspace (${rel(rootDir)}); ${optIn}` });
  } else if (/^\/(proc|sys|dev)(\/|$)/.test(stateFile)) {
    issues.push({ key: "stateFile", code: "NOT_A_REGULAR_FILE", message: `stateFile ${JSON.stringify(stateFile)} is on a system pseudo file system, not a state file; it is not read` });
  }
  return issues;
}

/** A state file that is a link out of the workspace, or not a regular file, is refused before anything reads it. */
async function checkStateFile(stateFile: string, roots: readonly string[]): Promise<{ code: string; message: string } | undefined> {
  const info = await lstat(stateFile).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) {
    const inside = await resolveInside(stateFile, roots);
    if ("code" in inside && inside.code === "SYMLINK_OUTSIDE_WORKSPACE") {
      return { code: inside.code, message: `stateFile ${JSON.stringify(stateFile)} is a symbolic link to a file outside the workspace; it is not followed` };
    }
  }
  const target = await stat(stateFile).catch(() => undefined);
  if (target && !target.isFile()) return { code: "NOT_A_REGULAR_FILE", message: `stateFile is ${fileTypeWords(target)}, not a regular file` };
  return undefined;
}

const CAMPAIGN_FILE = /\.ya?ml$/i;

/**
 * Every *.yaml / *.yml below `root`, recursively, sorted by path. Hidden entries (".git", ".#x.yaml")
 * and the config file itself are skipped; symlinks are resolved first: one that leaves the workspace is
 * an error naming the link (never followed), one inside it is followed once. A *.yaml that is not a
 * regular file (a directory, a FIFO, a device) is an error, never skipped and never opened. Anything that
 * cannot be read is a problem, never silently skipped: a campaign that vanished from the listing
 * would look deleted.
 */
async function listCampaignFiles(root: string, configFile: string, roots: readonly string[]): Promise<{ files: string[]; problems: ListingProblem[] }> {
  const files: string[] = [];
  const problems: ListingProblem[] = [];
  const seen = new Set<string>();

  async function walk(dir: string): Promise<void> {
    let real: string;
    try {
      const info = await stat(dir);
      if (!info.isDirectory()) {
        problems.push({ path: dir, kind: "dir", code: "ENOTDIR", reason: "not a directory" });
        return;
      }
      real = await realpath(dir);
      if (seen.has(real)) return;
      seen.add(real);
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (entry.name.startsWith(".")) continue;
        const path = join(dir, entry.name);
        const named = CAMPAIGN_FILE.test(entry.name);
        let info: { isDirectory(): boolean; isFile(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean } = entry;
        let linked = "";
        if (entry.isSymbolicLink()) {
          // Resolved before anything else: a link out of the workspace is named, never followed.
          const inside = await resolveInside(path, roots);
          if ("code" in inside) {
            if (inside.code === "SYMLINK_OUTSIDE_WORKSPACE") {
              problems.push({ path, kind: named ? "file" : "dir", code: inside.code, reason: "", diagnostic: { code: inside.code, message: inside.message.replace("to a file", named ? "to a file" : "to a place") } });
            } else {
              problems.push({ path, kind: named ? "file" : "dir", code: inside.errno ?? "EUNKNOWN", reason: inside.message.replace(/^cannot read this file: /, "") });
            }
            continue;
          }
          try {
            info = await stat(inside.real);
            linked = "a symbolic link to ";
          } catch (err) {
            problems.push({ path, kind: named ? "file" : "dir", code: errorCode(err), reason: reason(err) });
            continue;
          }
        }
        if (named && !info.isFile()) {
          // A "campaign file" that cannot hold a campaign: say so instead of skipping it or hanging on it.
          const message = `this is ${linked}${fileTypeWords(info)}, not a campaign file; rename or remove it (campaign files are regular *.yaml / *.yml files)`;
          problems.push({ path, kind: "file", code: "NOT_A_REGULAR_FILE", reason: "", diagnostic: { code: "NOT_A_REGULAR_FILE", message } });
        } else if (info.isDirectory()) {
          await walk(path);
        } else if (named && path !== configFile) {
          files.push(path);
        }
      }
    } catch (err) {
      problems.push({ path: dir, kind: "dir", code: errorCode(err), reason: reason(err) });
    }
  }

  await walk(root);
  return { files, problems };
}

/**
 * Two files of one account with the same provider name, on a provider whose names are unique
 * (KindCapabilities.uniqueNames): the second create would fail at apply with a name conflict, after
 * the pull request was approved (docs/design.md §16). Located at the second file's name.
 */
function nameCollisions(decls: readonly ResourceDecl[], rel: (p: string) => string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, ResourceDecl>();
  for (const decl of decls) {
    const caps = kindModule(decl.kind)?.kind.capabilities;
    if (!caps?.uniqueNames) continue;
    const name = decl.spec[caps.nameField];
    if (typeof name !== "string") continue;
    const key = `${decl.provider}/${decl.account}/${decl.kind}\u0000${name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, decl);
      continue;
    }
    const where = first.locate?.(["spec", caps.nameField]) ?? first.source;
    out.push(
      makeDiagnostic(
        "error",
        "DUPLICATE_NAME",
        `spec.${caps.nameField} ${JSON.stringify(name)} is already used by ${first.address} (${rel(where.file)}:${where.line}:${where.col}); ${providerById(decl.provider).displayName} names are unique per account, so the second create would fail at apply: give one of them another name`,
        decl.source.file,
        decl.locate?.(["spec", caps.nameField]),
      ),
    );
  }
  return out;
}
