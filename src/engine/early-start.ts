import type { Plan } from "../core/plan.js";
import type { JsonObject } from "../core/json.js";
import type { GuardrailsConfig, SafetyConfig, StateDocument, Workspace } from "../core/types.js";
import { DEFAULT_GUARDRAILS } from "../config/guardrails.js";
import { asksSenders, guardrailsMayRefuse } from "./guardrails.js";
import { applicableResources, riskyCount, safetyMayRefuse, type ResourceOutcome } from "./apply.js";
import { buildPlan } from "./build-plan.js";
import { recordsByAddress, type RefreshedResource } from "./refresh.js";
import { accountKey, type AccountSession } from "./session.js";
import { hasWork } from "./work.js";

/** Runs one account's part of the plan (executePlan with the apply's options). */
export type AccountRun = (plan: Plan, refreshed: RefreshedResource[], sessions: Map<string, AccountSession>) => Promise<ResourceOutcome[]>;

/**
 * Starts an account's apply as soon as its own refresh is done, instead of after every account's
 * (issue 15): a fast account is not held behind a slow one's reads. Only when nothing that needs the
 * whole plan could still stop the apply: no question to ask (--auto-approve), no saved plan to check
 * for staleness, no interrupted create of an undeclared address to resolve first, and a safety
 * threshold that cannot refuse whatever the accounts not yet refreshed turn out to hold (--force, or
 * the changes known plus every campaign still unplanned stay within safety.maxChangePercent). The
 * whole plan is still reported after the last refresh; the CLI holds the step lines of accounts
 * started before that and prints them after it.
 */
export class EarlyStart {
  readonly started = new Map<string, Promise<ResourceOutcome[]>>();
  /** Each account's plan as built here: the whole plan takes these entries as they are (BuildPlanOptions.reuse). */
  readonly plans = new Map<string, Plan>();
  private readonly unplanned = new Map<string, number>();
  private risky = 0;
  private state: StateDocument | undefined;
  private readonly pruneDelete: boolean;
  private readonly guardrails: GuardrailsConfig;

  constructor(
    private readonly enabled: boolean,
    private readonly managed: number,
    workspace: Workspace,
    private readonly safety: SafetyConfig,
    private readonly force: boolean,
    private readonly prune: boolean,
    private readonly run: AccountRun,
  ) {
    this.pruneDelete = workspace.pruneDelete === true;
    this.guardrails = workspace.guardrails ?? DEFAULT_GUARDRAILS;
    // An upper bound of the campaigns each account's refresh will plan: declared plus recorded.
    for (const d of workspace.campaigns) this.bump(accountKey(d.provider, d.account));
  }

  countState(doc: StateDocument): void {
    this.state = doc;
    for (const e of Object.values(doc.campaigns)) this.bump(accountKey(e.provider, e.account));
  }

  private bump(key: string): void {
    this.unplanned.set(key, (this.unplanned.get(key) ?? 0) + 1);
  }

  onAccount(key: string, refreshed: RefreshedResource[]): void {
    this.unplanned.delete(key);
    if (!this.enabled || refreshed.length === 0) return;
    // With the state: a reference to an object outside this run resolves to its recorded id (docs/design.md §11).
    const plan = buildPlan(refreshed, { ...(this.state ? { state: this.state } : {}), pruneDelete: this.pruneDelete });
    this.plans.set(key, plan);
    this.risky += riskyCount(plan.campaigns, { prune: this.prune });
    // A new version reads the old roster (carry-over) in the full plan run: no early start for it.
    if (plan.campaigns.some((c) => c.action === "replace")) return;
    const unknown = [...this.unplanned.values()].reduce((a, b) => a + b, 0);
    if (!this.force && safetyMayRefuse(this.risky, unknown, this.managed, this.safety)) return;
    // Guardrails that could still refuse the apply (docs/design.md §14) need the whole plan first.
    if (!this.force && guardrailsMayRefuse(plan, refreshed, this.guardrails)) return;
    const work = applicableResources(plan);
    if (!work.some((c) => hasWork(c, this.prune))) return;
    const running = this.run({ ...plan, campaigns: work }, refreshed, new Map([[key, refreshed[0]!.session]]));
    running.catch(() => undefined); // awaited (and its error reported) once the whole plan is known
    this.started.set(key, running);
    dropUnreadBodies(plan, refreshed);
  }

  /** The outcomes of the accounts started early (none unless it allowed one). */
  async outcomes(): Promise<ResourceOutcome[]> {
    return (await Promise.all(this.started.values())).flat();
  }

  settled(): Promise<unknown> {
    return Promise.allSettled(this.started.values());
  }
}

/** The live body of a record whose account started early and that nothing reads any more. */
const UNREAD: JsonObject = Object.freeze({}) as JsonObject;

/**
 * Once an account has started, its records are still held for the whole plan: the guardrails, the
 * observed statuses (status, id and unknown paths only), the account's failures. Of the live bodies only
 * sender capacity reads those of campaigns running after the apply (asksSenders); the others are dropped
 * here instead of being held beside the other accounts' refresh and the whole plan's build, where apply's
 * memory peaks (issue 30: 100,000 campaigns). The record gets a view of its own without the body; its plan
 * entry was built already and holds what it needs.
 */
function dropUnreadBodies(plan: Plan, refreshed: readonly RefreshedResource[]): void {
  const byAddress = recordsByAddress(refreshed);
  for (const c of plan.campaigns) {
    const r = byAddress.get(c.address);
    if (r?.live && r.live.spec !== UNREAD && !asksSenders(c, r)) r.live = { ...r.live, spec: UNREAD };
  }
}
