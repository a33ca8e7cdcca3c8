/**
 * Pinned rendering of nested changes (issue 11): exactly the changed part, nothing cut, in text and
 * markdown. The plans come from the real planner over each provider's real capabilities.
 */
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../core/json.js";
import { summarize, type ResourcePlan, type Plan } from "../../core/plan.js";
import { planResource } from "../../core/planner.js";
import { capabilities as altur } from "../../providers/altur/capabilities.js";
import { capabilities as extrovert } from "../../providers/extrovert/capabilities.js";
import { capabilities as puffle } from "../../providers/puffle/capabilities.js";
import { renderPlanMarkdown, renderPlanText } from "./plan.js";

function plan(campaigns: ResourcePlan[], prune = false): Plan {
  return { formatVersion: 2, createdAt: "2026-12-01T00:00:00.000Z", campaigns, summary: summarize(campaigns), errors: [], prune };
}

/** The <details> body of the only campaign of a markdown plan. */
function markdownBody(md: string): string {
  const m = /```diff\n([\s\S]*?)\n```/.exec(md);
  return m?.[1] ?? "";
}

const NODES: JsonObject[] = [
  { type: "connection_request", include_message: true, body: "Hi {{first_name}}, I work with engineering leaders at fintechs on payment reliability. Happy to connect." },
  { type: "delay", delay_days: 3 },
  { type: "message", body: "Thanks for connecting, {{first_name}}! Would a 15-minute chat on incident tooling be useful next week?" },
  { type: "end" },
];

function puffleUpdate(live: JsonObject[], desired: JsonObject[], extra: JsonObject = {}): ResourcePlan {
  return planResource({
    address: "puffle/default/linkedin-cto-outreach",
    provider: "puffle",
    account: "default",
    kind: "PuffleCampaign",
    caps: puffle,
    spec: { name: "CTO outreach", sequence_nodes: desired, ...extra },
    live: { id: "p-1", status: "draft", spec: { name: "CTO outreach", sequence_nodes: live, sender_account_ids: ["s-1", "s-2"] } },
    identity: "state",
  });
}

describe("a one-step edit inside a Puffle sequence", () => {
  const edited = NODES.map((n, i) => (i === 2 ? { ...n, body: `${n.body as string} Reply STOP to unsubscribe.` } : n));
  const c = puffleUpdate(NODES, edited);

  it("text shows that step, with its index and type, and the whole old and new body", () => {
    expect(renderPlanText(plan([c]), { color: false })).toBe(
      [
        "  # puffle/default/linkedin-cto-outreach (id p-1, status draft) will be updated in place",
        '  ~ PuffleCampaign "CTO outreach"',
        "      ~ sequence_nodes: [",
        "            # 2 unchanged elements hidden",
        "          ~ [2] message {",
        "              ~ body:",
        '                  - "Thanks for connecting, {{first_name}}! Would a 15-minute chat on incident tooling be useful next week?"',
        '                  + "Thanks for connecting, {{first_name}}! Would a 15-minute chat on incident tooling be useful next week? Reply STOP to unsubscribe."',
        "                # 1 unchanged attribute hidden",
        "            }",
        "            # 1 unchanged element hidden",
        "        ]",
        "      steps: update sequence_nodes",
        "",
        "Plan: 0 to create, 1 to update, 0 to transition, 0 to replace, 0 unchanged.",
        "",
      ].join("\n"),
    );
  });

  it("markdown shows the same lines, marks in the first column for diff highlighting", () => {
    const md = renderPlanMarkdown(plan([c]));
    expect(markdownBody(md)).toBe(
      [
        "~ sequence_nodes: [",
        "      # 2 unchanged elements hidden",
        "~     [2] message {",
        "~         body:",
        '-             "Thanks for connecting, {{first_name}}! Would a 15-minute chat on incident tooling be useful next week?"',
        '+             "Thanks for connecting, {{first_name}}! Would a 15-minute chat on incident tooling be useful next week? Reply STOP to unsubscribe."',
        "          # 1 unchanged attribute hidden",
        "      }",
        "      # 1 unchanged element hidden",
        "  ]",
        "steps: update sequence_nodes",
      ].join("\n"),
    );
    expect(md).toContain("unsubscribe");
  });

  it("an inserted step is +, a removed one -, unchanged ones folded; sender ids are a set", () => {
    const desired = [NODES[0], NODES[1], { type: "delay", delay_days: 2 }, NODES[2]] as JsonObject[];
    const text = renderPlanText(plan([puffleUpdate(NODES, desired, { sender_account_ids: ["s-2", "s-3"] })]), { color: false });
    expect(text).toContain(
      [
        "      ~ sender_account_ids: [",
        '          - "s-1"',
        '          + "s-3"',
        "            # 1 unchanged member hidden",
        "        ]",
        "      ~ sequence_nodes: [",
        "            # 2 unchanged elements hidden",
        "          + [2] delay {",
        '              + type: "delay"',
        "              + delay_days: 2",
        "          + }",
        "            # 1 unchanged element hidden",
        "          - [3] end {",
        '              - type: "end"',
        "          - }",
        "        ]",
      ].join("\n"),
    );
  });
});

describe("a one-key edit inside an object", () => {
  it("Altur cycles: the key, as the provider merges it", () => {
    const cycles = { enabled: true, mode: "loop", cooldown_minutes: 60, max_iterations: 3 };
    const live = { name: "Q2", agent_id: "agent_1", integration_id: "integ_1", integration_type: "phone_call", cycles };
    const c = planResource({
      address: "altur/default/q2-reactivation",
      provider: "altur",
      account: "default",
      kind: "AlturCampaign",
      caps: altur,
      spec: { ...live, cycles: { ...cycles, cooldown_minutes: 90 } },
      live: { id: "42", status: "active", spec: live },
      identity: "state",
    });
    const text = renderPlanText(plan([c]), { color: false });
    expect(text).toContain(["  ~ AlturCampaign \"Q2\"", "      ~ cycles.cooldown_minutes: 60 → 90", "      steps: update cycles.cooldown_minutes", ""].join("\n"));
    expect(markdownBody(renderPlanMarkdown(plan([c])))).toBe(["~ cycles.cooldown_minutes: 60 → 90", "steps: update cycles.cooldown_minutes"].join("\n"));
  });

  it("Extrovert connectingSettings: only the changed key, the rest folded with a count", () => {
    const settings = {
      isSendConnectionRequestEnabled: true,
      sendConnectionRequestOnDirectCommentCount: 2,
      isSendConnectionRequestOnIndirectCommentEnabled: false,
      sendConnectionRequestOnIndirectCommentCount: 0,
      isSendConnectionRequestOnTimeoutEnabled: true,
      sendConnectionRequestOnTimeoutDays: 7,
      isSendConnectionRequestOnNoPostsEnabled: false,
    };
    const c = planResource({
      address: "extrovert/default/founders-engagement",
      provider: "extrovert",
      account: "default",
      kind: "ExtrovertCampaign",
      caps: extrovert,
      spec: { name: "Founders", connectingSettings: { ...settings, sendConnectionRequestOnTimeoutDays: 14 } },
      // The last applied full body: what the spec leaves out is at its default / off form already.
      live: { id: "e-1", spec: { ...extrovert.defaults, dmSettings: extrovert.offWhenOmitted?.dmSettings ?? null, name: "Founders", connectingSettings: settings } },
      identity: "state",
    });
    expect(renderPlanText(plan([c]), { color: false })).toContain(
      [
        '  ~ ExtrovertCampaign "Founders"',
        "      ~ connectingSettings: {",
        "          ~ sendConnectionRequestOnTimeoutDays: 7 → 14",
        "            # 6 unchanged attributes hidden",
        "        }",
        "      steps: update connectingSettings",
      ].join("\n"),
    );
    expect(markdownBody(renderPlanMarkdown(plan([c])))).toBe(
      ["~ connectingSettings: {", "~     sendConnectionRequestOnTimeoutDays: 7 → 14", "      # 6 unchanged attributes hidden", "  }", "steps: update connectingSettings"].join("\n"),
    );
  });
});

describe("an edited message body", () => {
  it("multi-line text is a line diff, shown whole", () => {
    const body = "Hello {{first_name}},\n\nour renewal offer ends Friday.\n\nBest,\nAnna";
    const live = { name: "Renewal", agent_id: "agent_1", integration_id: "integ_1", integration_type: "sms", first_message: body };
    const c = planResource({
      address: "altur/default/renewals",
      provider: "altur",
      account: "default",
      kind: "AlturCampaign",
      caps: altur,
      spec: { ...live, first_message: body.replace("ends Friday.", "ends Friday.\nReply STOP to unsubscribe.") },
      live: { id: "43", status: "inactive", spec: live },
      identity: "state",
    });
    const expected = [
      "~ first_message: <<EOT",
      "      Hello {{first_name}},",
      "      ",
      "      our renewal offer ends Friday.",
      "+     Reply STOP to unsubscribe.",
      "      ",
      "      Best,",
      "      Anna",
      "  EOT",
      "steps: update first_message",
    ];
    expect(markdownBody(renderPlanMarkdown(plan([c])))).toBe(expected.join("\n"));
    expect(renderPlanText(plan([c]), { color: false })).toContain(
      [
        "      ~ first_message: <<EOT",
        "            Hello {{first_name}},",
        "            ",
        "            our renewal offer ends Friday.",
        "          + Reply STOP to unsubscribe.",
        "            ",
        "            Best,",
        "            Anna",
        "        EOT",
      ].join("\n"),
    );
  });

  it("a created campaign shows every value whole, never cut", () => {
    const long = `Hi {{first_name}}, ${"a long sentence about payment reliability ".repeat(8)}`;
    const c = planResource({
      address: "puffle/default/new",
      provider: "puffle",
      account: "default",
      kind: "PuffleCampaign",
      caps: puffle,
      spec: { type: "linkedin", name: "New", sender_account_ids: ["s-1"], sequence_nodes: [{ type: "message", body: long }] },
      identity: "new",
    });
    for (const out of [renderPlanText(plan([c]), { color: false }), renderPlanMarkdown(plan([c]))]) {
      expect(out).toContain(JSON.stringify(long));
      expect(out).not.toContain("…");
    }
  });

  it("a value holding ``` keeps its backticks: the markdown fence is longer", () => {
    const c = puffleUpdate(NODES, NODES.map((n, i) => (i === 2 ? { ...n, body: "see ```code```" } : n)));
    const md = renderPlanMarkdown(plan([c]));
    expect(md).toContain('+             "see ```code```"');
    expect(md).toContain("````diff\n");
  });
});
