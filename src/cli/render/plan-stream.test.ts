import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { summarize, type Plan, type ResourcePlan } from "../../core/plan.js";
import { planResource } from "../../core/planner.js";
import { capabilities as altur } from "../../providers/altur/capabilities.js";
import { capabilities as puffle } from "../../providers/puffle/capabilities.js";
import { writeChunks } from "../pipeline.js";
import { planTextChunks, renderPlanText } from "./plan.js";

/**
 * The text plan is written piece by piece (issue 30). Its bytes must stay those of the whole-string
 * renderer it replaced: the expected texts in test/fixtures/plan-text were rendered by that renderer
 * (src/cli/render/plan.ts before the change) from the plans built here.
 */
const FIXTURES = new URL("../../../test/fixtures/plan-text/", import.meta.url);

const alturLive = { name: "A", agent_id: "agent_demo_01", integration_id: "integ_phone_01", integration_type: "phone_call", retries: 1 };

function alturUpdate(i: number, extra: Partial<ResourcePlan> = {}): ResourcePlan {
  return {
    ...planResource({
      address: `altur/default/a-${i}`,
      provider: "altur",
      account: "default",
      kind: "AlturCampaign",
      caps: altur,
      spec: { ...alturLive, name: `A ${i}`, retries: 2 },
      live: { id: String(i), status: "active", spec: { ...alturLive, name: `A ${i}` }, fingerprint: "f" },
      identity: "state",
    }),
    ...extra,
  };
}

/** One of everything the text shows: guardrails, changes, blocked, notes, a set group, orphans, errors, bidi controls, untracked. */
function richPlan(): Plan {
  const blocked = planResource({
    address: "puffle/default/p",
    provider: "puffle",
    account: "default",
    kind: "PuffleCampaign",
    caps: puffle,
    spec: { name: "P\u202e", stop_on_reply: false },
    live: { id: "u", status: "active", spec: { name: "P", stop_on_reply: true } },
    identity: "state",
  });
  const create = planResource({ address: "altur/default/new", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: { ...alturLive, name: "New" }, identity: "new" });
  const noop = planResource({ address: "altur/default/same", provider: "altur", account: "default", kind: "AlturCampaign", caps: altur, spec: alturLive, live: { id: "8", status: "active", spec: alturLive }, identity: "state" });
  const noted: ResourcePlan = { ...alturUpdate(1), warnings: ["a warning"], notes: [{ code: "adopted", text: "adopted live campaign 1 by its exact name" }], dependsOn: ["altur/default/new"] };
  const setMembers = [2, 3, 4].map((i) => alturUpdate(i, { set: "regions", instance: `r${i}` }));
  const orphan: ResourcePlan = { ...noop, address: "altur/default/gone", action: "orphan", displayName: "Gone", retire: "api", changes: [], steps: [] };
  const campaigns = [create, noted, blocked, noop, ...setMembers, orphan];
  return {
    formatVersion: 2,
    createdAt: "2026-11-23T00:00:00.000Z",
    campaigns,
    summary: summarize(campaigns),
    errors: [{ address: "altur/default/broken", message: "recorded id 9 no longer exists at Altur" }],
    guardrails: [{ code: "MAX_NEW_CONTACTS", level: "warning", message: "this apply reaches 12 new people; the limit is 10", addresses: ["altur/default/new"], people: { count: 12, limit: 10 } }],
    untracked: [{ address: "extrovert/default/x3", provider: "extrovert", id: "ext-9" }],
  };
}

/** Many campaigns: the output is written in several batches of pieces. */
function largePlan(n: number): Plan {
  const campaigns = Array.from({ length: n }, (_, i) => alturUpdate(i));
  return { formatVersion: 2, createdAt: "2026-11-23T00:00:00.000Z", campaigns, summary: summarize(campaigns), errors: [] };
}

const CASES: [string, () => Plan, { color: boolean; showNoop?: boolean }][] = [
  ["rich", richPlan, { color: false }],
  ["rich-color-verbose", richPlan, { color: true, showNoop: true }],
  ["rich-pruned", () => ({ ...richPlan(), prune: true }), { color: false }],
  ["large", () => largePlan(1000), { color: false }],
];

describe("plan text, streamed", () => {
  it.each(CASES)("%s: the pieces, joined, are the previous renderer's bytes", (name, make, opts) => {
    const expected = readFileSync(new URL(`${name}.txt`, FIXTURES), "utf8");
    const pieces = [...planTextChunks(make(), opts)];
    expect(pieces.join("")).toBe(expected);
    expect(renderPlanText(make(), opts)).toBe(expected);
    // Whole lines per piece: a line is never split, so each piece is escaped like the whole text was.
    for (const p of pieces) expect(p.endsWith("\n")).toBe(true);
  });

  it("plan's writer sends the same bytes in several writes, never the whole text in one", async () => {
    const expected = readFileSync(new URL("large.txt", FIXTURES), "utf8");
    const writes: string[] = [];
    await writeChunks({ write: (chunk: string) => writes.push(chunk) }, planTextChunks(largePlan(1000), { color: false }));
    expect(writes.join("")).toBe(expected);
    expect(writes.length).toBeGreaterThan(2);
    expect(Math.max(...writes.map((w) => w.length))).toBeLessThan(expected.length / 2);
  });
});
