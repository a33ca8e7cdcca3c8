import { readFile } from "node:fs/promises";
import { boundElsewhere } from "../../core/bindings.js";
import { isAbsolute, relative, resolve } from "node:path";
import { Option } from "commander";
import { diffUnits, pathWithin } from "../../core/diff.js";
import { stableStringify, type JsonObject, type JsonValue } from "../../core/json.js";
import { addressOf, type Address, type ResourceDecl, type StateDocument, type StateEntry, type Workspace } from "../../core/types.js";
import { nearMatches } from "../../core/suggest.js";
import { readForAdoption } from "../../engine/adopt.js";
import { accountKey, closeSessions, openSessions, sessionForKind, timeLimits } from "../../engine/session.js";
import { NAME_PATTERN } from "../../engine/import.js";
import { addressForKind, catalog, kindModuleOf, lookupsOf, providerById, referencesOf } from "../../providers/registry.js";
import { findLookups, findRefs, pendingAddresses, replaceAt } from "../../core/refs.js";
import { resolveLookups } from "../../engine/lookups.js";
import { journalFileOf, StateStore } from "../../state/journal.js";
import { mergeStates } from "../../state/merge.js";
import { parseState, readStateFile, StateFileError, StateLockedError, withStateLock, writeState } from "../../state/state-file.js";
import { backendOf, StateConflictError, type StateBackend } from "../../state/backend.js";
import type { CommandContext, RegisterCommand } from "../context.js";
import { CliError } from "../io.js";
import { httpEvents, loadState, withProviderErrors } from "../pipeline.js";
import { loadValidWorkspace } from "../workspace.js";

/**
 * `campaignctl state list | show ADDR | adopt ADDR --id ID | forget ADDR` — inspect and edit the
 * state file (docs/design.md §4). adopt and forget hold the state lock and write atomically; nothing here
 * ever writes to a provider (adopt reads through a read-only session).
 */

/** Up to five recorded/declared addresses close to `address` (kept here for existing importers). */
export { nearMatches };

function unknownAddress(address: string, what: string, candidates: Iterable<string>): CliError {
  const near = nearMatches(address, candidates);
  const hint = near.length > 0 ? `; did you mean ${near.join(", ")}?` : "";
  return new CliError(`${address} ${what}${hint} (addresses look like <provider>/<account>/<metadata.name>; see \`campaignctl state list\`)`);
}

/** Where the workspace's state is, for messages: its state file, or the PostgreSQL key. */
function stateWhere(ctx: CommandContext, workspace: Workspace): string {
  return workspace.backend ? `PostgreSQL key ${workspace.backend.key}` : shown(ctx, workspace.stateFile);
}

/** A path as the user would type it: relative to the current directory when it lies below it. */
function shown(ctx: CommandContext, file: string): string {
  const rel = relative(ctx.io.cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function alignedRows(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd()).join("\n") + "\n";
}

/** What a locked update sees: the state as it is, and a write that is refused if it moved on (CAS). */
interface LockedState {
  read(): Promise<StateDocument>;
  write(doc: StateDocument): Promise<void>;
}

/** Run `fn` under the workspace's state lock (the lock file, or PostgreSQL's advisory lock). */
async function lockedUpdate<T>(ctx: CommandContext, workspace: Workspace, fn: (state: LockedState, backend: StateBackend) => Promise<T>, command?: string): Promise<T> {
  const backend = await backendOf(workspace, ctx.io.env);
  try {
    const lock = await backend.lock(command ? { command } : {});
    try {
      return await fn({ read: () => readBackend(backend), write: (doc) => backend.write(doc, catalog) }, backend);
    } finally {
      await lock.release().catch(() => undefined);
    }
  } catch (err) {
    if (err instanceof StateLockedError || err instanceof StateConflictError || (err instanceof Error && err.name === "StateLockedError")) throw new CliError(err.message);
    throw err;
  } finally {
    await backend.close();
  }
}

async function readBackend(backend: StateBackend): Promise<StateDocument> {
  try {
    return await backend.read(catalog);
  } catch (err) {
    if (err instanceof StateFileError) throw new CliError(err.message);
    throw err;
  }
}

/** The workspace's state, read from its backend (no lock: plan and the listing commands take none). */
async function workspaceState(ctx: CommandContext, workspace: Workspace): Promise<StateDocument> {
  if (!workspace.backend) return loadState(workspace.stateFile);
  const backend = await backendOf(workspace, ctx.io.env);
  try {
    return await readBackend(backend);
  } finally {
    await backend.close();
  }
}

/** The state's serial and lineage (docs/design.md §12), and any creates an interrupted apply left pending. */
function header(ctx: CommandContext, workspace: Workspace, state: StateDocument): void {
  if (ctx.global.quiet) return;
  const lines = [
    state.lineage === undefined
      ? `${stateWhere(ctx, workspace)}: never written (serial 0)`
      : `${stateWhere(ctx, workspace)}: serial ${state.serial ?? 0}, lineage ${state.lineage}`,
  ];
  for (const [address, p] of Object.entries(state.pending ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`pending create: ${address} (${JSON.stringify(p.name)}, sent ${p.at}, answer not recorded; the next apply resolves it)`);
  }
  ctx.io.stderr.write(`${lines.join("\n")}\n`);
}

function list(ctx: CommandContext, workspace: Workspace, state: StateDocument, format: "text" | "json"): number {
  header(ctx, workspace, state);
  const addresses = Object.keys(state.campaigns).sort();
  if (addresses.length === 0 && !ctx.global.quiet) {
    ctx.io.stderr.write(`No campaigns recorded in ${stateWhere(ctx, workspace)} yet: apply, import or \`campaignctl state adopt\` records them.\n`);
  }
  if (format === "json") {
    const rows = addresses.map((address) => {
      const e = state.campaigns[address] as StateEntry;
      return { address, provider: e.provider, account: e.account, kind: e.kind, id: e.id, appliedAt: e.appliedAt };
    });
    ctx.io.stdout.write(`${stableStringify({ formatVersion: 1, campaigns: rows }, 2)}\n`);
    return 0;
  }
  if (addresses.length === 0) return 0;
  const rows = [["ADDRESS", "ID", "KIND", "APPLIED AT"]];
  for (const address of addresses) {
    const e = state.campaigns[address] as StateEntry;
    rows.push([address, e.id, e.kind, e.appliedAt]);
  }
  ctx.io.stdout.write(alignedRows(rows));
  return 0;
}

function show(ctx: CommandContext, workspace: Workspace, state: StateDocument, address: string): number {
  header(ctx, workspace, state);
  const entry = state.campaigns[address];
  if (!entry) {
    throw unknownAddress(address, `is not recorded in ${stateWhere(ctx, workspace)}`, [...Object.keys(state.campaigns), ...workspace.campaigns.map((c) => c.address)]);
  }
  ctx.io.stdout.write(`${stableStringify(entry, 2)}\n`);
  return 0;
}

interface Adoption {
  id: string;
  applied: JsonObject;
  verified: boolean;
  /** The status the read showed, recorded as observed. */
  status?: string;
  /** Paths no read returned: unknown, so never reported as differing. */
  missing?: readonly string[];
  /** Immutable paths no read returned, recorded as the spec says. */
  assumed?: readonly string[];
}

/**
 * The declared spec of an object that cannot be read back, as apply would have sent it (docs/design.md §11):
 * each `{ ref }` replaced by the id state records for the object it names, each lookup resolved
 * (read-only) — what is recorded must compare equal to the next plan's resolved spec.
 */
async function resolvedForAdoption(ctx: CommandContext, workspace: Workspace, decl: ResourceDecl): Promise<JsonObject> {
  const state = await workspaceState(ctx, workspace);
  const replacements: { at: (string | number)[]; value: JsonValue }[] = [];
  for (const ref of findRefs(decl.spec, referencesOf(decl.kind))) {
    const target = addressForKind(ref.field.kind, decl.account, ref.name) ?? "";
    const id = state.campaigns[target]?.id;
    if (id === undefined) throw new CliError(`${ref.at.join(".")} refers to ${target}, which state does not record yet; adopt or apply it first`);
    replacements.push({ at: ref.at, value: id });
  }
  const spec = replacements.length > 0 ? replaceAt(decl.spec, replacements) : structuredClone(decl.spec);
  const withSpec = { ...decl, spec };
  if (findLookups(spec, lookupsOf(decl.kind)).length === 0) return spec;
  const key = accountKey(decl.provider, decl.account);
  const sessions = await openSessions(workspace, [key], { readOnly: true, env: ctx.io.env, ...timeLimits(ctx.global), ...httpEvents(ctx) });
  try {
    const resolved = await withProviderErrors(() => resolveLookups({ ...workspace, campaigns: [withSpec] }, state, sessions), workspace);
    if (resolved.diagnostics.length > 0) throw new CliError(resolved.diagnostics.map((d) => d.message).join("; "));
    const out = resolved.workspace.campaigns[0]?.spec ?? spec;
    if (pendingAddresses(out).size > 0) throw new CliError(`cannot resolve the lookups of ${decl.address} without ${workspace.accounts.find((a) => accountKey(a.provider, a.name) === key)?.apiKeyEnv ?? "the API key"}`);
    return out;
  } finally {
    closeSessions(sessions);
  }
}

/**
 * Read the object by id through a read-only session of its own kind, or (a kind that cannot be read)
 * take the declared spec.
 */
async function adoptionOf(ctx: CommandContext, workspace: Workspace, decl: ResourceDecl, id: string): Promise<Adoption> {
  const module = kindModuleOf(decl.kind).kind;
  if (!module.capabilities.readable) return { id, applied: await resolvedForAdoption(ctx, workspace, decl), verified: false };
  const key = accountKey(decl.provider, decl.account);
  const sessions = await openSessions(workspace, [key], { readOnly: true, env: ctx.io.env, ...timeLimits(ctx.global), ...httpEvents(ctx) });
  try {
    const account = sessions.get(key);
    if (!account) throw new Error(`no session for ${key}`);
    const read = await withProviderErrors(() => readForAdoption(sessionForKind(account, decl.kind), decl, id), workspace);
    if (read === "unreadable") return { id, applied: structuredClone(decl.spec), verified: false };
    if (!read) {
      throw new CliError(`${module.displayName} has no ${module.capabilities.noun ?? "campaign"} with id ${id} (account ${decl.account} answered 404); check the id, nothing was recorded`);
    }
    return { ...read, verified: true };
  } finally {
    closeSessions(sessions);
  }
}

async function adopt(ctx: CommandContext, address: string, rawId: string): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  const decl = workspace.campaigns.find((c) => c.address === address);
  if (!decl) {
    throw unknownAddress(address, "is not declared in any campaign file (adopt binds a declared campaign to an existing id)", workspace.campaigns.map((c) => c.address));
  }
  const id = rawId.trim();
  if (id === "") throw new CliError("--id must not be empty");
  const module = kindModuleOf(decl.kind).kind;
  const caps = module.capabilities;

  const result = await lockedUpdate(ctx, workspace, async (locked) => {
    const state = await locked.read();
    const taken = (candidate: string) => boundElsewhere(state.campaigns, address, { provider: decl.provider, account: decl.account, kind: decl.kind, id: candidate });
    const before = taken(id);
    if (before) {
      throw new CliError(`${module.displayName} id ${id} is already bound to ${before}; one live campaign can back only one address (run \`campaignctl state forget ${before}\` first if that binding is wrong)`);
    }
    const current = state.campaigns[address];
    if (current && current.id !== id) {
      throw new CliError(`${address} is already bound to id ${current.id}; run \`campaignctl state forget ${address}\` first to bind it to ${id}`);
    }
    const adoption = await adoptionOf(ctx, workspace, decl, id);
    // The provider may spell the id differently (Altur integers): check the canonical form too.
    const after = adoption.id !== id ? taken(adoption.id) : undefined;
    if (after) throw new CliError(`${module.displayName} id ${adoption.id} is already bound to ${after}`);
    const entry: StateEntry = {
      provider: decl.provider,
      account: decl.account,
      kind: decl.kind,
      id: adoption.id,
      appliedAt: new Date().toISOString(),
      applied: adoption.applied,
      ...(adoption.status !== undefined ? { observed: { status: adoption.status } } : {}),
    };
    // Binding the address settles a create an interrupted apply left pending for it.
    const pending = { ...(state.pending ?? {}) };
    delete pending[address];
    await locked.write({ ...state, campaigns: { ...state.campaigns, [address]: entry }, pending });
    return { adoption, rebound: current !== undefined };
  });

  const { adoption } = result;
  ctx.io.stdout.write(`${address} is now bound to ${module.displayName} campaign ${adoption.id}${result.rebound ? " (recorded values refreshed)" : ""}.\n`);
  if (!adoption.verified) {
    ctx.io.stderr.write(
      `warning: ${module.displayName} has no read API, so campaignctl could not verify that campaign ${adoption.id} exists or what it contains. ` +
        `The declared spec was recorded as last applied: plans will assume the live campaign matches ${shown(ctx, decl.source.file)}. ` +
        `If it does not, the first apply that changes the file sends the whole body and overwrites it.\n`,
    );
    return 0;
  }
  const opts = { mergePaths: caps.mergePaths, opaquePaths: caps.opaquePaths, unorderedPaths: caps.unorderedPaths };
  if (adoption.assumed && adoption.assumed.length > 0) {
    ctx.io.stdout.write(`${adoption.assumed.join(", ")}: not returned by ${module.displayName}; recorded as the campaign file says (cannot be checked).\n`);
  }
  const unknown = adoption.missing ?? [];
  const differing = diffUnits(decl.spec, adoption.applied, opts)
    .map((u) => u.path)
    .filter((p) => !unknown.some((m) => pathWithin(m, p) || pathWithin(p, m)));
  if (differing.length === 0) {
    ctx.io.stdout.write("Live matches the campaign file: the next plan shows no changes for it.\n");
    return 0;
  }
  ctx.io.stdout.write(`Live differs from the campaign file in ${differing.join(", ")}: \`campaignctl plan\` shows the changes apply would make.\n`);
  const immutable = differing.filter((p) => caps.immutable.some((imm) => pathWithin(p, imm) || pathWithin(imm, p)));
  if (immutable.length > 0) {
    ctx.io.stderr.write(
      `warning: ${immutable.join(", ")} cannot change after a campaign is created, so the next plan proposes a replace; check that ${adoption.id} is the campaign you meant.\n`,
    );
  }
  return 0;
}

async function forgetUntracked(ctx: CommandContext, workspace: Workspace, address: string, id: string): Promise<number> {
  await lockedUpdate(ctx, workspace, async (locked) => {
    const state = await locked.read();
    const untracked = state.untracked ?? [];
    const rest = untracked.filter((u) => !(u.address === address && u.id === id));
    if (rest.length === untracked.length) {
      throw new CliError(`${address} has no untracked object with id ${id} in ${stateWhere(ctx, workspace)} (see \`campaignctl plan\`)`);
    }
    await locked.write({ ...state, untracked: rest });
  });
  ctx.io.stdout.write(`Forgot the untracked object ${id} of ${address}. The live object is untouched: delete it in the provider if it is a duplicate.\n`);
  return 0;
}

async function forget(ctx: CommandContext, address: string, untrackedId?: string): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  if (untrackedId !== undefined) return forgetUntracked(ctx, workspace, address, untrackedId);
  const removed = await lockedUpdate(ctx, workspace, async (locked) => {
    const state = await locked.read();
    const entry = state.campaigns[address];
    if (!entry) {
      throw unknownAddress(address, `is not recorded in ${stateWhere(ctx, workspace)}`, [...Object.keys(state.campaigns), ...workspace.campaigns.map((c) => c.address)]);
    }
    const campaigns: Record<Address, StateEntry> = { ...state.campaigns };
    delete campaigns[address];
    await locked.write({ ...state, campaigns });
    return entry;
  });
  const module = kindModuleOf(removed.kind).kind;
  ctx.io.stdout.write(
    `Forgot ${address} (${module.displayName} id ${removed.id}). The live campaign is untouched: campaignctl no longer tracks it.\n`,
  );
  const decl = workspace.campaigns.find((c) => c.address === address);
  if (decl) {
    const next = module.capabilities.readable
      ? `the next plan adopts a live ${module.displayName} campaign with exactly the same name, or plans a create when there is none`
      : `the next plan creates a NEW ${module.displayName} campaign (it cannot look campaigns up); bind it again with \`campaignctl state adopt ${address} --id ${removed.id}\` or remove the file`;
    ctx.io.stderr.write(`warning: ${address} is still declared in ${shown(ctx, decl.source.file)}: ${next}.\n`);
  }
  return 0;
}

async function mv(ctx: CommandContext, from: string, to: string): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  const parts = to.split("/");
  const moved = await lockedUpdate(ctx, workspace, async (locked) => {
    const state = await locked.read();
    const entry = state.campaigns[from];
    if (!entry) {
      throw unknownAddress(from, `is not recorded in ${stateWhere(ctx, workspace)}`, [...Object.keys(state.campaigns), ...workspace.campaigns.map((c) => c.address)]);
    }
    if (from === to) throw new CliError(`${from} and ${to} are the same address: nothing to move`);
    const short = kindModuleOf(entry.kind).kind.short;
    const name = parts.at(-1) ?? "";
    if (to !== addressOf(entry.provider, entry.account, name, short) || !NAME_PATTERN.test(name)) {
      throw new CliError(
        `${to} is not an address for this campaign: state mv keeps the provider and account, so NEW must look like ${addressOf(entry.provider, entry.account, "<metadata.name>", short)} (lowercase letters, digits and '-')`,
      );
    }
    const taken = state.campaigns[to];
    if (taken) {
      throw new CliError(`${to} is already recorded (id ${taken.id}); run \`campaignctl state forget ${to}\` first if that binding is wrong`);
    }
    // Same order, the key replaced in place; every other field of the state document is kept.
    const campaigns: Record<Address, StateEntry> = {};
    for (const [address, e] of Object.entries(state.campaigns)) campaigns[address === from ? to : address] = e;
    await locked.write({ ...state, campaigns });
    return entry;
  });
  const module = kindModuleOf(moved.kind).kind;
  ctx.io.stdout.write(`Moved ${from} to ${to} (${module.displayName} id ${moved.id}). The live campaign is untouched.\n`);
  if (!workspace.campaigns.some((c) => c.address === to)) {
    ctx.io.stderr.write(
      `warning: ${to} is not declared in any campaign file: set metadata.name: ${parts.at(-1)} in the file that declared ${from}, or the next plan shows ${to} as no longer in Git.\n`,
    );
  }
  return 0;
}

/** Read a state file for `state merge`: its errors are located one-line errors. */
async function stateAt(file: string): Promise<StateDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseState(file, text, catalog);
  } catch (err) {
    if (err instanceof StateFileError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * `state merge --base B --ours O --theirs T --out F`: the commit-back's three-way merge by address
 * (src/state/merge.ts) when another run committed a newer state of the same lineage meanwhile.
 */
async function merge(ctx: CommandContext, opts: { base: string; ours: string; theirs: string; out: string }): Promise<number> {
  const [base, ours, theirs] = await Promise.all([stateAt(opts.base), stateAt(opts.ours), stateAt(opts.theirs)]);
  const lineages = new Set([base.lineage, ours.lineage, theirs.lineage]);
  if (lineages.size !== 1 || base.lineage === undefined) {
    throw new CliError(`the three states are not of one lineage (base ${base.lineage ?? "none"}, ours ${ours.lineage ?? "none"}, theirs ${theirs.lineage ?? "none"}): not merged`);
  }
  const result = mergeStates(base, ours, theirs);
  try {
    await writeState(opts.out, result.doc);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const lines = [`Merged this run's state into the newer one (serial ${theirs.serial ?? 0} → ${result.doc.serial ?? 0}): ${result.taken.length} address(es) taken from this run, ${result.conflicts.length} conflict(s).`];
  for (const a of result.taken) lines.push(`  taken    ${a} = ${result.doc.campaigns[a]?.id ?? "(removed)"}`);
  for (const c of result.conflicts) {
    lines.push(`  untracked ${c.address}: ${providerById(c.provider).displayName} id ${c.id} made by this run; the address stays bound to ${theirs.campaigns[c.address]?.id ?? "?"} (the plan reports it until it is deleted and forgotten)`);
  }
  ctx.io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/**
 * Fold the journal an interrupted apply left into the state file, without applying anything: the
 * recovery StateStore.open does at the start of every apply, under the lock (a dead holder's lock is
 * taken over; a live one is waited for up to 10 s). Pending creates stay in the state file's
 * `pending`, so the next apply resolves them. The GitOps commit-back runs it before committing.
 */
async function fold(ctx: CommandContext): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  const file = workspace.stateFile;
  if (workspace.backend) {
    ctx.io.stdout.write(`Nothing to fold: the state is in PostgreSQL (backend in campaignctl.yaml), where every change is recorded as it lands; the next apply makes an interrupted one's changes its next serial.\n`);
    return 0;
  }
  const note = (t: string) => ctx.io.stderr.write(`${t}\n`);
  const folded = await withStateLock(
    file,
    async () => {
      const before = await readStateFile(file, catalog);
      const store = await StateStore.open(file, catalog, { onNote: (t) => note(`note: ${t}`) });
      store.close();
      if (store.failure) throw new CliError(`${store.failure.message}; the journal ${shown(ctx, journalFileOf(file))} is kept, nothing was lost`);
      return { before, after: store.doc, wrote: (store.doc.serial ?? 0) !== (before.serial ?? 0) };
    },
    { command: "state fold", waitMs: 10_000, onNote: note, retryHint: "a running apply folds its own journal when it ends: wait for it" },
  ).catch((err: unknown) => {
    if (err instanceof StateLockedError || err instanceof StateFileError) throw new CliError(err.message);
    throw err;
  });
  const { before, after } = folded;
  if (!folded.wrote) {
    ctx.io.stdout.write(`Nothing to fold: ${shown(ctx, file)} already holds every recorded change (serial ${before.serial ?? 0}).\n`);
    return 0;
  }
  const recorded = Object.keys(after.campaigns).filter((a) => before.campaigns[a]?.id !== after.campaigns[a]?.id || before.campaigns[a]?.appliedAt !== after.campaigns[a]?.appliedAt).sort();
  const removed = Object.keys(before.campaigns).filter((a) => after.campaigns[a] === undefined).sort();
  const pending = Object.entries(after.pending ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const lines = [`Folded ${shown(ctx, journalFileOf(file))} into ${shown(ctx, file)} (serial ${before.serial ?? 0} → ${after.serial ?? 0}): ${recorded.length} entr${recorded.length === 1 ? "y" : "ies"} recorded, ${removed.length} removed, ${pending.length} pending create${pending.length === 1 ? "" : "s"}.`];
  for (const a of recorded) lines.push(`  recorded ${a} = ${after.campaigns[a]?.id ?? ""}`);
  for (const a of removed) lines.push(`  removed  ${a} (was ${before.campaigns[a]?.id ?? ""})`);
  for (const [a, p] of pending) lines.push(`  pending  ${a} (${JSON.stringify(p.name)}, sent ${p.at}; the next apply resolves it)`);
  ctx.io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

function needsBackend(workspace: Workspace, what: string): asserts workspace is Workspace & { backend: NonNullable<Workspace["backend"]> } {
  if (!workspace.backend) throw new CliError(`state ${what} moves state between the state file and a backend, and campaignctl.yaml sets none (backend: { type: postgres, urlEnv: CAMPAIGNCTL_PG_URL, key: NAME })`);
}

/**
 * `state pull [--out FILE]`: copy the backend's state into the state file (or FILE), with the backend's
 * serial and lineage — a snapshot to commit, or the way back from the backend to Git. Read-only there.
 */
async function pull(ctx: CommandContext, out: string | undefined): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  needsBackend(workspace, "pull");
  const doc = await workspaceState(ctx, workspace);
  const file = out === undefined ? workspace.stateFile : resolve(ctx.io.cwd, out);
  try {
    await writeState(file, { ...doc, serial: Math.max(0, (doc.serial ?? 0) - 1) });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  ctx.io.stdout.write(`Pulled serial ${doc.serial ?? 0} (lineage ${doc.lineage ?? "none"}, ${Object.keys(doc.campaigns).length} campaign(s), ${Object.keys(doc.pending ?? {}).length} pending) into ${shown(ctx, file)}.\n`);
  return 0;
}

/**
 * `state push [--force]`: make the state file (or FILE) the backend's state, under the backend's lock.
 * Refused when the backend holds another lineage or a newer serial than the file (--force overrides);
 * the backend's serial becomes one more than both, so it is newer than anything either side had.
 */
async function push(ctx: CommandContext, opts: { from?: string; force?: boolean }): Promise<number> {
  const workspace = await loadValidWorkspace(ctx);
  needsBackend(workspace, "push");
  const file = opts.from === undefined ? workspace.stateFile : resolve(ctx.io.cwd, opts.from);
  const local = await stateAt(file);
  const result = await lockedUpdate(
    ctx,
    workspace,
    async (locked, backend) => {
      const there = await locked.read();
      const empty = (there.serial ?? 0) === 0 && Object.keys(there.campaigns).length === 0;
      if (!empty && !opts.force) {
        if (there.lineage !== undefined && local.lineage !== undefined && there.lineage !== local.lineage) {
          throw new CliError(`${backend.where} holds another state history (lineage ${there.lineage}, ${shown(ctx, file)} has ${local.lineage}): not pushed; --force replaces it`);
        }
        if ((there.serial ?? 0) > (local.serial ?? 0)) {
          throw new CliError(`${backend.where} is newer (serial ${there.serial}) than ${shown(ctx, file)} (serial ${local.serial ?? 0}): not pushed, it would lose changes; \`campaignctl state pull\` first, or --force`);
        }
      }
      const serial = Math.max(there.serial ?? 0, local.serial ?? 0) + 1;
      const doc = { ...local, serial };
      await backend.write(doc, catalog, { keepSerial: true, force: true });
      return { serial, lineage: doc.lineage, where: backend.where };
    },
    "state push",
  );
  ctx.io.stdout.write(`Pushed ${shown(ctx, file)} (${Object.keys(local.campaigns).length} campaign(s)) to ${result.where}: now serial ${result.serial}, lineage ${result.lineage ?? "none"}.\n`);
  return 0;
}

export const register: RegisterCommand = (program, run) => {
  const state = program
    .command("state")
    .description("inspect and edit campaignctl.state.json: list, show, adopt an existing campaign, move one to a new address, forget one")
    .addHelpText("after", "\nadopt reads the provider (read-only); forget never touches the live campaign.");

  state
    .command("list")
    .description("one line per recorded address: address, id, kind, applied at")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(
      run(async (ctx, opts: { format: "text" | "json" }) => {
        const workspace = await loadValidWorkspace(ctx);
        return list(ctx, workspace, await workspaceState(ctx, workspace), opts.format);
      }),
    );

  state
    .command("show")
    .description("print the recorded entry of ADDR as JSON (id, applied values, applied at)")
    .argument("<address>", "e.g. altur/default/q2-reactivation")
    .action(
      run(async (ctx, address: string) => {
        const workspace = await loadValidWorkspace(ctx);
        return show(ctx, workspace, await workspaceState(ctx, workspace), address);
      }),
    );

  state
    .command("adopt")
    .description("bind a declared campaign address to an existing live campaign id (verified read-only where the provider can be read)")
    .argument("<address>", "a campaign declared in the campaign files, e.g. extrovert/default/founders-engagement")
    .requiredOption("--id <id>", "the provider's campaign id")
    .action(run(async (ctx, address: string, opts: { id: string }) => adopt(ctx, address, opts.id)));

  state
    .command("mv")
    .description("re-key a recorded campaign from OLD to NEW after renaming its metadata.name (the live campaign is not touched)")
    .argument("<old>", "the recorded address, e.g. altur/default/q2")
    .argument("<new>", "the new address, same provider and account, e.g. altur/default/q2-reactivation")
    .action(run(async (ctx, from: string, to: string) => mv(ctx, from, to)));

  state
    .command("fold")
    .description("fold the journal an interrupted apply left into the state file (ids created, pending creates), without applying")
    .action(run(async (ctx) => fold(ctx)));

  state
    .command("forget")
    .alias("rm")
    .description("remove ADDR from the state file (the live campaign is not touched)")
    .argument("<address>", "a recorded address, see `campaignctl state list`")
    .option("--untracked <id>", "forget the untracked duplicate ID of ADDR (reported by plan) instead of the binding")
    .action(run(async (ctx, address: string, opts: { untracked?: string }) => forget(ctx, address, opts.untracked)));

  state
    .command("pull")
    .description("copy the state from the backend (PostgreSQL) into the state file, with its serial and lineage")
    .option("--out <file>", "write it here instead of the state file")
    .action(run(async (ctx, opts: { out?: string }) => pull(ctx, opts.out)));

  state
    .command("push")
    .description("make the state file the backend's state (PostgreSQL), refused when the backend is newer or of another lineage")
    .option("--from <file>", "push this state file instead of the workspace's")
    .option("--force", "replace the backend's state even when it is newer or of another lineage")
    .action(run(async (ctx, opts: { from?: string; force?: boolean }) => push(ctx, opts)));

  state
    .command("merge")
    .description("three-way merge of state files by address (the GitOps commit-back, when another run committed a newer state meanwhile)")
    .requiredOption("--base <file>", "the state the run started from")
    .requiredOption("--ours <file>", "the state the run wrote")
    .requiredOption("--theirs <file>", "the newer state on the branch")
    .requiredOption("--out <file>", "where to write the merge")
    .action(run(async (ctx, opts: { base: string; ours: string; theirs: string; out: string }) => merge(ctx, opts)));
};
