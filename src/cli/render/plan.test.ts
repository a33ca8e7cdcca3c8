import { describe, expect, it } from "vitest";
import { summarize, type CampaignPlan, type Plan } from "../../core/plan.js";
import { planCampaign } from "../../core/planner.js";
import { capabilities as altur } from "../../providers/altur/capabilities.js";
import { capabilities as puffle } from "../../providers/puffle/capabilities.js";
import { planExitCode } from "../commands/plan.js";
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from "./plan.js";

const alturLive = { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", retries: 1 };

function plan(campaigns: CampaignPlan[]): Plan {
  return { formatVersion: 1, createdAt: "2026-11-23T00:00:00.000Z", campaigns, summary: summarize(campaigns), errors: [] };
}

const update = planCampaign({
  address: "altur/default/a",
  provider: "altur",
  account: "default",
  kind: "AlturCampaign",
  caps: altur,
  spec: { ...alturLive, retries: 2 },
  live: { id: "7", status: "active", spec: alturLive, fingerprint: "f" },
  identity: "state",
});
const blocked = planCampaign({
  address: "puffle/default/p",
  provider: "puffle",
  account: "default",
  kind: "PuffleCampaign",
  caps: puffle,
  spec: { name: "P", stop_on_reply: false },
  live: { id: "u", status: "active", spec: { name: "P", stop_on_reply: true } },
  identity: "state",
});
const create = planCampaign({ address: "altur/default/new", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: { ...alturLive, name: "New" }, identity: "new" });
const noop = planCampaign({ address: "altur/default/same", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: alturLive, live: { id: "8", status: "active", spec: alturLive }, identity: "state" });

describe("plan text", () => {
  it("uses Terraform-like glyphs, before → after, blocked reasons, and a summary", () => {
    const text = renderPlanText(plan([create, update, blocked, noop]), { color: false });
    expect(text).toContain("  + AlturCampaign \"New\"");
    expect(text).toContain("      ~ retries: 1 → 2");
    expect(text).toContain("      ! stop_on_reply: true → false  (blocked)");
    expect(text).toMatch(/why: Puffle silently ignores stop_on_reply/);
    expect(text).not.toContain("altur/default/same");
    expect(text).toContain("Plan: 1 to create, 2 to update, 0 to transition, 0 to replace, 0 orphaned, 1 unchanged; 1 with blocked changes.");
  });

  it("says so when there is nothing to do, and colours only when asked", () => {
    expect(renderPlanText(plan([noop]), { color: false })).toBe("No changes. Live matches Git for 1 campaign.\n");
    expect(renderPlanText(plan([update]), { color: true })).toContain("\u001b[");
    expect(renderPlanText(plan([update]), { color: false })).not.toContain("\u001b[");
  });
});

describe("plan JSON", () => {
  it("is the versioned Plan document with classified changes and ordered steps", () => {
    const json = JSON.parse(renderPlanJson(plan([update, blocked])));
    expect(json.formatVersion).toBe(1);
    expect(json.summary).toEqual({ create: 0, update: 2, transition: 0, replace: 0, noop: 0, orphan: 0, blocked: 1 });
    expect(json.campaigns[0]).toMatchObject({
      address: "altur/default/a",
      action: "update",
      id: "7",
      fingerprint: "f",
      changes: [{ path: "retries", before: 1, after: 2, class: "editable" }],
      steps: [{ kind: "update", fields: ["retries"], body: { retries: 2 } }],
    });
    expect(json.campaigns[1].changes[0]).toMatchObject({ class: "blocked", reason: expect.any(String), unblock: expect.any(String) });
  });
});

describe("plan markdown", () => {
  it("puts the summary first and each campaign in a <details> block", () => {
    const md = renderPlanMarkdown(plan([update, blocked]));
    expect(md.indexOf("| create | update |")).toBeLessThan(md.indexOf("<details>"));
    expect(md).toContain("| 0 | 2 | 0 | 0 | 0 | 0 | 1 |");
    expect(md).toMatch(/1 campaign\(s\) have blocked changes/);
    expect(md.match(/<details>/g)).toHaveLength(2);
    expect(md).toContain("~ retries: 1 → 2");
  });

  it("stays under 60,000 characters for thousands of campaigns and notes the cut", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...update, address: `altur/default/c${i}` }));
    const md = renderPlanMarkdown(plan(many));
    expect(md.length).toBeLessThan(60_000);
    expect(md).toMatch(/Output cut to stay under 60,000 characters: \d+ more campaign\(s\) not shown/);
  });

  it("reports no changes briefly", () => {
    expect(renderPlanMarkdown(plan([noop]))).toContain("**No changes.**");
  });
});

describe("plan exit codes", () => {
  it.each([
    [[noop], false, 0],
    [[noop], true, 0],
    [[update], false, 0],
    [[update], true, 2],
    [[create], true, 2],
    [[update, blocked], true, 3],
  ] as const)("%#", (campaigns, detailed, code) => {
    expect(planExitCode(plan([...campaigns]), detailed)).toBe(code);
  });

  it("is 1 when any campaign could not be planned", () => {
    expect(planExitCode({ ...plan([update]), errors: [{ address: "a", message: "ambiguous" }] }, true)).toBe(1);
  });
});
