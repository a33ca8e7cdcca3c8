import type { Diagnostic } from "../core/diagnostics.js";
import { UserError } from "../core/errors.js";
import { hasGuardrailError, isChange, type Plan } from "../core/plan.js";
import { DEFAULT_GUARDRAILS } from "../config/guardrails.js";
import { addGuardrails } from "./guardrails.js";
import type { StateDocument, UntrackedEntry, Workspace } from "../core/types.js";
import type { ProviderApiError } from "../http/errors.js";
import { catalog } from "../providers/registry.js";
import { backendOf } from "../state/backend.js";
import { readState } from "../state/journal.js";
import { StateFileError } from "../state/state-file.js";
import { buildPlan } from "./build-plan.js";
import { planCarryOver } from "./new-version.js";
import { resolveLookups } from "./lookups.js";
import { accountsInScope, refresh, type RefreshedResource } from "./refresh.js";
import { closeSessions, openSessions, type AccountSession, type SessionOptions } from "./session.js";
import { checkReplace, checkTargets, withRenameSources } from "./targets.js";

/**
 * The plan workflow (validate is the caller's: it holds a valid workspace): read state → select
 * targets → open sessions → resolve lookups → refresh → build the plan. plan, drift and apply run it;
 * the CLI only renders what it reports (PlanRunEvents) and what it returns.
 */
export interface PlanRun {
  workspace: Workspace;
  state: StateDocument;
  sessions: Map<string, AccountSession>;
  refreshed: RefreshedResource[];
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
  /** `apply --replace ADDR`: plan these as new versions. */
  replace?: readonly string[];
  /** `--recontact`: a new version takes every row of the files, also people the old one contacted. */
  recontact?: boolean;
  /** Compute the plan's guardrails (people, sender capacity; docs/design.md §14): plan and apply do, drift does not. */
  guardrails?: boolean;
  /** The state already read (apply reads it under its lock); read from the state file when absent. */
  state?: StateDocument;
  /** Each account's campaigns as soon as its own refresh is done (apply starts that account early). */
  onAccountRefreshed?: (key: string, refreshed: RefreshedResource[]) => void;
  /** An account's plan already built from its refreshed campaigns (apply's early start): used as it is. */
  accountPlan?: (key: string) => Plan | undefined;
  /** false: the plan's entries carry no fingerprint of the live state (RefreshOptions.fingerprints). */
  fingerprints?: boolean;
  /** Where the API keys are read from, and the time budgets (src/engine/session.ts). */
  session: Pick<SessionOptions, "env" | "requestBudgetMs" | "commandBudgetMs">;
}

/** What a plan run reports while it works (the CLI shows it on stderr). */
export interface PlanRunEvents {
  /** Every HTTP response and retry wait (SessionOptions.onEvent). */
  http?: SessionOptions["onEvent"];
  /** The refresh begins (the sessions are open); `refreshProgress` follows, `refreshEnd` closes it, however it ends. */
  refreshStart?: () => void;
  refreshProgress?: (done: number, total: number) => void;
  refreshEnd?: () => void;
  /** Lookups that did not resolve to exactly one object; the run then stops with a UserError. */
  lookupProblems?: (diagnostics: readonly Diagnostic[]) => void;
  /** An account whose list failed (its campaigns are skipped whole): once per account. */
  listFailure?: (err: ProviderApiError) => void;
  /** A live object a refused state commit left behind, tracked by no address; `boundTo` holds the address's own id. */
  untracked?: (entry: UntrackedEntry, boundTo: string | undefined) => void;
}

/** The state file, read with its journal folded in; a damaged file is a UserError. */
export async function loadState(file: string): Promise<StateDocument> {
  try {
    return await readState(file, catalog);
  } catch (err) {
    if (err instanceof StateFileError) throw new UserError(err.message);
    throw err;
  }
}

/** The workspace's state from its backend (the state file, or PostgreSQL); a damaged state is a UserError. */
export async function loadWorkspaceState(workspace: Pick<Workspace, "stateFile" | "backend">, env: Record<string, string | undefined> = process.env): Promise<StateDocument> {
  if (!workspace.backend) return loadState(workspace.stateFile);
  const backend = await backendOf(workspace, env);
  try {
    return await backend.read(catalog);
  } catch (err) {
    if (err instanceof StateFileError) throw new UserError(err.message);
    throw err;
  } finally {
    await backend.close();
  }
}

/** read state → refresh → plan; sessions are left open for the caller (apply) to use. Provider failures are thrown as they are. */
export async function runPlan(declared: Workspace, opts: PlanRunOptions, events: PlanRunEvents = {}): Promise<PlanRun> {
  const state = opts.state ?? (await loadWorkspaceState(declared, opts.session.env));
  const targets = withRenameSources(declared, state, checkTargets(declared, state, opts.targets, opts.exclude));
  checkReplace(declared, opts.replace);
  const sessions = await openSessions(declared, accountsInScope(declared, state, targets), {
    readOnly: opts.readOnly,
    ...opts.session,
    ...(events.http ? { onEvent: events.http } : {}),
  });
  events.refreshStart?.();
  try {
    // Lookups ({ teamMember }, { sender }) first, read-only: the rest of the run sees plain ids.
    const lookups = await resolveLookups(declared, state, sessions, targets);
    if (lookups.diagnostics.length > 0) {
      events.lookupProblems?.(lookups.diagnostics);
      const n = lookups.diagnostics.length;
      throw new UserError(`${n} lookup${n === 1 ? "" : "s"} did not resolve to exactly one object; fix ${n === 1 ? "it" : "them"} before going on`);
    }
    const workspace = lookups.workspace;
    const refreshed = await refresh(workspace, state, sessions, {
      ...(targets ? { targets } : {}),
      ...(opts.recreateMissing ? { recreateMissing: true } : {}),
      ...(opts.recreatePending ? { recreatePending: true } : {}),
      ...(opts.fingerprints === false ? { fingerprints: false } : {}),
      // The lookups' notes join each account's campaigns before anything plans them (an early start does).
      onAccountDone: (key, done) => {
        for (const r of done) r.notes.push(...(lookups.notes.get(r.address) ?? []));
        opts.onAccountRefreshed?.(key, done);
      },
      onProgress: (d, t) => events.refreshProgress?.(d, t),
    });
    // An account whose list failed is skipped whole; its failure is reported once.
    const listFailures = new Map<string, ProviderApiError>();
    for (const r of refreshed) if (r.listError && !listFailures.has(r.session.key)) listFailures.set(r.session.key, r.listError);
    for (const err of listFailures.values()) events.listFailure?.(err);
    // Objects a refused state commit left (state merge): live, tracked by no address.
    for (const u of state.untracked ?? []) events.untracked?.(u, state.campaigns[u.address]?.id);
    const plan = buildPlan(refreshed, {
      state,
      ...(workspace.pruneDelete ? { pruneDelete: true } : {}),
      ...(opts.replace ? { replace: opts.replace } : {}),
      ...(opts.accountPlan ? { reuse: opts.accountPlan } : {}),
    });
    if (!opts.recontact) await planCarryOver(plan, refreshed);
    if (opts.guardrails) await addGuardrails(plan, refreshed, workspace.guardrails ?? DEFAULT_GUARDRAILS);
    plan.prune = opts.prune ?? workspace.prune === true;
    // Which state the plan was made from: a saved plan is refused against another lineage or a newer serial.
    plan.state = { serial: state.serial ?? 0, ...(state.lineage === undefined ? {} : { lineage: state.lineage }) };
    if (state.untracked && state.untracked.length > 0) plan.untracked = state.untracked.map((u) => ({ address: u.address, provider: u.provider, id: u.id }));
    return { workspace, state, sessions, refreshed, plan };
  } catch (err) {
    closeSessions(sessions);
    throw err;
  } finally {
    events.refreshEnd?.();
  }
}

/** plan exit codes (docs/design.md §6): 0 no changes; 1 error; --detailed-exitcode: 2 applicable changes, 3 blocked or replace. */
export function planExitCode(plan: Plan, detailed: boolean): number {
  if (plan.errors.length > 0) return 1;
  if (!detailed) return 0;
  const s = plan.summary;
  // A guardrail error (docs/design.md §14) is never applied without --force: like a blocked change.
  if (s.blocked > 0 || s.replace > 0 || hasGuardrailError(plan)) return 3;
  // An orphan apply will not touch (prune off, or a provider that cannot retire it) is a note, not a change.
  return plan.campaigns.some((c) => isChange(c, plan.prune === true)) ? 2 : 0;
}
