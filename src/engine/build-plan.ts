import { PLAN_FORMAT_VERSION, summarize, type ResourcePlan, type Plan } from "../core/plan.js";
import { planResource, type PlanResourceInput } from "../core/planner.js";
import { dependencyWaves, findRefs, knownAfterApply, pendingAddresses, referencedIds, replaceAt } from "../core/refs.js";
import { omitPaths } from "../core/diff.js";
import type { JsonObject } from "../core/json.js";
import type { Address, StateDocument } from "../core/types.js";
import { addressForKind, referencesOf } from "../providers/registry.js";
import { recordsByAddress, type RefreshedResource } from "./refresh.js";

/** What the pure planner gets for one refreshed campaign (its spec with references already resolved). */
export function plannerInput(r: RefreshedResource, spec: JsonObject | undefined = r.decl?.spec, pruneDelete = false, extra: Pick<PlanResourceInput, "forceReplace" | "today"> = {}): PlanResourceInput {
  const provider = r.session.provider.id;
  return {
    address: r.address,
    provider,
    account: r.session.account.name,
    kind: r.session.kind.kind,
    caps: r.session.kind.capabilities,
    ...(spec ? { spec } : {}),
    ...(r.live ? { live: r.live } : {}),
    ...(r.state ? { state: r.state } : {}),
    identity: r.identity,
    ...(r.preflight ? { preflight: r.preflight } : {}),
    ...(r.movedFrom ? { movedFrom: r.movedFrom } : {}),
    notes: r.notes,
    ...(r.audience ? { audience: r.audience.input } : {}),
    ...(pruneDelete ? { pruneDelete } : {}),
    ...extra,
  };
}

export interface BuildPlanOptions {
  now?: Date;
  /** The state the refresh started from: ids of referenced objects outside the refreshed scope (--target). */
  state?: StateDocument;
  /** `prune: delete` in the workspace: orphans are planned as DELETE where the API can (docs/design.md §16). */
  pruneDelete?: boolean;
  /** `apply --replace ADDR`: these addresses are planned as new versions. */
  replace?: readonly Address[];
  /**
   * An account's plan already built from these same refreshed records with the same options (apply's
   * early start, src/engine/early-start.ts): its entries are taken as they are instead of planned twice.
   * References and the in-use check never cross accounts, so a plan of one account's records is that
   * account's part of the whole plan.
   */
  reuse?: (accountKey: string) => Plan | undefined;
}

/**
 * Turn refreshed objects into a plan: the pure planner per address, in dependency order (docs/design.md §11).
 * A `{ ref: name }` becomes the referenced object's id once that object is planned: its current id
 * when it exists and keeps it, a `(known after apply)` placeholder when this apply creates or replaces
 * it (apply fills the real id in). Removing an object that declared objects still use is an error.
 */
export function buildPlan(refreshed: readonly RefreshedResource[], opts: BuildPlanOptions | Date = {}): Plan {
  const options = opts instanceof Date ? { now: opts } : opts;
  if (options.reuse) return withReused(refreshed, { ...options, reuse: options.reuse });
  const { now = new Date(), state, pruneDelete = false, replace = [] } = options;
  const today = now.toISOString().slice(0, 10);
  const campaigns: ResourcePlan[] = [];
  const errors: Plan["errors"] = [];
  const byAddress = recordsByAddress(refreshed);
  const refsOf = (r: RefreshedResource) => (r.decl ? findRefs(r.decl.spec, referencesOf(r.decl.kind)) : []);
  const targetOf = (r: RefreshedResource, name: string, kind: string) => addressForKind(kind, r.decl?.account ?? "", name) ?? "";

  const deps = new Map<Address, Address[]>();
  for (const r of refreshed) deps.set(r.address, refsOf(r).map((ref) => targetOf(r, ref.name, ref.field.kind)));
  const order = dependencyWaves(deps);
  if ("cycle" in order) {
    errors.push({ address: order.cycle[0] ?? "", message: `references form a cycle: ${order.cycle.join(" → ")}` });
    return { formatVersion: PLAN_FORMAT_VERSION, createdAt: now.toISOString(), campaigns, summary: summarize(campaigns), errors };
  }

  /** The id a reference to `address` resolves to, or why it cannot be resolved. */
  const planned = new Map<Address, ResourcePlan>();
  const resolvedSpecs = new Map<Address, JsonObject>();
  const failed = new Set<Address>();
  const idAfterApply = (address: Address): { id: string } | { error: string } => {
    const p = planned.get(address);
    if (p) return p.action === "create" || p.action === "replace" || p.id === undefined ? { id: knownAfterApply(address) } : { id: p.id };
    if (failed.has(address)) return { error: `it refers to ${address}, which cannot be planned` };
    const recorded = state?.campaigns[address]?.id;
    if (recorded !== undefined) return { id: recorded };
    return { error: `it refers to ${address}, which does not exist yet and is not in this run (add it to --target)` };
  };

  for (const wave of order.waves) {
    for (const address of wave) {
      const r = byAddress.get(address);
      if (!r) continue;
      if (r.error) {
        errors.push({ address: r.address, message: r.error });
        failed.add(address);
        continue;
      }
      let spec = r.decl?.spec;
      if (r.decl && spec) {
        const replacements = [];
        let problem: string | undefined;
        for (const ref of refsOf(r)) {
          const got = idAfterApply(targetOf(r, ref.name, ref.field.kind));
          if ("error" in got) problem ??= `${ref.at.join(".")}: ${got.error}`;
          else replacements.push({ at: ref.at, value: got.id });
        }
        if (problem !== undefined) {
          errors.push({ address, message: `not planned: ${problem}` });
          failed.add(address);
          continue;
        }
        if (replacements.length > 0) spec = replaceAt(spec, replacements);
      }
      // metadata.ignoreChanges (Terraform's ignore_changes): once the campaign exists, those fields are not
      // managed — neither planned nor drift. A create still sends them as written.
      if (spec && r.live && r.decl?.ignoreChanges) spec = omitPaths(spec, r.decl.ignoreChanges);
      // Only a spec the plan changed (references resolved, ignored fields left out): the declared one is
      // the decl's own, and a map entry per campaign held 100,000 pointers twice at apply's peak (issue 30).
      if (spec && spec !== r.decl?.spec) resolvedSpecs.set(address, spec);
      const c = planResource(plannerInput(r, spec, pruneDelete, { today, ...(replace.includes(address) ? { forceReplace: true } : {}) }));
      if (r.decl?.set) Object.assign(c, { set: r.decl.set.name, instance: r.decl.set.instance });
      if (r.blockedCreate && c.action === "create") {
        c.steps = [];
        c.blocked.push(r.blockedCreate);
      }
      const waitsFor = pendingAddresses(c.steps as unknown as JsonObject[]);
      if (waitsFor.size > 0) c.dependsOn = [...waitsFor].sort();
      planned.set(address, c);
      campaigns.push(c);
    }
  }

  // An object no longer in Git that a declared object still uses cannot be removed (docs/design.md §11).
  const users = new Map<string, string[]>();
  for (const c of campaigns) {
    if (c.action === "orphan" || !c.desired) continue;
    for (const { id, field } of referencedIds(c.desired, referencesOf(c.kind))) {
      // One list per id, appended to: a copy per user made 33k campaigns sharing one style id quadratic (issue 30).
      const list = users.get(id);
      const user = `${c.address} (${field.path})`;
      if (list) list.push(user);
      else users.set(id, [user]);
    }
  }
  const kept: ResourcePlan[] = [];
  for (const c of campaigns) {
    const usedBy = c.action === "orphan" && c.id !== undefined ? users.get(c.id) : undefined;
    if (usedBy && usedBy.length > 0) {
      errors.push({
        address: c.address,
        message: `cannot remove ${c.address} (id ${c.id}, no longer in Git): still referenced by ${usedBy.join(", ")}; point those at another ${c.kind} first, or restore its file`,
      });
    } else {
      kept.push(c);
    }
  }
  kept.sort((a, b) => a.address.localeCompare(b.address));
  const plan: Plan = { formatVersion: PLAN_FORMAT_VERSION, createdAt: now.toISOString(), campaigns: kept, summary: summarize(kept), errors };
  RESOLVED.set(plan, resolvedSpecs);
  return plan;
}

/**
 * buildPlan with the accounts already planned taken as they are: the other records are planned
 * together, and the parts joined (entries in address order; errors of the new part first).
 */
function withReused(refreshed: readonly RefreshedResource[], opts: BuildPlanOptions & { reuse: NonNullable<BuildPlanOptions["reuse"]> }): Plan {
  const { reuse, ...rest } = opts;
  const replace = new Set(rest.replace ?? []);
  /** Per account: its plan to take as it is, or undefined (plan its records here). */
  const reused = new Map<string, Plan | undefined>();
  const fresh: RefreshedResource[] = [];
  for (const r of refreshed) {
    const key = r.session.key;
    if (!reused.has(key)) {
      const done = reuse(key);
      // A plan made without this run's --replace cannot stand for it.
      reused.set(key, done && !done.campaigns.some((c) => replace.has(c.address)) ? done : undefined);
    }
    if (!reused.get(key)) fresh.push(r);
  }
  const parts = [buildPlan(fresh, rest), ...[...reused.values()].filter((p): p is Plan => p !== undefined)];
  if (parts.length === 1) return parts[0]!;
  const campaigns = parts.flatMap((p) => p.campaigns).sort((a, b) => a.address.localeCompare(b.address));
  const resolved = new Map<Address, JsonObject>();
  for (const p of parts) for (const [address, spec] of RESOLVED.get(p) ?? []) resolved.set(address, spec);
  const plan: Plan = { formatVersion: PLAN_FORMAT_VERSION, createdAt: parts[0]!.createdAt, campaigns, summary: summarize(campaigns), errors: parts.flatMap((p) => p.errors) };
  RESOLVED.set(plan, resolved);
  return plan;
}

/** The specs a plan was made from, references resolved (not part of the plan document). */
const RESOLVED = new WeakMap<Plan, ReadonlyMap<Address, JsonObject>>();

/** The spec of `address` as `plan` used it: every `{ ref }` replaced by an id or a `(known after apply)` placeholder. */
export function resolvedSpec(plan: Plan, address: Address): JsonObject | undefined {
  return RESOLVED.get(plan)?.get(address);
}
