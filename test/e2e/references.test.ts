/**
 * Managed dependencies and references (docs/design.md §11, issue 14) end to end: real CLI code over real HTTP
 * against the sandbox on 127.0.0.1. Styles, contexts and monitored topics are objects of their own,
 * campaigns name them by `{ ref }`, owners by `{ teamMember }`, Puffle senders by `{ sender }`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXTROVERT_FIXTURE_IDS } from "../../src/sandbox/extrovert/index.js";
import { FIXTURE_SENDER_IDS, fixtureSenders } from "../../src/sandbox/puffle/model.js";
import { startTestSandbox, useSandbox } from "../support/sandbox.js";
import { extrovertTarget, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const OWNER_EMAIL = "sandra.box@example.com";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const style = {
  name: "Founder voice",
  userId: { teamMember: OWNER_EMAIL },
  isLearningModeEnabled: true,
  styleInstructionsForComments: "Plain words, one idea per comment.",
};
const context = {
  name: "Acme",
  userId: { teamMember: "Sandra Box" },
  contextAboutCompany: "Acme sells rockets.",
  contextAboutUser: "Sandra runs growth at Acme.",
};
const topic = { name: "AI agents", description: "Posts about building AI agents; no job ads.", ownerId: { teamMember: OWNER_EMAIL } };

const keywordCampaign = {
  ownerId: { teamMember: OWNER_EMAIL },
  type: "KEYWORD",
  name: "Topic - AI agents",
  userStyleId: { ref: "founder-voice" },
  userContextId: { ref: "acme" },
  postActivityFilter: {
    ...extrovertTarget.postActivityFilter,
    monitoredTopicIds: [{ ref: "ai-agents" }, EXTROVERT_FIXTURE_IDS.topic],
  },
};
const targetCampaign = { ...extrovertTarget, userStyleId: { ref: "founder-voice" }, userContextId: { ref: "acme" } };

async function writeAll(): Promise<void> {
  await ws.write("founder-voice", "ExtrovertStyle", style);
  await ws.write("acme", "ExtrovertContext", context);
  await ws.write("ai-agents", "ExtrovertMonitoredTopic", topic);
  await ws.write("topic-campaign", "ExtrovertCampaign", keywordCampaign);
  await ws.write("founders", "ExtrovertCampaign", targetCampaign);
}

const writes = <T extends { method: string }>(log: T[]) => log.filter((r) => r.method !== "GET");

describe("managed styles, contexts and topics referenced by name", () => {
  it("apply from empty creates the style, context and topic before the campaigns, which carry the new ids; the next plan is empty", async () => {
    await writeAll();
    const validate = await ws.run(["validate"]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const plan = await ws.run(["plan"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain("extrovert/default/style/founder-voice will be created");
    expect(plan.stdout).toContain("extrovert/default/context/acme will be created");
    expect(plan.stdout).toContain("extrovert/default/topic/ai-agents will be created");
    expect(plan.stdout).toContain("(known after apply)");
    expect(plan.stdout).toMatch(/ownerId: teamMember "sandra.box@example.com" → Sandra Box <sandra.box@example.com> \(id e0000000-0000-4000-8000-000000000001\)/);
    // Plan reads the team members once for the five lookups (read-only) and writes nothing.
    const reads = await sb.requests("extrovert");
    expect(writes(reads)).toEqual([]);
    expect(reads.map((r) => `${r.method} ${r.path.replace(/^.*\/client\/v2/, "")}`)).toEqual(["GET /user/team-members"]);
    await clearLogs(sb);

    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    // The account started early (--auto-approve): the plan apply shows is the one it ran, lookup notes included.
    expect(apply.stdout).toMatch(/ownerId: teamMember "sandra.box@example.com" → Sandra Box <sandra.box@example.com> \(id e0000000-0000-4000-8000-000000000001\)/);
    const log = writes(await sb.requests("extrovert"));
    const posts = log.map((r) => `${r.method} ${r.path.replace(/^.*\/client\/v2/, "")}`);
    const firstCampaign = posts.indexOf("POST /campaign");
    for (const dep of ["POST /style", "POST /context", "POST /monitored-topics"]) {
      expect(posts.indexOf(dep), posts.join("\n")).toBeGreaterThanOrEqual(0);
      expect(posts.indexOf(dep), posts.join("\n")).toBeLessThan(firstCampaign);
    }
    const state = await ws.state();
    const styleId = state.campaigns["extrovert/default/style/founder-voice"]?.id ?? "";
    const contextId = state.campaigns["extrovert/default/context/acme"]?.id ?? "";
    const topicId = state.campaigns["extrovert/default/topic/ai-agents"]?.id ?? "";
    for (const id of [styleId, contextId, topicId]) expect(id).toMatch(UUID);
    // The ids in state are the ones the sandbox gave.
    const styles = (await sb.request("extrovert", "GET", "/style")).body.data as { id: string; name: string; userId: string }[];
    expect(styles.find((s) => s.id === styleId)).toMatchObject({ name: "Founder voice", userId: EXTROVERT_FIXTURE_IDS.owner });

    const campaignBodies = log.filter((r) => r.method === "POST" && r.path.endsWith("/campaign")).map((r) => r.body as Record<string, any>);
    expect(campaignBodies).toHaveLength(2);
    for (const body of campaignBodies) {
      expect(body).toMatchObject({ ownerId: EXTROVERT_FIXTURE_IDS.owner, userStyleId: styleId, userContextId: contextId });
    }
    const keyword = campaignBodies.find((b) => b.type === "KEYWORD");
    expect(keyword?.postActivityFilter.monitoredTopicIds).toEqual([topicId, EXTROVERT_FIXTURE_IDS.topic]);
    // The topic campaign's bindings also go through toggle-bulk, right after its create (src/providers/extrovert/README.md §5, §8).
    const keywordId = state.campaigns["extrovert/default/topic-campaign"]?.id ?? "";
    const toggles = log.filter((r) => r.path.endsWith("/toggle-bulk"));
    expect(toggles.map((r) => r.path.replace(/^.*\/client\/v2/, ""))).toEqual([`/campaign-topic/${keywordId}/toggle-bulk`]);
    expect(toggles[0]?.body).toEqual({ campaignId: keywordId, monitoredTopicIds: [topicId, EXTROVERT_FIXTURE_IDS.topic], rejectAllPosts: false });
    expect(posts.indexOf(`POST /campaign-topic/${keywordId}/toggle-bulk`)).toBeGreaterThan(posts.indexOf("POST /monitored-topics"));

    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    // Drift compares the spec with its references resolved (the plan keeps only specs it changed): no drift.
    const drift = await ws.run(["drift", "--format", "json"]);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(JSON.parse(drift.stdout).campaigns.flatMap((c: { fields: unknown[] }) => c.fields)).toEqual([]);
  });

  it("a saved plan (plan --out, apply PLANFILE) carries the placeholders and apply fills in the new ids", async () => {
    await writeAll();
    expect((await ws.run(["plan", "--out", "plan.json"])).code).toBe(0);
    const saved = JSON.parse(await readFile(join(ws.dir, "plan.json"), "utf8"));
    const topicCampaign = saved.campaigns.find((c: { address: string }) => c.address === "extrovert/default/topic-campaign");
    expect(topicCampaign.dependsOn).toEqual(["extrovert/default/context/acme", "extrovert/default/style/founder-voice", "extrovert/default/topic/ai-agents"]);
    expect(topicCampaign.steps[0].body.userStyleId).toBe("(known after apply: extrovert/default/style/founder-voice)");
    await clearLogs(sb);
    const apply = await ws.run(["apply", "plan.json"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const styleId = (await ws.state()).campaigns["extrovert/default/style/founder-voice"]?.id;
    const bodies = writes(await sb.requests("extrovert")).filter((r) => r.path.endsWith("/campaign")).map((r) => r.body as Record<string, unknown>);
    expect(bodies.map((b) => b.userStyleId)).toEqual([styleId, styleId]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("when a referenced object's create fails, the campaigns that need its id are not applied and say why; the rest goes on", async () => {
    await writeAll();
    // An owner id Extrovert does not know: the style's create is refused (404), nothing else is.
    await ws.write("founder-voice", "ExtrovertStyle", { ...style, userId: "e0000000-0000-4000-8000-0000000000ff" });
    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toContain("✗ extrovert/default/founders: failed");
    expect(apply.stdout + apply.stderr).toContain("not applied: it needs the id of extrovert/default/style/founder-voice, which was not created in this apply");
    const state = await ws.state();
    expect(Object.keys(state.campaigns).sort()).toEqual(["extrovert/default/context/acme", "extrovert/default/topic/ai-agents"]);
    expect(writes(await sb.requests("extrovert")).filter((r) => r.method === "POST" && r.path.endsWith("/campaign"))).toEqual([]);
    // Fixed, the next apply creates the style and then both campaigns.
    await ws.write("founder-voice", "ExtrovertStyle", style);
    const again = await ws.run(["apply", "--auto-approve"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(Object.keys((await ws.state()).campaigns)).toHaveLength(5);
  });

  it("when a referenced object's create is unconfirmed (blocked), the campaigns that need its id are blocked too: exit 3, not 1", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    // As after a runner killed mid-create: the style's create was sent, its answer never recorded.
    const file = join(ws.dir, "campaignctl.state.json");
    const doc = JSON.parse(await readFile(file, "utf8"));
    const address = "extrovert/default/style/founder-voice";
    delete doc.campaigns[address];
    doc.pending = {
      [address]: { provider: "extrovert", account: "default", kind: "ExtrovertStyle", name: style.name, digest: "0".repeat(32), idempotencyKey: "00000000-0000-4000-8000-000000000000", at: new Date().toISOString() },
    };
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    await sb.clearRequests("extrovert");
    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(3);
    expect(apply.stdout).not.toMatch(/: failed\n/);
    expect(apply.stdout).toContain(`campaignctl state adopt ${address} --id <ID>`);
    expect(apply.stdout + apply.stderr).toContain(`not applied yet: it needs the id of ${address}, which is blocked`);
    // Nothing is sent for the blocked style or the campaigns waiting for it.
    expect(writes(await sb.requests("extrovert"))).toEqual([]);
    const json = await ws.run(["apply", "--auto-approve", "--format", "json"]);
    const founders = JSON.parse(json.stdout).campaigns.find((c: { address: string }) => c.address === "extrovert/default/founders");
    expect(founders).toMatchObject({ status: "blocked", blocked: [{ code: "dependency-blocked" }] });
  });

  it("changing a style's instructions plans one style update and no campaign change", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const styleId = (await ws.state()).campaigns["extrovert/default/style/founder-voice"]?.id;
    await ws.write("founder-voice", "ExtrovertStyle", { ...style, styleInstructionsForComments: "Shorter still." });
    await clearLogs(sb);

    const plan = await ws.run(["plan", "--format", "json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const doc = JSON.parse(plan.stdout);
    const changed = doc.campaigns.filter((c: { action: string }) => c.action !== "noop");
    expect(changed.map((c: { address: string; action: string }) => `${c.action} ${c.address}`)).toEqual(["update extrovert/default/style/founder-voice"]);
    expect(changed[0].changes.map((c: { path: string }) => c.path)).toEqual(["styleInstructionsForComments"]);
    expect(doc.summary).toMatchObject({ create: 0, update: 1, replace: 0 });

    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const log = writes(await sb.requests("extrovert"));
    expect(log.map((r) => `${r.method} ${r.path.replace(/^.*\/client\/v2/, "")}`)).toEqual([`PATCH /style/${styleId}`]);
    // Full body as documented: id, name, isLearningModeEnabled and the instructions; never userId.
    expect(log[0]?.body).toEqual({ id: styleId, name: "Founder voice", isLearningModeEnabled: true, styleInstructionsForComments: "Shorter still." });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("a changed topic is replaced (only with --allow-replace) and the campaign using it is re-bound to the new id", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const oldTopic = (await ws.state()).campaigns["extrovert/default/topic/ai-agents"]?.id;
    await ws.write("ai-agents", "ExtrovertMonitoredTopic", { ...topic, description: "Posts about AI agents in sales." });

    const plan = await ws.run(["plan", "--format", "json"]);
    const doc = JSON.parse(plan.stdout);
    const byAddress = Object.fromEntries(doc.campaigns.map((c: { address: string }) => [c.address, c]));
    expect(byAddress["extrovert/default/topic/ai-agents"].action).toBe("replace");
    expect(byAddress["extrovert/default/topic-campaign"]).toMatchObject({ action: "update", dependsOn: ["extrovert/default/topic/ai-agents"] });
    expect(byAddress["extrovert/default/founders"].action).toBe("noop");
    const text = await ws.run(["plan"]);
    expect(text.stdout).toMatch(/postActivityFilter[\s\S]*\(known after apply\)/);

    // Without --allow-replace nothing is replaced, and the campaign keeps the old topic.
    await clearLogs(sb);
    const refused = await ws.run(["apply", "--auto-approve"]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(3);
    expect(writes(await sb.requests("extrovert")).filter((r) => r.path.endsWith("/monitored-topics"))).toEqual([]);
    expect((await ws.state()).campaigns["extrovert/default/topic/ai-agents"]?.id).toBe(oldTopic);

    await clearLogs(sb);
    const apply = await ws.run(["apply", "--auto-approve", "--allow-replace"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain("remove the old one in the Extrovert dashboard");
    const newTopic = (await ws.state()).campaigns["extrovert/default/topic/ai-agents"]?.id;
    expect(newTopic).toMatch(UUID);
    expect(newTopic).not.toBe(oldTopic);
    const log = writes(await sb.requests("extrovert"));
    const paths = log.map((r) => `${r.method} ${r.path.replace(/^.*\/client\/v2/, "")}`);
    expect(paths.indexOf("POST /monitored-topics")).toBeLessThan(paths.findIndex((p) => p.startsWith("PATCH /campaign/")));
    const patch = log.find((r) => r.method === "PATCH" && r.path.includes("/campaign/"));
    expect((patch?.body as any).postActivityFilter.monitoredTopicIds).toEqual([newTopic, EXTROVERT_FIXTURE_IDS.topic]);
    const toggle = log.find((r) => r.path.endsWith("/toggle-bulk"));
    expect((toggle?.body as any).monitoredTopicIds).toEqual([newTopic, EXTROVERT_FIXTURE_IDS.topic]);
    expect(paths.indexOf("POST /monitored-topics")).toBeLessThan(paths.findIndex((p) => p.endsWith("/toggle-bulk")));
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("topic bindings: an emptied list is planned as part of the campaign and sent to toggle-bulk as [] (removes all)", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["extrovert/default/topic-campaign"]?.id;
    await ws.write("topic-campaign", "ExtrovertCampaign", { ...keywordCampaign, postActivityFilter: { ...keywordCampaign.postActivityFilter, monitoredTopicIds: [] } });
    const plan = await ws.run(["plan"]);
    expect(plan.stdout).toMatch(/steps: update postActivityFilter → bind monitored topics \(toggle-bulk\)/);
    await clearLogs(sb);
    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    // The account started early (--auto-approve): the plan apply shows is the one it ran, lookup notes included.
    expect(apply.stdout).toMatch(/ownerId: teamMember "sandra.box@example.com" → Sandra Box <sandra.box@example.com> \(id e0000000-0000-4000-8000-000000000001\)/);
    const log = writes(await sb.requests("extrovert"));
    expect(log.map((r) => `${r.method} ${r.path.replace(/^.*\/client\/v2/, "")}`)).toEqual([`PATCH /campaign/${id}`, `POST /campaign-topic/${id}/toggle-bulk`]);
    expect(log[1]?.body).toEqual({ campaignId: id, monitoredTopicIds: [], rejectAllPosts: false });
    const stored = (await sb.campaigns("extrovert")).find((c) => c.id === id);
    expect(stored.postActivityFilter.monitoredTopicIds).toEqual([]);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("state adopt of a style and of a campaign that uses it records the resolved body: the next plan is empty", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const state = await ws.state();
    for (const address of ["extrovert/default/style/founder-voice", "extrovert/default/founders"]) {
      const id = state.campaigns[address]?.id ?? "";
      expect((await ws.run(["state", "forget", address])).code).toBe(0);
      const adopted = await ws.run(["state", "adopt", address, "--id", id]);
      expect(adopted.code, adopted.stdout + adopted.stderr).toBe(0);
    }
    const after = await ws.state();
    expect(after.campaigns["extrovert/default/founders"]?.applied).toMatchObject({
      ownerId: EXTROVERT_FIXTURE_IDS.owner,
      userStyleId: state.campaigns["extrovert/default/style/founder-voice"]?.id,
    });
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it("a ref to a missing object, or to an object of another kind, is a located error found offline", async () => {
    await ws.write("founder-voice", "ExtrovertStyle", style);
    await ws.write("acme", "ExtrovertContext", context);
    await ws.write("founders", "ExtrovertCampaign", { ...targetCampaign, userStyleId: { ref: "no-such-style" }, userContextId: { ref: "founder-voice" } });
    await clearLogs(sb);
    for (const cmd of [["validate"], ["plan"]]) {
      const res = await ws.run(cmd);
      expect(res.code).toBe(1);
      const out = res.stdout + res.stderr;
      expect(out).toMatch(/campaigns\/founders\.yaml:\d+:\d+: error REF_NOT_FOUND userStyleId: no ExtrovertStyle named "no-such-style" in account extrovert\/default; ExtrovertStyle objects in account extrovert\/default: "founder-voice"/);
      expect(out).toMatch(/campaigns\/founders\.yaml:\d+:\d+: error REF_NOT_FOUND userContextId: no ExtrovertContext named "founder-voice" .*is a ExtrovertStyle/);
      expect(out).not.toMatch(/\n\s+at /);
    }
    for (const p of ["extrovert", "puffle", "altur"] as const) expect(await sb.requests(p)).toEqual([]);
  });

  it("an audience on a style is a located error", async () => {
    await ws.write("founder-voice", "ExtrovertStyle", style);
    const file = join(ws.dir, "campaigns", "founder-voice.yaml");
    await writeFile(file, `${await readFile(file, "utf8")}audience:\n  files: [people.csv]\n`);
    const res = await ws.run(["validate"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/campaigns\/founder-voice\.yaml:\d+:1: error AUDIENCE_NOT_ALLOWED audience belongs to campaigns; a ExtrovertStyle has no roster/);
  });

  it("a teamMember lookup with no match is a located error; nothing is written", async () => {
    await ws.write("founders", "ExtrovertCampaign", { ...extrovertTarget, ownerId: { teamMember: "nobody@example.com" } });
    const res = await ws.run(["apply", "--auto-approve"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(
      /campaigns\/founders\.yaml:\d+:\d+: error LOOKUP_NO_MATCH ownerId: no team member matches "nobody@example.com" \(by email or name\) among the 1 team members of extrovert\/default that GET \/user\/team-members lists: Sandra Box <sandra.box@example.com>/,
    );
    expect(writes(await sb.requests("extrovert"))).toEqual([]);
  });

  it("removing a style that a campaign still uses is an error naming the campaign", async () => {
    await writeAll();
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const styleId = (await ws.state()).campaigns["extrovert/default/style/founder-voice"]?.id;
    await ws.remove("founder-voice");
    // The campaign now names the style by its id: the style file is gone, the campaign still uses it.
    await ws.write("founders", "ExtrovertCampaign", { ...targetCampaign, userStyleId: styleId });
    await ws.write("topic-campaign", "ExtrovertCampaign", { ...keywordCampaign, userStyleId: EXTROVERT_FIXTURE_IDS.style });
    const plan = await ws.run(["plan"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(1);
    expect(plan.stdout + plan.stderr).toContain(
      `extrovert/default/style/founder-voice: cannot remove extrovert/default/style/founder-voice (id ${styleId}, no longer in Git): still referenced by extrovert/default/founders (userStyleId)`,
    );
  });
});

describe("Puffle senders by name", () => {
  it("sender_account_ids: [{ sender }] resolves through GET /api/accounts and the create carries the id", async () => {
    await ws.write("webinar", "PuffleCampaign", { ...puffleEmail, sender_account_ids: [{ sender: "sam@outbound.example.com" }] });
    const plan = await ws.run(["plan"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('sender_account_ids.0: sender "sam@outbound.example.com" → Sam Sender <sam@outbound.example.com>');
    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const create = (await sb.requests("puffle")).find((r) => r.method === "POST" && r.path === "/api/campaigns");
    expect((create?.body as any).sender_account_ids).toEqual(["f0000000-0000-4000-8000-000000000003"]);
    const lists = (await sb.requests("puffle")).filter((r) => r.path === "/api/accounts");
    expect(lists.every((r) => r.method === "GET")).toBe(true);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("a sender named by two accounts is a located error listing both", async () => {
    // A sandbox whose data file holds a second email sender with the same display name.
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-refs-"));
    const dataFile = join(dir, "sandbox.json");
    // The fixture's first email sender, under another id and address but the same display name.
    const sandy = fixtureSenders().find((x) => x.id === FIXTURE_SENDER_IDS.email1)!;
    const twin = { ...sandy, id: "f0000000-0000-4000-8000-0000000000aa", email_address: "sandy.two@outbound.example.com", provider_account_id: "inbox_sandbox_00aa" };
    await writeFile(
      dataFile,
      JSON.stringify({
        format: "campaignctl-sandbox",
        version: 1,
        savedAt: new Date().toISOString(),
        providers: { puffle: { version: 1, seq: 0, senders: [twin], campaigns: [], nodes: {}, prospects: {} } },
      }),
    );
    const own = await startTestSandbox({ dataFile, rateLimits: false });
    const other = await TestWorkspace.create(own);
    try {
      await other.write("webinar", "PuffleCampaign", { ...puffleEmail, sender_account_ids: [{ sender: "Sandy Sender" }] });
      const res = await other.run(["plan"]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/campaigns\/webinar\.yaml:\d+:\d+: error LOOKUP_AMBIGUOUS sender_account_ids\.0: 2 sender accounts of puffle\/default \(type "email"\) match "Sandy Sender": /);
      expect(res.stderr).toContain("sandy@outbound.example.com");
      expect(res.stderr).toContain("sandy.two@outbound.example.com");
      expect((await own.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    } finally {
      await other.dispose();
      await own.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
