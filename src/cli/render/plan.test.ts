import { describe, expect, it } from "vitest";
import { summarize, type ResourcePlan, type Plan } from "../../core/plan.js";
import { planResource } from "../../core/planner.js";
import { capabilities as altur } from "../../providers/altur/capabilities.js";
import { capabilities as puffle } from "../../providers/puffle/capabilities.js";
import { capabilities as extrovert } from "../../providers/extrovert/capabilities.js";
import { planExitCode } from "../commands/plan.js";
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from "./plan.js";

const alturLive = { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", retries: 1 };

function plan(campaigns: ResourcePlan[]): Plan {
  return { formatVersion: 2, createdAt: "2026-11-23T00:00:00.000Z", campaigns, summary: summarize(campaigns), errors: [] };
}

const update = planResource({
  address: "altur/default/a",
  provider: "altur",
  account: "default",
  kind: "AlturCampaign",
  caps: altur,
  spec: { ...alturLive, retries: 2 },
  live: { id: "7", status: "active", spec: alturLive, fingerprint: "f" },
  identity: "state",
});
const blocked = planResource({
  address: "puffle/default/p",
  provider: "puffle",
  account: "default",
  kind: "PuffleCampaign",
  caps: puffle,
  spec: { name: "P", stop_on_reply: false },
  live: { id: "u", status: "active", spec: { name: "P", stop_on_reply: true } },
  identity: "state",
});
const create = planResource({ address: "altur/default/new", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: { ...alturLive, name: "New" }, identity: "new" });
const noop = planResource({ address: "altur/default/same", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: alturLive, live: { id: "8", status: "active", spec: alturLive }, identity: "state" });

describe("plan text", () => {
  it("uses Terraform-like glyphs, before → after, blocked reasons, and a summary", () => {
    const text = renderPlanText(plan([create, update, blocked, noop]), { color: false });
    expect(text).toContain("  + AlturCampaign \"New\"");
    expect(text).toContain("      ~ retries: 1 → 2");
    expect(text).toContain("      ! stop_on_reply: true → false  (blocked)");
    expect(text).toMatch(/why: Puffle silently ignores stop_on_reply/);
    expect(text).not.toContain("altur/default/same");
    expect(text).toContain("Plan: 1 to create, 2 to update, 0 to transition, 0 to replace, 1 unchanged; 1 with blocked changes.");
  });

  it("says so when there is nothing to do, and colours only when asked", () => {
    expect(renderPlanText(plan([noop]), { color: false })).toBe("No changes. Live matches Git for 1 campaign.\n");
    expect(renderPlanText(plan([update]), { color: true })).toContain("\u001b[");
    expect(renderPlanText(plan([update]), { color: false })).not.toContain("\u001b[");
  });

  it("names untracked duplicates (state merge) after the summary, in text and markdown: never a bare \"No changes\"", () => {
    const p = { ...plan([noop]), untracked: [{ address: "extrovert/default/x3", provider: "extrovert" as const, id: "ext-9" }] };
    const text = renderPlanText(p, { color: false });
    expect(text).toBe(
      "No changes. Live matches Git for 1 campaign.\nUntracked: 1 live object no address tracks, made by a run whose state commit was merged over: extrovert/default/x3 (id ext-9). Delete it in the provider, then `campaignctl state forget ADDR --untracked ID`.\n",
    );
    const md = renderPlanMarkdown(p);
    expect(md).toContain("**No changes.**");
    expect(md).toContain("> **1 untracked duplicate**");
    expect(md).toContain("> - `extrovert/default/x3`: id `ext-9`");
    expect(renderPlanMarkdown({ ...plan([update]), untracked: p.untracked })).toContain("> - `extrovert/default/x3`: id `ext-9`");
    expect(renderPlanText(plan([noop]), { color: false })).not.toContain("Untracked");
  });
});

describe("plan JSON", () => {
  it("is the versioned Plan document with classified changes and ordered steps", () => {
    const json = JSON.parse(renderPlanJson(plan([update, blocked])));
    expect(json.formatVersion).toBe(2);
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
    // Each blocked step carries its typed code (and the field it is about); the words are for people.
    expect(json.campaigns[1].blocked).toEqual(json.campaigns[1].changes.filter((c: { class: string }) => c.class === "blocked").map((c: { path: string; reason: string; unblock: string }) => ({ code: "field-blocked", field: c.path, what: c.path, reason: c.reason, unblock: c.unblock })));
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

  it("stays under 60,000 characters for thousands of campaigns, moving whole campaigns to a 'not shown' list", () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...update, address: `altur/default/c${i}` }));
    const md = renderPlanMarkdown(plan(many), { planFile: "plan.json" });
    expect(md.length).toBeLessThan(60_000);
    const shown = md.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(100);
    expect(md).toContain(`**Not shown** (to keep this comment under 60,000 characters): ${3000 - shown} campaign(s). See the full plan with \`campaignctl show plan.json\``);
    // The first hidden campaign is named; every shown block is complete.
    expect(md).toContain(`- \`~\` altur/default/c${shown} — will be updated in place`);
    expect(md.match(/<\/details>/g)?.length).toBe(shown);
    expect(md).toMatch(/- … and \d+ more\n$/);
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

describe("orphans", () => {
  const orphan = (provider: "extrovert" | "puffle") =>
    planResource({
      address: `${provider}/default/gone`,
      provider,
      account: "default",
      kind: provider === "puffle" ? "PuffleCampaign" : "ExtrovertCampaign",
      caps: provider === "puffle" ? puffle : extrovert,
      state: { id: "x1", applied: {} } as never,
      identity: "state",
    });

  it("are notes while prune is off: no change for the exit code, no details block", () => {
    const p = plan([orphan("puffle"), noop]);
    expect(planExitCode(p, true)).toBe(0);
    expect(renderPlanText(p, { color: false })).toContain("No changes. Live matches Git for 1 campaign. Note: 1 no longer in Git, left alone (prune is off).");
    expect(renderPlanMarkdown(p)).not.toContain("<details>");
    expect(planExitCode({ ...p, prune: true }, true)).toBe(2);
  });

  it("an Extrovert orphan (no delete API) names the exact `state forget` to run, and is never a change", () => {
    const p = { ...plan([orphan("extrovert")]), prune: true };
    expect(planExitCode(p, true)).toBe(0);
    expect(p.campaigns[0]?.notes.find((n) => n.code === "orphan-manual")?.text).toContain("then run `campaignctl state forget extrovert/default/gone`");
    expect(renderPlanMarkdown(p)).toContain("then run `campaignctl state forget extrovert/default/gone`");
  });

  it("the renderer finds the manual-retire hint by its code, whatever its words", () => {
    const p = { ...plan([orphan("extrovert")]), prune: true };
    const c = p.campaigns[0]!;
    c.notes = c.notes.map((n) => (n.code === "orphan-manual" ? { ...n, text: "reworded: delete it by hand, then forget it" } : n));
    expect(renderPlanText(p, { color: false })).toContain("is no longer in Git: retire it by hand (the provider cannot)");
    c.notes = [];
    expect(renderPlanText(p, { color: false })).toContain("is no longer in Git: apply retires it (prune is on)");
  });
});
