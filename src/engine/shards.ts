import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "../core/diagnostics.js";
import { UserError } from "../core/errors.js";
import { mapPool } from "../core/pool.js";
import type { Redactor } from "../core/redact.js";
import { CONFIG_FILE_NAME, loadWorkspace, repositoryRootOf, workspaceInputFiles } from "../config/workspace.js";
import { makeDiagnostic } from "../config/source.js";

/**
 * Shards (docs/design.md §18, README "Shards: many clients"): every directory below a root that holds a
 * campaignctl.yaml is a workspace of its own — one client's config, campaigns and state. GitHub Actions,
 * not campaignctl, fans the work out; this module says which shards there are and which a change touched.
 */

/** Version of the `shards --format json` document; bump on any incompatible change. */
export const SHARDS_FORMAT_VERSION = 1;
/** GitHub runs at most 256 jobs per matrix: drift of all shards is split into batches of this size. */
export const MATRIX_MAX_JOBS = 256;
/** Longest shard name (environment names allow 255 characters; `campaignctl-` is prepended). */
const NAME_MAX = 100;
/** Changed files listed per shard (the rest are counted). */
const FILES_SHOWN = 20;
/** Workspaces loaded at once. */
const LOAD_CONCURRENCY = 8;

/** Why a shard is listed as changed (words are rendered from these). */
export type ShardChangeCode = "IN_SHARD" | "USES_FILE" | "DOES_NOT_LOAD";

export interface ShardEntry {
  /** The shard directory relative to the root, `/`-separated; "." for the root itself. */
  dir: string;
  /** Absolute path of the directory. */
  path: string;
  /** Safe for GitHub concurrency groups and environments: lower-case letters, digits and `-`. */
  name: string;
  /** `campaignctl-<name>`: the concurrency group and the environment (that client's secrets and reviewers). */
  environment: string;
  /** True when the shard's workspace loads without errors. */
  loads: boolean;
  /** With --changed: why the shard is listed. */
  reasons?: ShardChangeCode[];
  /** With --changed: the changed files that marked it, relative to the root (at most FILES_SHOWN). */
  changedFiles?: string[];
  /** With --changed: how many changed files marked it in all. */
  changedCount?: number;
}

export interface ShardListing {
  formatVersion: typeof SHARDS_FORMAT_VERSION;
  /** Absolute root directory. */
  root: string;
  /** With --changed: the ref as given, the commit compared against (merge base of ref and HEAD) and how many files changed. */
  changed?: { ref: string; base: string; files: number };
  /** Every shard (or, with --changed, every changed shard), sorted by dir. */
  shards: ShardEntry[];
  /** How many shards exist below the root (listed or not). */
  total: number;
  /** With --changed: shard directories whose campaignctl.yaml was deleted since the base (their campaigns are orphans now). */
  removed: string[];
  /** The listed shards for a GitHub matrix (`strategy.matrix: ${{ fromJSON(...) }}`): `{ include: [{dir, name, environment, concurrency, secretSuffix}] }`. */
  matrix: { include: MatrixEntry[] };
  /** The same entries in matrices of at most MATRIX_MAX_JOBS (drift of all shards, one job per batch entry). */
  batches: { include: MatrixEntry[] }[];
  /** Problems: shards that do not load (warnings), shard names that collide and provider accounts shared by two shards (errors). */
  diagnostics: Diagnostic[];
}

export interface MatrixEntry {
  dir: string;
  name: string;
  environment: string;
  /** The job's concurrency group (`campaignctl-<name>`, the same as environment): one apply or drift of a shard at a time. */
  concurrency: string;
  /** The name, upper-cased with `_` for `-`: plan and drift read that shard's keys from repository secrets `<apiKeyEnv>_<secretSuffix>`. */
  secretSuffix: string;
}

export interface ListShardsOptions {
  /** Directory relative paths start from. */
  cwd: string;
  /** --root (default: cwd). */
  root?: string;
  /** --changed GITREF. */
  changed?: string;
  /** Environment: a key set here is compared (by digest) across shards. */
  env?: Record<string, string | undefined>;
  redactor?: Redactor;
}

/**
 * The shards below a root and, with `changed`, only those a change since `changed` touched: a file in the
 * shard directory, or any file its workspace reads from elsewhere (config/workspace.ts workspaceInputFiles:
 * audience files, sets, the state file). A shard that does not load is listed whenever anything changed,
 * so that its job reports the errors. Throws UserError for a bad root, a ref git does not know, no repository.
 */
export async function listShards(opts: ListShardsOptions): Promise<ShardListing> {
  const rootArg = opts.root ?? ".";
  const root = resolve(opts.cwd, rootArg);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new UserError(`--root ${rootArg}: no such directory`);
  if (!info.isDirectory()) throw new UserError(`--root ${rootArg}: not a directory`);
  const realRoot = await realpath(root);

  const dirs = await findShardDirs(realRoot);
  const diagnostics: Diagnostic[] = [];
  const entries: ShardEntry[] = dirs.map((path) => {
    const dir = relative(realRoot, path).split(sep).join("/") || ".";
    const name = shardName(dir);
    return { dir, path, name, environment: `campaignctl-${name}`, loads: true };
  });
  diagnostics.push(...nameCollisions(entries));
  // Git first: a ref it does not know fails before any workspace is read.
  const diff = opts.changed === undefined ? undefined : await changedFiles(realRoot, opts.changed);

  // Each shard's workspace, loaded with the config loader (never a second resolver).
  const loaded = await mapPool(entries, LOAD_CONCURRENCY, async (entry) => {
    const configFile = join(entry.path, CONFIG_FILE_NAME);
    const result = await loadWorkspace({ cwd: entry.path, configPath: configFile, ...(opts.env ? { env: opts.env } : {}), ...(opts.redactor ? { redactor: opts.redactor } : {}) });
    return { configFile, ...result };
  });
  loaded.forEach((result, i) => {
    if (result.workspace) return;
    const entry = entries[i]!;
    entry.loads = false;
    const errors = result.diagnostics.filter((d) => d.severity === "error").length;
    diagnostics.push(
      makeDiagnostic("warning", "SHARD_DOES_NOT_LOAD", `shard ${entry.dir} has ${errors} error(s); run \`campaignctl validate\` in it (its job will report them)`, result.configFile),
    );
  });
  diagnostics.push(...sharedAccounts(entries, loaded, opts.env ?? {}));

  let listed = entries;
  let changed: ShardListing["changed"];
  let removed: string[] = [];
  if (opts.changed !== undefined && diff) {
    changed = { ref: opts.changed, base: diff.base, files: diff.files.length };
    const changedSet = new Set(diff.files);
    const owner = (file: string): ShardEntry | undefined => {
      let best: ShardEntry | undefined;
      for (const e of entries) if (isUnder(file, e.path) && (!best || e.path.length > best.path.length)) best = e;
      return best;
    };
    const marks = new Map<ShardEntry, { reasons: Set<ShardChangeCode>; files: Set<string> }>();
    const mark = (entry: ShardEntry, code: ShardChangeCode, file?: string) => {
      const m = marks.get(entry) ?? { reasons: new Set(), files: new Set() };
      m.reasons.add(code);
      if (file !== undefined) m.files.add(file);
      marks.set(entry, m);
    };
    for (const file of diff.files) {
      const e = owner(file);
      if (e) mark(e, "IN_SHARD", file);
    }
    await Promise.all(
      loaded.map(async (result, i) => {
        const entry = entries[i]!;
        if (!result.workspace) {
          if (diff.files.length > 0) mark(entry, "DOES_NOT_LOAD");
          return;
        }
        for (const input of workspaceInputFiles(result.workspace)) {
          for (const candidate of new Set([input, await realpath(input).catch(() => input)])) {
            if (changedSet.has(candidate) && !isUnder(candidate, entry.path)) mark(entry, "USES_FILE", candidate);
          }
        }
      }),
    );
    listed = entries.filter((e) => marks.has(e));
    for (const e of listed) {
      const m = marks.get(e)!;
      const files = [...m.files].sort().map((f) => relative(realRoot, f).split(sep).join("/"));
      e.reasons = [...m.reasons].sort();
      e.changedFiles = files.slice(0, FILES_SHOWN);
      e.changedCount = files.length;
    }
    const current = new Set(entries.map((e) => e.path));
    removed = diff.deletedConfigs.map((f) => resolve(f, "..")).filter((d) => !current.has(d) && isUnder(d, realRoot)).map((d) => relative(realRoot, d).split(sep).join("/") || ".");
  }

  const include = listed.map(({ dir, name, environment }) => ({ dir, name, environment, concurrency: environment, secretSuffix: name.toUpperCase().replace(/-/g, "_") }));
  const batches: { include: MatrixEntry[] }[] = [];
  for (let i = 0; i < include.length; i += MATRIX_MAX_JOBS) batches.push({ include: include.slice(i, i + MATRIX_MAX_JOBS) });
  return {
    formatVersion: SHARDS_FORMAT_VERSION,
    root: realRoot,
    ...(changed ? { changed } : {}),
    shards: listed,
    total: entries.length,
    removed,
    matrix: { include },
    batches,
    diagnostics,
  };
}

/** `path` is `dir` or below it (both absolute, resolved). */
function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/** Every directory at or below `root` that holds a campaignctl.yaml; node_modules and dot folders skipped, symlinked folders not followed. */
export async function findShardDirs(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let items;
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === root) throw new UserError(`--root ${root}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      return;
    }
    if (items.some((d) => d.name === CONFIG_FILE_NAME && (d.isFile() || d.isSymbolicLink()))) found.push(dir);
    const subdirs = items.filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "node_modules").map((d) => join(dir, d.name));
    await Promise.all(subdirs.map(walk));
  };
  await walk(root);
  return found.sort();
}

/** The shard's name for concurrency groups and environments: its dir, lower-cased, anything else than [a-z0-9] as `-`. */
export function shardName(dir: string): string {
  if (dir === ".") return "root";
  const base = dir
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const name = base === "" ? "shard" : base;
  if (name.length <= NAME_MAX) return name;
  return `${name.slice(0, NAME_MAX - 9)}-${createHash("sha256").update(dir).digest("hex").slice(0, 8)}`;
}

function nameCollisions(entries: readonly ShardEntry[]): Diagnostic[] {
  const byName = new Map<string, ShardEntry>();
  const out: Diagnostic[] = [];
  for (const e of entries) {
    const first = byName.get(e.name);
    if (!first) {
      byName.set(e.name, e);
      continue;
    }
    out.push(
      makeDiagnostic(
        "error",
        "SHARD_NAME_COLLISION",
        `shards ${first.dir} and ${e.dir} have the same name "${e.name}" (the GitHub environment and concurrency group campaignctl-${e.name}); rename one directory`,
        join(e.path, CONFIG_FILE_NAME),
      ),
    );
  }
  return out;
}

/**
 * One provider account belongs to one shard: two shards whose accounts hold the same API key (compared by
 * digest, never shown) on the same base URL are one account used by two clients. Only keys set in the
 * environment `shards` runs in can be compared, and only under different variable names (one variable read
 * by two shards is one value here, whatever each shard's GitHub environment holds).
 */
function sharedAccounts(
  entries: readonly ShardEntry[],
  loaded: readonly { configFile: string; workspace?: { accounts: readonly { provider: string; name: string; apiKeyEnv: string; baseUrl?: string }[] } }[],
  env: Record<string, string | undefined>,
): Diagnostic[] {
  const seen = new Map<string, { dir: string; account: string; variable: string }>();
  const out: Diagnostic[] = [];
  loaded.forEach((result, i) => {
    const entry = entries[i]!;
    for (const account of result.workspace?.accounts ?? []) {
      const key = env[account.apiKeyEnv];
      if (key === undefined || key.trim() === "") continue;
      const digest = createHash("sha256").update(`${account.provider}\0${account.baseUrl ?? ""}\0${key.trim()}`).digest("hex");
      const first = seen.get(digest);
      if (!first) {
        seen.set(digest, { dir: entry.dir, account: account.name, variable: account.apiKeyEnv });
        continue;
      }
      if (first.dir === entry.dir || first.variable === account.apiKeyEnv) continue;
      out.push(
        makeDiagnostic(
          "error",
          "SHARED_ACCOUNT",
          `${account.provider} account "${account.name}" of shard ${entry.dir} (${account.apiKeyEnv}) has the same API key as account "${first.account}" of shard ${first.dir} (${first.variable}); one provider account belongs to one shard — rate limits, sender identity and state are per account (README "Shards: many clients")`,
          result.configFile,
        ),
      );
    }
  });
  return out;
}

/** Runs git in `cwd`; rejects with its stderr. */
function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile("git", args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolvePromise(String(stdout));
    });
  });
}

/**
 * Files changed since `ref` (the merge base of ref and HEAD, as a pull request sees it) in the working
 * tree, untracked files included, as absolute paths; and the campaignctl.yaml files deleted since then.
 */
async function changedFiles(root: string, ref: string): Promise<{ base: string; files: string[]; deletedConfigs: string[] }> {
  if (ref === "" || ref.startsWith("-")) throw new UserError(`--changed ${JSON.stringify(ref)}: not a git ref`);
  let top: string;
  try {
    top = (await git(root, ["rev-parse", "--show-toplevel"])).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new UserError("--changed needs git, and git is not on PATH");
    throw new UserError(`--changed needs a git repository: ${root} is not inside one`);
  }
  top = await realpath(top);
  let commit: string;
  try {
    commit = (await git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`])).trim();
  } catch {
    throw new UserError(
      `--changed ${ref}: git does not know this ref in ${top} (in a shallow CI checkout fetch it first, e.g. actions/checkout with fetch-depth: 0)`,
    );
  }
  let base = commit;
  const head = await git(root, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).then((s) => s.trim()).catch(() => undefined);
  if (head !== undefined) {
    try {
      base = (await git(root, ["merge-base", commit, head])).trim();
    } catch {
      throw new UserError(`--changed ${ref}: it has no common history with HEAD (in a shallow CI checkout, fetch with fetch-depth: 0)`);
    }
  }
  const split = (out: string) => out.split("\0").filter((s) => s !== "");
  const [diffOut, untracked, statusOut] = await Promise.all([
    git(top, ["-c", "core.quotepath=off", "diff", "--name-only", "-z", "--no-renames", base, "--"]),
    git(top, ["ls-files", "--others", "--exclude-standard", "-z"]),
    git(top, ["diff", "--name-only", "-z", "--no-renames", "--diff-filter=D", base, "--"]),
  ]);
  const abs = (p: string) => resolve(top, p);
  const files = [...new Set([...split(diffOut), ...split(untracked)])].map(abs).sort();
  const deletedConfigs = split(statusOut)
    .filter((p) => p === CONFIG_FILE_NAME || p.endsWith(`/${CONFIG_FILE_NAME}`))
    .map(abs);
  return { base, files, deletedConfigs };
}

/**
 * Where a new shard may go (`campaignctl init --shard DIR`): inside the repository holding `cwd`, not inside
 * another shard (a directory at or above it, up to the repository root, with a campaignctl.yaml) and not
 * around one (a shard below it). Throws UserError naming the shard in the way; returns the repository root
 * and the shard's dir (relative to it, `/`-separated) and name.
 */
export async function placeShard(cwd: string, dirArg: string): Promise<{ repoRoot: string; path: string; dir: string; name: string }> {
  const repoRoot = repositoryRootOf(cwd);
  if (!existsSync(join(repoRoot, ".git"))) {
    throw new UserError(`init --shard adds a shard to an existing repository, and ${cwd} is not inside a git repository (run \`git init\` or \`campaignctl init\` first)`);
  }
  const realRepo = await realpath(repoRoot);
  const path = resolve(await realpath(cwd), dirArg);
  if (!isUnder(path, realRepo)) throw new UserError(`--shard ${dirArg}: outside the repository ${realRepo}`);
  const dir = relative(realRepo, path).split(sep).join("/") || ".";
  const info = await stat(path).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UserError(`--shard ${dirArg}: exists and is not a directory`);
  if (existsSync(join(path, CONFIG_FILE_NAME))) throw new UserError(`--shard ${dirArg}: ${dir} is already a shard (it has a ${CONFIG_FILE_NAME}); nothing was written`);
  for (let at = resolve(path, ".."); isUnder(at, realRepo); at = resolve(at, "..")) {
    if (existsSync(join(at, CONFIG_FILE_NAME))) {
      const outer = relative(realRepo, at).split(sep).join("/") || ".";
      throw new UserError(
        `--shard ${dirArg}: ${dir} is inside the shard ${outer} (it has a ${CONFIG_FILE_NAME}); a shard cannot hold another — ${outer === "." ? "move the root workspace into a directory of its own first" : "choose a directory outside it"}; nothing was written`,
      );
    }
    if (at === realRepo) break;
  }
  const inner = info ? await findShardDirs(path) : [];
  if (inner.length > 0) {
    const names = inner.map((d) => relative(realRepo, d).split(sep).join("/"));
    throw new UserError(`--shard ${dirArg}: ${dir} already holds the shard(s) ${names.join(", ")}; a shard cannot hold another; nothing was written`);
  }
  return { repoRoot: realRepo, path, dir, name: shardName(dir) };
}
