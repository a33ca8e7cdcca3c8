import type { Lifecycle } from "../core/capabilities.js";
import type { GuardrailFinding, PeopleReached, Plan, ResourcePlan } from "../core/plan.js";
import type { Address, GuardrailsConfig } from "../core/types.js";
import { isProviderApiError } from "../http/errors.js";
import type { SenderDemand, SenderLimit } from "../providers/types.js";
import { recordsByAddress, type RefreshedResource } from "./refresh.js";

/**
 * Plan-time guardrails (docs/design.md §14; README.md, Guardrails): how many people the apply starts and
 * resumes contacting, `guardrails.maxNewContacts`, and sender capacity (the only part that reads: each
 * account's sender limits, GET only, and only when a running campaign asks something of a sender).
 * Sets `people`, `guardrails` and `cost` on the plan. Provider knowledge comes from the kind modules
 * (lifecycle `running` / `reaches`, `senderCapacity`); nothing here names a provider.
 */
export async function addGuardrails(plan: Plan, refreshed: readonly RefreshedResource[], config: GuardrailsConfig): Promise<void> {
  const byAddress = recordsByAddress(refreshed);
  const findings: GuardrailFinding[] = [];
  plan.people = peopleReached(plan.campaigns, (c) => byAddress.get(c.address)?.session.kind.capabilities.lifecycle);
  const total = plan.people.starts + plan.people.resumes;
  if (config.maxNewContacts !== undefined && total > config.maxNewContacts) {
    const addresses = plan.people.campaigns.filter((c) => c.starts + c.resumes > 0).map((c) => c.address);
    findings.push({
      code: "MAX_NEW_CONTACTS",
      level: "error",
      message: `this apply starts or resumes contacting ${total} people, above guardrails.maxNewContacts ${config.maxNewContacts}; review the plan and re-run apply with --force if it is intended`,
      addresses,
      people: { count: total, limit: config.maxNewContacts },
    });
  }
  if (config.senderCapacity !== "off") findings.push(...(await senderCapacity(plan, byAddress, config.senderCapacity)));
  plan.guardrails = findings;
  const reached = new Set(plan.people.campaigns.map((c) => byAddress.get(c.address)?.session.provider.displayName).filter((n): n is string => n !== undefined));
  // No provider module declares prices: none is documented (README.md, Guardrails). Never a guess.
  if (reached.size > 0) plan.cost = { documented: false, note: `not estimated: ${[...reached].sort().join(" and ")} document${reached.size === 1 ? "s" : ""} no prices` };
}

/** The status a campaign is in after the apply: the last lifecycle step's, else the initial one for a create, else the live one. */
export function statusAfter(c: ResourcePlan, lifecycle: Lifecycle | undefined): string | undefined {
  let status = c.action === "create" || c.action === "replace" ? lifecycle?.initialStatus : c.status;
  for (const s of c.steps) if (s.kind === "action" && s.to !== undefined) status = s.to;
  return status;
}

function isRunning(status: string | undefined, lifecycle: Lifecycle | undefined): boolean {
  return status !== undefined && (lifecycle?.running ?? []).includes(status);
}

/** People per campaign (docs/design.md §14): pure, from the plan's steps and the kinds' lifecycle data. */
export function peopleReached(campaigns: readonly ResourcePlan[], lifecycleOf: (c: ResourcePlan) => Lifecycle | undefined): PeopleReached {
  const out: PeopleReached = { starts: 0, resumes: 0, staged: 0, campaigns: [] };
  const unknown: Address[] = [];
  for (const c of campaigns) {
    const lifecycle = lifecycleOf(c);
    const added = c.steps.reduce((n, s) => n + (s.kind === "audience" ? s.add : 0), 0);
    const before = c.action === "create" ? 0 : c.audience?.liveCount;
    const reach = c.steps.flatMap((s) => (s.kind === "action" ? [lifecycle?.actions.find((a) => a.name === s.action)?.reaches] : [])).find((r) => r !== undefined);
    const one = { address: c.address, starts: 0, resumes: 0, staged: 0 };
    if (reach === "starts") {
      if (before === undefined) unknown.push(c.address);
      one.starts = added + (before ?? 0);
    } else if (reach === "resumes") {
      if (before === undefined) unknown.push(c.address);
      one.resumes = before ?? 0;
      one.starts = added;
    } else if (isRunning(statusAfter(c, lifecycle), lifecycle)) {
      one.starts = added;
    } else {
      one.staged = added;
    }
    if (one.starts + one.resumes + one.staged === 0) continue;
    out.campaigns.push(one);
    out.starts += one.starts;
    out.resumes += one.resumes;
    out.staged += one.staged;
  }
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

/**
 * Whether sender capacity reads this campaign (its live body, under the plan's desired spec): a kind with
 * sender rules, an account whose key is set, and the campaign running after the apply. Nothing else of
 * the guardrails reads a live body, so an apply started early drops the others (EarlyStart).
 */
export function asksSenders(c: ResourcePlan, r: RefreshedResource): boolean {
  if (!r.session.kind.senderCapacity || r.session.keyless) return false;
  const lifecycle = r.session.kind.capabilities.lifecycle;
  return isRunning(statusAfter(c, lifecycle), lifecycle);
}

/** SENDER_CAPACITY per sender of each account, over every campaign running after the apply. */
async function senderCapacity(plan: Plan, byAddress: ReadonlyMap<Address, RefreshedResource>, level: "warning" | "error"): Promise<GuardrailFinding[]> {
  // account key → sender → what each running campaign asks of it
  const asked = new Map<string, { r: RefreshedResource; senders: Map<string, { address: Address; demand: SenderDemand }[]> }>();
  for (const c of plan.campaigns) {
    const r = byAddress.get(c.address);
    const rules = r?.session.kind.senderCapacity;
    if (!r || !rules || !asksSenders(c, r)) continue;
    const spec = { ...(r.live?.spec ?? {}), ...(c.desired ?? r.decl?.spec ?? {}) };
    for (const demand of rules.demand(spec)) {
      if (demand.perDay <= 0) continue;
      let account = asked.get(r.session.key);
      if (!account) asked.set(r.session.key, (account = { r, senders: new Map() }));
      const list = account.senders.get(demand.sender) ?? [];
      list.push({ address: c.address, demand });
      account.senders.set(demand.sender, list);
    }
  }
  const findings: GuardrailFinding[] = [];
  for (const [key, { r, senders }] of [...asked].sort(([a], [b]) => a.localeCompare(b))) {
    const rules = r.session.kind.senderCapacity!;
    let limits: SenderLimit[];
    try {
      limits = await rules.limits(r.session.http);
    } catch (err) {
      if (!isProviderApiError(err)) throw err;
      findings.push({
        code: "SENDER_CAPACITY_UNREAD",
        level: "warning",
        message: `${key}: sender limits could not be read (${rules.endpoint}: ${err.message}); sender capacity is not checked for this account`,
        addresses: [...new Set([...senders.values()].flat().map((u) => u.address))].sort(),
      });
      continue;
    }
    const limitOf = new Map(limits.map((l) => [l.sender, l]));
    for (const [sender, users] of [...senders].sort(([a], [b]) => a.localeCompare(b))) {
      const limit = limitOf.get(sender);
      if (!limit) continue;
      const total = users.reduce((n, u) => n + u.demand.perDay, 0);
      if (total <= limit.perDay) continue;
      const by = users.map((u) => ({ address: u.address, perDay: u.demand.perDay, rule: u.demand.rule }));
      findings.push({
        code: "SENDER_CAPACITY",
        level,
        message:
          `sender ${limit.label} (${key}, id ${sender}) is asked ${total} sends a day by ${users.length} running campaign${users.length === 1 ? "" : "s"} ` +
          `(${by.map((b) => `${b.address} ${b.perDay} by ${b.rule}`).join(", ")}), above its daily limit of ${limit.perDay} (${rules.endpoint}); ` +
          "the provider stops sending at the limit: lower the campaigns' limits, add senders, or pause one",
        addresses: by.map((b) => b.address),
        sender: { account: key, id: sender, label: limit.label, limit: limit.perDay, asked: total, by },
      });
    }
  }
  return findings;
}

/**
 * Whether the guardrails could refuse an apply that includes this account's part of the plan (EarlyStart
 * then waits for the whole plan): a people limit needs every account's count; sender capacity is
 * checked per account, and can refuse only when a campaign runs after the apply and asks sends of a sender.
 */
export function guardrailsMayRefuse(plan: Plan, refreshed: readonly RefreshedResource[], config: GuardrailsConfig): boolean {
  if (config.maxNewContacts !== undefined) return true;
  if (config.senderCapacity !== "error") return false;
  const byAddress = recordsByAddress(refreshed);
  return plan.campaigns.some((c) => {
    const r = byAddress.get(c.address);
    const rules = r?.session.kind.senderCapacity;
    if (!r || !rules || !asksSenders(c, r)) return false;
    return rules.demand({ ...(r.live?.spec ?? {}), ...(c.desired ?? r.decl?.spec ?? {}) }).length > 0;
  });
}

/** The first guardrail error of a plan, as apply's refusal (undefined when none). */
export function guardrailRefusal(plan: Plan): { code: "max-new-contacts" | "sender-capacity"; message: string } | undefined {
  const errors = (plan.guardrails ?? []).filter((f) => f.level === "error");
  const first = errors.find((f) => f.code === "MAX_NEW_CONTACTS") ?? errors[0];
  if (!first) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more guardrail error${errors.length === 2 ? "" : "s"}: see the plan)` : "";
  return {
    code: first.code === "MAX_NEW_CONTACTS" ? "max-new-contacts" : "sender-capacity",
    message: `guardrail ${first.code}: ${first.message}${more}; re-run with --force to apply anyway`,
  };
}
