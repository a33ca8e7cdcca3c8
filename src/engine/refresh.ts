import { createHash } from "node:crypto";
import { relative } from "node:path";
import { jsonEqual, poolStrings, shareStrings, stableStringify, type JsonObject } from "../core/json.js";
import { mapPool } from "../core/pool.js";
import type { LiveView, PreflightResult } from "../core/planner.js";
import { lifecyclePath } from "../core/planner.js";
import { adoptionCandidates } from "../core/lifecycle.js";
import type { BlockedStep, ResourcePlan, PlanNote } from "../core/plan.js";
import type { Address, ResourceDecl, PendingCreate, StateDocument, StateEntry, Workspace } from "../core/types.js";
import { isProviderApiError, type ProviderApiError } from "../http/errors.js";
import { mergeLive } from "../providers/mapping.js";
import { fillUnknown, unknownNotes } from "./fill-unknown.js";
import type { LiveResource } from "../providers/types.js";
import { refreshAudience, type RefreshedAudience } from "./audience.js";
import { accountKey, sessionForKind, type AccountSession, type KindSession } from "./session.js";
import { nextTurn } from "../http/turns.js";

/** The fewest campaigns of one account refreshed at once (see refreshAccount). */
const MIN_REFRESH_WIDTH = 64;

/** One address after reading the provider: what Git wants, what state remembers, what is live. */
export interface RefreshedResource {
  address: Address;
  decl?: ResourceDecl;
  state?: StateEntry;
  session: KindSession;
  identity: ResourcePlan["identity"];
  live?: LiveView;
  preflight?: Record<string, PreflightResult>;
  notes: PlanNote[];
  /** The address this campaign was recorded under before its metadata.name changed (a rename). */
  movedFrom?: Address;
  /** The declared audience compared with the roster (docs/design.md §10). */
  audience?: RefreshedAudience;
  /** Set when the address cannot be planned (ambiguous name, id deleted outside campaignctl, a read that failed). */
  error?: string;
  /** A create an earlier apply sent whose answer was lost, on a provider that cannot be looked up: plan no create. */
  blockedCreate?: BlockedStep;
  /** Set (with `error`) when the account's list failed: the whole account is skipped, reported once per account. */
  listError?: ProviderApiError;
}

export interface RefreshOptions {
  /** Limit to these addresses (plan/apply --target). */
  targets?: readonly string[];
  recreateMissing?: boolean;
  /** Re-create campaigns whose earlier create was sent but never answered, on providers that cannot be read. */
  recreatePending?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Called as each account's refresh finishes, with its campaigns (before the other accounts are done). */
  onAccountDone?: (key: string, refreshed: RefreshedResource[]) => void;
  /**
   * false: no fingerprint of what was read (LiveView.fingerprint) — for a run whose plan is neither saved
   * nor printed as JSON nor compared with a saved plan (apply of a fresh plan): a hash of every live body
   * was a sixth of the refresh's own CPU (issue 30). Default true.
   */
  fingerprints?: boolean;
}

export function fingerprintOf(live: { id: string; status?: string; spec: JsonObject }): string {
  return createHash("sha256").update(stableStringify({ id: live.id, status: live.status ?? null, spec: live.spec })).digest("hex").slice(0, 32);
}


function toView(live: LiveResource, unknown: readonly string[], fingerprint: boolean): LiveView {
  return {
    id: live.id,
    ...(live.status === undefined ? {} : { status: live.status }),
    spec: live.spec,
    ...(fingerprint ? { fingerprint: fingerprintOf(live) } : {}),
    ...(unknown.length > 0 ? { unknown: [...unknown] } : {}),
  };
}

/**
 * The last applied body and the live view hold the declared spec's strings where they are equal, and
 * the live view the last applied body's elsewhere: one copy of each text per campaign (issue 30); short
 * strings the campaigns repeat are pooled (pooledString). With `subtrees` (a live view read from the
 * provider, after fillUnknown wrote into it: nothing changes these bodies in place afterwards, every
 * later change is made on a copy), equal objects and lists are shared whole as well.
 */
function shareTexts(decl: ResourceDecl | undefined, state: StateEntry | undefined, live: { spec: JsonObject } | undefined, subtrees = false): void {
  const opts = { subtrees };
  if (state) {
    // Applied exactly as declared (the common case: every campaign unchanged since its last apply): the
    // entry holds the declared spec itself for the rest of the run, not an equal body of its own (issue 30,
    // memory at 100,000 campaigns). Equal as JSON values: the state file sorts keys (a declared spec keeps
    // its file's order), and sorts them again when it is written, so its text is the same. Neither body is
    // changed in place. Otherwise the body shares the declared spec's texts where they are equal.
    if (decl && subtrees && jsonEqual(state.applied, decl.spec)) state.applied = decl.spec;
    else {
      if (decl) shareStrings(state.applied, decl.spec, opts);
      poolStrings(state.applied);
    }
  }
  if (live) {
    if (decl) shareStrings(live.spec, decl.spec, opts);
    if (state) shareStrings(live.spec, state.applied, opts);
    poolStrings(live.spec);
  }
}

/**
 * A refresh record made of `parts` by adding their properties to one fresh object. Spreading them
 * (`{ ...base, identity }`) gave each of 100,000 records a hidden class of its own on Node 20 (about
 * 20 MB with their descriptors; issue 30); property adds share the transitions.
 */
function record(...parts: Partial<RefreshedResource>[]): RefreshedResource {
  return Object.assign({}, ...parts) as RefreshedResource;
}

type RefreshItem = { address: Address; decl?: ResourceDecl; state?: StateEntry; movedFrom?: Address; pending?: PendingCreate };

/**
 * Renames (metadata.name edited): a declared campaign with no state entry whose display name is the
 * name of exactly one orphan of the same account (recorded, no longer declared) is that orphan at a
 * new address. The pair becomes one item at the new address carrying the orphan's state entry and
 * `movedFrom`, so the plan offers a move instead of a create plus an orphan. The orphan's name is
 * read live when the provider can be read, else taken from what was last applied.
 */
function detectMoves(items: readonly RefreshItem[], nameField: string, liveById: (id: string) => LiveResource | undefined): RefreshItem[] {
  const orphans = new Map<string, RefreshItem[]>();
  for (const it of items) {
    if (!it.state || it.decl) continue;
    const name = liveById(it.state.id)?.spec[nameField] ?? it.state.applied[nameField];
    if (typeof name !== "string") continue;
    orphans.set(name, [...(orphans.get(name) ?? []), it]);
  }
  if (orphans.size === 0) return [...items];
  const newcomers = new Map<string, RefreshItem[]>();
  for (const it of items) {
    const name = it.decl && !it.state ? it.decl.spec[nameField] : undefined;
    if (typeof name === "string" && orphans.has(name)) newcomers.set(name, [...(newcomers.get(name) ?? []), it]);
  }
  const folded = new Set<RefreshItem>();
  const moved = new Map<RefreshItem, RefreshItem>();
  for (const [name, list] of newcomers) {
    const old = orphans.get(name) ?? [];
    if (list.length !== 1 || old.length !== 1) continue;
    const [fresh, gone] = [list[0] as RefreshItem, old[0] as RefreshItem];
    folded.add(gone);
    moved.set(fresh, { ...fresh, state: gone.state as StateEntry, movedFrom: gone.address });
  }
  return items.filter((it) => !folded.has(it)).map((it) => moved.get(it) ?? it);
}

/**
 * Recorded id → the address bound to it, for the campaigns one account (`key`) has in state: built on
 * first use (an adoption by name, a name already taken), not for every refresh. Two tables of every id in
 * state were held through the whole refresh (about 9 MB at 100,000 campaigns; issue 30).
 */
function claimsOf(state: StateDocument, key: string): () => ReadonlyMap<string, Address> {
  let claims: Map<string, Address> | undefined;
  return () => {
    if (!claims) {
      claims = new Map();
      for (const [address, e] of Object.entries(state.campaigns)) if (accountKey(e.provider, e.account) === key) claims.set(e.id, address);
    }
    return claims;
  };
}

async function refreshAccount(
  session: KindSession,
  items: RefreshItem[],
  /** Recorded id → the address it is bound to (a live campaign bound to another address is not adopted; a taken name names it). */
  claims: () => ReadonlyMap<string, Address>,
  opts: RefreshOptions,
  tick: () => void,
): Promise<RefreshedResource[]> {
  const caps = session.kind.capabilities;
  const client = session.client;
  if (!caps.readable || !client.list) {
    return Promise.all(
      detectMoves(items, caps.nameField, () => undefined).map(async ({ address, decl, state, movedFrom, pending }): Promise<RefreshedResource> => {
        tick();
        const notes: PlanNote[] = [{ code: "no-read-api", text: `${session.kind.displayName} has no read API: compared with the last applied body in state, not with live` }];
        if (!state && pending && !opts.recreatePending) {
          const name = session.kind.displayName;
          const blockedCreate: BlockedStep = {
            code: "create-unconfirmed",
            what: "create",
            reason:
              `an earlier apply sent this create at ${pending.at} (name ${JSON.stringify(pending.name)}) and was stopped before its answer was recorded; ` +
              `${name} cannot be read back, so campaignctl cannot tell whether the campaign exists and will not create it blindly`,
            unblock: `if it exists in the ${name} dashboard, run \`campaignctl state adopt ${address} --id <ID>\`; if it does not, run \`campaignctl apply --recreate-pending\``,
          };
          return { address, ...(decl ? { decl } : {}), session, identity: "new", notes, blockedCreate };
        }
        // The campaign as state recorded it stands in for live: its roster (Extrovert prospect lists) is
        // read through the roster client where one exists; else the audience is planned without a request.
        const live = state ? { id: state.id, spec: structuredClone(state.applied), missing: [] } : undefined;
        shareTexts(decl, state, live);
        const audience = decl ? await refreshAudience(session, decl, live, state) : undefined;
        const extra = audience ? { audience } : {};
        if (!state || !live) return { address, ...(decl ? { decl } : {}), session, identity: "new", notes, ...extra };
        return { address, ...(decl ? { decl } : {}), state, ...(movedFrom ? { movedFrom } : {}), session, identity: "state", live: toView(live, [], opts.fingerprints !== false), notes, ...extra };
      }),
    );
  }

  let listed: LiveResource[];
  try {
    listed = await client.list();
  } catch (err) {
    if (!isProviderApiError(err)) throw err;
    // Never plan from a partial list (it would plan creates for campaigns that exist): skip the account.
    // The failure itself is reported once for the account (listError); each campaign only says why it is not planned.
    const error = `not planned: listing the campaigns of account ${session.key} failed; run again`;
    return items.map(({ address, decl, state }) => {
      tick();
      return { address, ...(decl ? { decl } : {}), ...(state ? { state } : {}), session, identity: state ? "state" : "new", notes: [], error, listError: err };
    });
  }
  // The account's campaigns are settled in a turn of their own: due pacing timers and answers run first (turns.ts).
  await nextTurn();
  const byId = new Map(listed.map((c) => [c.id, c]));
  const nameField = caps.nameField;
  // Live campaigns by exact name, in list order: adoption and name checks look one name up instead of
  // scanning the whole list per new campaign (quadratic at scale: issue 30).
  const byName = new Map<unknown, LiveResource[]>();
  for (const c of listed) {
    const n = c.spec[nameField];
    if (n === undefined) continue;
    const same = byName.get(n);
    if (same) same.push(c);
    else byName.set(n, [c]);
  }

  // A bounded number of campaigns in flight: each one waiting on a detail read holds its request, its
  // URL and its frame; 12,500 of them queued at once held about 70 MB at 100,000 campaigns (issue 30).
  // Four times the account's concurrency keeps every connection slot and pacing slot busy.
  const width = Math.max(MIN_REFRESH_WIDTH, session.concurrency * 4);
  return mapPool(
    detectMoves(items, nameField, (id) => byId.get(id)),
    width,
    async ({ address, decl, state, movedFrom, pending }): Promise<RefreshedResource> => {
      const base = { address, ...(decl ? { decl } : {}), ...(state ? { state } : {}), ...(movedFrom ? { movedFrom } : {}), session, notes: [] as PlanNote[] };
      try {
        if (pending && !state) base.notes.push({ code: "pending-create", text: `an earlier apply sent a create at ${pending.at} whose answer was not recorded: looked it up by its exact name` });
        let live: LiveResource | undefined;
        let identity: ResourcePlan["identity"] = "new";
        if (state) {
          identity = "state";
          live = byId.get(state.id);
          if (!live && client.get) live = await client.get(state.id);
          if (!live) {
            if (!decl) {
              return record(base, { identity, notes: [{ code: "deleted-outside", text: `recorded id ${state.id} no longer exists at ${session.kind.displayName}: it was deleted outside campaignctl` }] });
            }
            if (!opts.recreateMissing) {
              return record(base, {
                identity,
                error: `recorded id ${state.id} no longer exists at ${session.kind.displayName} (deleted outside campaignctl?); run with --recreate-missing to create it again, or \`campaignctl state forget ${address}\``,
              });
            }
            identity = "recreate";
          }
        } else if (decl) {
          const name = decl.spec[nameField];
          const named = byName.get(name);
          const candidates = named ? adoptionCandidates(caps, decl.spec, named, claims()) : [];
          if (candidates.length > 1) {
            return record(base, {
              identity,
              error: `${candidates.length} live ${session.kind.displayName} campaigns are named ${JSON.stringify(name)} (ids ${candidates.map((c) => c.id).join(", ")}); bind one with \`campaignctl state adopt ${address} --id ID\``,
            });
          }
          if (candidates.length === 1) {
            live = candidates[0];
            identity = "adopted";
            base.notes.push({ code: "adopted", text: `adopted live campaign ${live?.id} by its exact name` });
          } else if (caps.uniqueNames && typeof name === "string") {
            // A create whose name a live campaign of another address (or a retired one) holds would fail
            // at apply with a name conflict: a plan error, located at the name (docs/design.md §16).
            const taken = byName.get(name)?.[0];
            if (taken) {
              const at = decl.locate?.(["spec", nameField]) ?? decl.source;
              const owner = claims().get(taken.id);
              return record(base, {
                identity,
                error: `${relative(process.cwd(), at.file) || at.file}:${at.line}:${at.col}: spec.${nameField} ${JSON.stringify(name)} is taken by live ${session.kind.displayName} campaign ${taken.id}${owner ? ` (${owner})` : " (not this one)"}; ${session.kind.displayName} names are unique, so the create would fail: give this campaign another name${owner ? "" : `, or bind that one with \`campaignctl state adopt ${address} --id ${taken.id}\``}`,
              });
            }
          }
        }
        let unknown: string[] = [];
        if (live && decl) {
          // The list view first; a detail read only when it may carry what the list lacks. The two
          // views are merged (the detail never replaces the list: status and more live only there).
          const needsDetail = fillUnknown(caps, live, decl.spec, state, false).unknown;
          if (needsDetail.length > 0 && client.get && byId.has(live.id)) {
            const detail = await client.get(live.id);
            if (detail) live = mergeLive(live, detail);
          }
          const filled = fillUnknown(caps, live, decl.spec, state, true);
          base.notes.push(...unknownNotes(session.kind.displayName, filled));
          unknown = filled.unknown;
        } else if (live) {
          fillUnknown(caps, live, undefined, state, true);
        }
        shareTexts(decl, state, live, true);
        const result = record(base, { identity }, live ? { live: toView(live, unknown, opts.fingerprints !== false) } : {});
        const audience = decl ? await refreshAudience(session, decl, live, state) : undefined;
        if (audience) result.audience = audience;
        // Read-only pre-checks for actions the plan is going to need (Puffle validate before launch).
        const statusField = caps.lifecycle.statusField;
        const desired = statusField && decl ? decl.spec[statusField] : undefined;
        if (live?.status !== undefined && typeof desired === "string" && client.preflight) {
          for (const action of lifecyclePath(caps, live.status, desired) ?? []) {
            if (!action.preflight) continue;
            const outcome = await client.preflight(live.id, action.name);
            if (outcome) (result.preflight ??= {})[action.name] = outcome;
          }
        }
        return result;
      } catch (err) {
        if (!isProviderApiError(err)) throw err;
        // One failed read (after the HTTP layer's retries) skips this campaign, not the whole run.
        return record(base, { identity: state ? "state" : "new", error: `not planned: reading it failed (${err.message}); run again` });
      } finally {
        tick();
      }
    },
  );
}

/** Read live state for every declared and recorded campaign in scope, account by account, in parallel. */
export async function refresh(
  workspace: Workspace,
  state: StateDocument,
  sessions: Map<string, AccountSession>,
  opts: RefreshOptions = {},
): Promise<RefreshedResource[]> {
  const inScope = (address: string) => inTargets(opts.targets, address);
  // One group per account and kind: each kind is refreshed with its own capabilities and client.
  const groups = new Map<string, RefreshItem[]>();
  const add = (key: string, item: RefreshItem) => {
    const group = `${key}#${item.decl?.kind ?? item.state?.kind ?? ""}`;
    const list = groups.get(group) ?? [];
    list.push(item);
    groups.set(group, list);
  };
  const declared = new Map(workspace.campaigns.map((d) => [d.address, d]));
  for (const decl of workspace.campaigns) {
    if (!inScope(decl.address)) continue;
    const entry = state.campaigns[decl.address];
    const pending = state.pending?.[decl.address];
    add(accountKey(decl.provider, decl.account), { address: decl.address, decl, ...(entry ? { state: entry } : {}), ...(pending ? { pending } : {}) });
  }
  for (const [address, entry] of Object.entries(state.campaigns)) {
    if (declared.has(address) || !inScope(address)) continue;
    add(accountKey(entry.provider, entry.account), { address, state: entry });
  }
  const total = [...groups.values()].reduce((n, g) => n + g.length, 0);
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  // The kinds of one account are refreshed side by side; the account is done (onAccountDone, e.g. an
  // early apply start) only when all of them are, since its campaigns may refer to its other objects.
  const byAccount = new Map<string, [string, RefreshItem[]][]>();
  for (const [group, items] of groups) {
    const [key = "", kind = ""] = group.split("#");
    const kinds = byAccount.get(key);
    if (kinds) kinds.push([kind, items]);
    else byAccount.set(key, [[kind, items]]);
  }
  const results = await Promise.all(
    [...byAccount.entries()].map(async ([key, kinds]) => {
      const session = sessions.get(key);
      if (!session) throw new Error(`no session for ${key}`);
      const claims = claimsOf(state, key);
      const parts = await Promise.all(kinds.map(([kind, items]) => refreshAccount(sessionForKind(session, kind), items, claims, opts, tick)));
      const r = parts.flat();
      if (opts.onAccountDone) {
        await nextTurn();
        opts.onAccountDone(key, r);
      }
      return r;
    }),
  );
  return results.flat().sort((a, b) => a.address.localeCompare(b.address));
}

/** Each list of refresh records' index by address (recordsByAddress). */
const INDEXES = new WeakMap<readonly RefreshedResource[], { length: number; byAddress: ReadonlyMap<Address, RefreshedResource> }>();

/**
 * The records of a refresh by address, built once per list: the plan, its guardrails, the carry-over and
 * the observed statuses each looked records up through an index of their own, four maps of every campaign
 * made in the one synchronous stretch after the last account's refresh, where apply's memory peaks (issue
 * 30, 100,000 campaigns). A list is not changed once the refresh returns it; one that was is indexed again.
 */
export function recordsByAddress(refreshed: readonly RefreshedResource[]): ReadonlyMap<Address, RefreshedResource> {
  const known = INDEXES.get(refreshed);
  if (known && known.length === refreshed.length) return known.byAddress;
  const byAddress = new Map<Address, RefreshedResource>();
  for (const r of refreshed) byAddress.set(r.address, r);
  INDEXES.set(refreshed, { length: refreshed.length, byAddress });
  return byAddress;
}

/** Whether `address` is in a --target selection (none given: everything is). */
export function inTargets(targets: readonly string[] | undefined, address: string): boolean {
  return !targets || targets.length === 0 || targets.includes(address);
}

/** Accounts a refresh in scope will talk to. */
export function accountsInScope(workspace: Workspace, state: StateDocument, targets?: readonly string[]): string[] {
  const inScope = (a: string) => inTargets(targets, a);
  const keys = new Set<string>();
  for (const d of workspace.campaigns) if (inScope(d.address)) keys.add(accountKey(d.provider, d.account));
  for (const [a, e] of Object.entries(state.campaigns)) if (inScope(a)) keys.add(accountKey(e.provider, e.account));
  return [...keys];
}

