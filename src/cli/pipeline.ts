import { open, writeFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Plan } from "../core/plan.js";
import type { StateDocument, Workspace } from "../core/types.js";
import { buildPlan } from "../engine/build-plan.js";
import { resolveLookups } from "../engine/lookups.js";
import { accountsInScope, refresh, type RefreshedCampaign } from "../engine/refresh.js";
import { closeSessions, openSessions, timeLimits, type AccountSession, type SessionOptions } from "../engine/session.js";
import { describeRetryWait } from "../http/client.js";
import { isProviderApiError, type ProviderApiError } from "../http/errors.js";
import { catalog, findProvider, kindModuleOf, providers } from "../providers/registry.js";
import { readState } from "../state/journal.js";
import { StateFileError } from "../state/state-file.js";
import type { CommandContext } from "./context.js";
import type { Redactor } from "../core/redact.js";
import { CliError, type CliIO, type Output } from "./io.js";
import { progressReporter } from "./progress.js";
import { selectAddresses } from "./targets.js";
import { renderText } from "./render/diagnostics.js";
import { loadValidWorkspace } from "./workspace.js";

export interface PlanRun {
  workspace: Workspace;
  state: StateDocument;
  sessions: Map<string, AccountSession>;
  refreshed: RefreshedCampaign[];
  plan: Plan;
}

export interface PlanRunOptions {
  /** --target ADDR|GLOB... */
  targets?: readonly string[];
  /** --exclude ADDR|GLOB... */
  exclude?: readonly string[];
  recreateMissing?: boolean;
  recreatePending?: boolean;
  readOnly: boolean;
  /** --prune / --no-prune; undefined: the workspace's `prune` setting. */
  prune?: boolean;
  /** The state already read (apply reads it under its lock); read from the state file when absent. */
  state?: StateDocument;
  /** Each account's campaigns as soon as its own refresh is done (apply starts that account early). */
  onAccountRefreshed?: (key: string, refreshed: RefreshedCampaign[]) => void;
}

export async function loadState(file: string): Promise<StateDocument> {
  try {
    return await readState(file, catalog);
  } catch (err) {
    if (err instanceof StateFileError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * A provider failure in plain words, with what the workspace knows: a 401/403 names the environment
 * variable that held the key; an answer shaped like another provider's API says the URL is wrong.
 */
export function explainProviderError(err: ProviderApiError, workspace?: Workspace): string {
  const module = findProvider(err.provider);
  if (!module) return err.message;
  const account = workspace?.accounts.find((a) => a.provider === err.provider && a.name === err.account);
  const where = account ? `account ${err.provider}/${err.account}` : `${err.provider}/${err.account}`;
  const hints: string[] = [];
  if (err.body !== undefined && module.connection.isOwnErrorBody?.(err.body) === false) {
    const other = providers().find((p) => p.id !== err.provider && p.connection.isOwnErrorBody?.(err.body) === true);
    if (other) {
      hints.push(
        `the answer has the shape of ${other.displayName}'s API, not ${module.displayName}'s: is baseUrl of ${where} (${account?.baseUrl ?? module.connection.defaultBaseUrl}) pointing at ${other.displayName}?`,
      );
    }
  }
  if ((err.status === 401 || err.status === 403) && account) {
    hints.push(`${module.displayName} refused the API key read from ${account.apiKeyEnv} (${where}): check that ${account.apiKeyEnv} holds a valid ${module.displayName} key`);
  }
  return hints.length === 0 ? err.message : `${err.message} — ${hints.join("; ")}`;
}

/** Convert provider failures into one clear CliError (never a stack, never a key). */
export async function withProviderErrors<T>(fn: () => Promise<T>, workspace?: Workspace): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isProviderApiError(err)) throw new CliError(explainProviderError(err, workspace));
    throw err;
  }
}

/** The concrete addresses --target/--exclude select (undefined: all); errors name near matches. */
export function checkTargets(workspace: Workspace, state: StateDocument, targets: readonly string[] | undefined, exclude?: readonly string[]): string[] | undefined {
  const selected = selectAddresses(workspace, state, targets, exclude);
  if (selected !== undefined && selected.length === 0) {
    throw new CliError(`--target/--exclude leave no campaign to work on (see \`campaignctl state list\` and the campaign files)`);
  }
  return selected;
}

/**
 * A selection that names a renamed campaign by its new address also takes in the orphan it was
 * renamed from (same account, same recorded name), so that the refresh can pair them as a move
 * instead of planning a second campaign.
 */
export function withRenameSources(workspace: Workspace, state: StateDocument, targets: string[] | undefined): string[] | undefined {
  if (targets === undefined) return undefined;
  const declared = new Set(workspace.campaigns.map((c) => c.address));
  const chosen = new Set(targets);
  const extra: string[] = [];
  for (const decl of workspace.campaigns) {
    if (!chosen.has(decl.address) || state.campaigns[decl.address]) continue;
    const nameField = kindModuleOf(decl.kind).kind.capabilities.nameField;
    for (const [address, entry] of Object.entries(state.campaigns)) {
      if (declared.has(address) || chosen.has(address) || entry.kind !== decl.kind || entry.account !== decl.account) continue;
      if (entry.applied[nameField] !== undefined && entry.applied[nameField] === decl.spec[nameField]) extra.push(address);
    }
  }
  return extra.length === 0 ? targets : [...targets, ...extra];
}

/**
 * What the HTTP layer shows on stderr: every retry wait of a second or more (a long Retry-After must
 * not look like a hang), and with --verbose every response and every wait. Nothing with --quiet.
 */
export function httpEvents(ctx: CommandContext): Pick<SessionOptions, "onEvent"> {
  if (ctx.global.quiet) return {};
  return {
    onEvent: (e) => {
      if (e.type === "response" && ctx.global.verbose) ctx.io.stderr.write(`${e.provider}/${e.account} ${e.method} ${e.path} → ${e.status} (${Math.round(e.durationMs)} ms)\n`);
      else if (e.type === "retry" && (ctx.global.verbose || e.delayMs >= 1000)) ctx.io.stderr.write(`${describeRetryWait(e)}\n`);
    },
  };
}

/** validate → read state → refresh → plan; sessions are left open for the caller (apply) to use. */
export async function runPlan(ctx: CommandContext, opts: PlanRunOptions, loaded?: Workspace): Promise<PlanRun> {
  const declared = loaded ?? (await loadValidWorkspace(ctx));
  const state = opts.state ?? (await loadState(declared.stateFile));
  const targets = withRenameSources(declared, state, checkTargets(declared, state, opts.targets, opts.exclude));
  const sessions = openSessions(declared, accountsInScope(declared, state, targets), {
    readOnly: opts.readOnly,
    env: ctx.io.env,
    ...timeLimits(ctx.global),
    ...httpEvents(ctx),
  });
  const progress = progressReporter(ctx.io.stderr, "refreshing", { quiet: ctx.global.quiet });
  try {
    // Lookups ({ teamMember }, { sender }) first, read-only: the rest of the run sees plain ids.
    const lookups = await withProviderErrors(() => resolveLookups(declared, state, sessions, targets), declared);
    if (lookups.diagnostics.length > 0) {
      ctx.io.stderr.write(renderText(lookups.diagnostics, { cwd: ctx.io.cwd, color: false }));
      const n = lookups.diagnostics.length;
      throw new CliError(`${n} lookup${n === 1 ? "" : "s"} did not resolve to exactly one object; fix ${n === 1 ? "it" : "them"} before going on`);
    }
    const workspace = lookups.workspace;
    const refreshed = await withProviderErrors(
      () =>
        refresh(workspace, state, sessions, {
        ...(targets ? { targets } : {}),
        ...(opts.recreateMissing ? { recreateMissing: true } : {}),
        ...(opts.recreatePending ? { recreatePending: true } : {}),
        ...(opts.onAccountRefreshed ? { onAccountDone: opts.onAccountRefreshed } : {}),
        onProgress: (d, t) => progress.update(d, t),
      }),
      workspace,
    );
    // An account whose list failed is skipped whole; its failure is said once, on stderr, with the usual hints.
    const listFailures = new Map<string, ProviderApiError>();
    for (const r of refreshed) if (r.listError && !listFailures.has(r.session.key)) listFailures.set(r.session.key, r.listError);
    for (const err of listFailures.values()) ctx.io.stderr.write(`error: ${explainProviderError(err, workspace)}\n`);
    for (const r of refreshed) r.notes.push(...(lookups.notes.get(r.address) ?? []));
    // Objects a refused state commit left (state merge): live, tracked by no address.
    for (const u of state.untracked ?? []) {
      ctx.io.stderr.write(
        `warning: untracked duplicate ${u.address}: ${u.provider} id ${u.id} was made by a run whose state commit was refused (the address is bound to ${state.campaigns[u.address]?.id ?? "another id"}); delete it in the provider, then run \`campaignctl state forget ${u.address} --untracked ${u.id}\`\n`,
      );
    }
    const plan = buildPlan(refreshed, { state });
    plan.prune = opts.prune ?? workspace.prune === true;
    // Which state the plan was made from: a saved plan is refused against another lineage or a newer serial.
    plan.state = { serial: state.serial ?? 0, ...(state.lineage === undefined ? {} : { lineage: state.lineage }) };
    if (state.untracked && state.untracked.length > 0) plan.untracked = state.untracked.map((u) => ({ address: u.address, provider: u.provider, id: u.id }));
    return { workspace, state, sessions, refreshed, plan };
  } catch (err) {
    closeSessions(sessions);
    throw err;
  } finally {
    progress.done();
  }
}

/** Where a file is written from: relative paths start at `cwd`; the text goes through `redactor`. */
export type WriteContext = Pick<CliIO, "cwd" | "redactor">;

/** Write a file atomically relative to the current directory (temp + rename), secrets redacted. */
export async function writeFileAtomic({ cwd, redactor }: WriteContext, file: string, raw: string): Promise<string> {
  const text = redactor ? redactor.text(raw) : raw;
  const target = resolve(cwd, file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: "utf8", mode: 0o644 });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return target;
}

/** Written at once: large enough to keep syscalls few, small enough not to matter for memory. */
const CHUNK_BYTES = 1 << 16;

/**
 * Write one pass of `chunks` to a file (atomically: temp + rename, like writeFileAtomic) and, when
 * `also` is given, to that output too, so a document is produced once for both and never held whole.
 * Waits for `also` to drain when it is a stream that asks for it.
 */
export async function writeChunksAtomic({ cwd, redactor }: WriteContext, file: string, raw: Iterable<string>, also?: Output): Promise<string> {
  const chunks = redactor ? redactor.chunks(raw) : raw;
  const target = resolve(cwd, file);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  let handle;
  try {
    handle = await open(tmp, "w", 0o644);
    let pending = "";
    const flush = async (): Promise<void> => {
      if (pending === "") return;
      const text = pending;
      pending = "";
      await handle!.write(text, null, "utf8");
      if (also) await writeDrained(also, text);
    };
    for (const chunk of chunks) {
      pending += chunk;
      if (pending.length >= CHUNK_BYTES) await flush();
    }
    await flush();
    await handle.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return target;
}

/**
 * Write `chunks` to an output, waiting for it to drain when it is a stream that asks for it; with a
 * redactor, a secret split across two chunks is redacted too.
 */
export async function writeChunks(out: Output, raw: Iterable<string>, redactor?: Redactor): Promise<void> {
  const chunks = redactor ? redactor.chunks(raw) : raw;
  let pending = "";
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= CHUNK_BYTES) {
      await writeDrained(out, pending);
      pending = "";
    }
  }
  if (pending !== "") await writeDrained(out, pending);
}

async function writeDrained(out: Output, text: string): Promise<void> {
  const stream = out as Output & { once?: (event: "drain", fn: () => void) => unknown };
  if (out.write(text) === false && typeof stream.once === "function") await new Promise<void>((done) => stream.once!("drain", done));
}
