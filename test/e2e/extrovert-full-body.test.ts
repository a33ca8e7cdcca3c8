/**
 * Extrovert's full-body update (src/providers/extrovert/README.md §4.1, §4.2) end to end against the sandbox:
 * an optional field removed from the file is switched off, required fields keep their last applied
 * value, and a KEYWORD campaign without connectingSettings/dmSettings validates, plans and applies.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { extrovertTarget } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const writes = <T extends { method: string }>(log: T[]) => log.filter((r) => r.method !== "GET");

/** A topic campaign with only what the schema requires for KEYWORD. */
const keyword = {
  ownerId: extrovertTarget.ownerId,
  type: "KEYWORD",
  name: "Topic - AI agents",
  userStyleId: extrovertTarget.userStyleId,
  userContextId: extrovertTarget.userContextId,
  postActivityFilter: { ...extrovertTarget.postActivityFilter, monitoredTopicIds: ["e0000000-0000-4000-8000-000000000004"] },
};

const CONNECTING_OFF = {
  isSendConnectionRequestEnabled: false,
  sendConnectionRequestOnDirectCommentCount: 1,
  isSendConnectionRequestOnIndirectCommentEnabled: false,
  sendConnectionRequestOnIndirectCommentCount: 1,
  isSendConnectionRequestOnTimeoutEnabled: false,
  sendConnectionRequestOnTimeoutDays: 1,
  isSendConnectionRequestOnNoPostsEnabled: false,
};
const DM_OFF = {
  isGenerateDmEnabled: false,
  isGenerateDmOnConnectEnabled: false,
  generateDmOnConnectAfterDaysCount: 1,
  isGenerateDmOnRelevantPostEnabled: false,
  generateDmOnRelevantPostAfterDaysCount: 1,
  isGenerateDmOnTimeoutEnabled: false,
  generateDmOnTimeoutAfterDaysCount: 1,
};

describe("Extrovert full-body semantics", () => {
  it("applyCommentIntervalH removed from the file is planned as switched off and left out of the PATCH; required fields keep their last applied value", async () => {
    await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
    const created = await ws.run(["apply", "--auto-approve"]);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const [stored] = await sb.campaigns("extrovert");
    expect(stored).toMatchObject({ applyCommentIntervalH: 48 });

    // Drop the interval and postMaxAgeDays (required by the API, legacy): the first is switched off,
    // the second keeps its last applied value.
    const { applyCommentIntervalH: _interval, postMaxAgeDays: _age, ...rest } = extrovertTarget;
    await ws.write("founders", "ExtrovertCampaign", rest);
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain("applyCommentIntervalH: 48 → (off)");
    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.campaigns[0].changes).toEqual([expect.objectContaining({ path: "applyCommentIntervalH", before: 48, after: null, switchedOff: true })]);

    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const [patch] = writes(await sb.requests("extrovert"));
    expect(patch).toMatchObject({ method: "PATCH", status: 200 });
    expect(patch?.body).not.toHaveProperty("applyCommentIntervalH");
    expect(patch?.body).toMatchObject({ postMaxAgeDays: 30, name: extrovertTarget.name, connectingSettings: extrovertTarget.connectingSettings });
    const [after] = await sb.campaigns("extrovert");
    expect(after).not.toHaveProperty("applyCommentIntervalH");

    const again = await ws.run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);

    // Back in the file: sent again.
    await ws.write("founders", "ExtrovertCampaign", { ...rest, applyCommentIntervalH: 72 });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await sb.campaigns("extrovert"))[0]).toMatchObject({ applyCommentIntervalH: 72 });
  });

  it("a KEYWORD spec without connectingSettings/dmSettings validates, plans a create, and is sent with every automation disabled", async () => {
    await ws.write("topic", "ExtrovertCampaign", keyword);
    const validate = await ws.run(["validate"]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const plan = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(plan.campaigns[0]).toMatchObject({ action: "create", blocked: [] });

    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const [post] = writes(await sb.requests("extrovert"));
    expect(post?.body).toEqual({
      ...keyword,
      postMaxAgeDays: 30,
      skipTeammatesLeads: false,
      isIndirectEngagementEnabled: false,
      connectingSettings: CONNECTING_OFF,
      dmSettings: DM_OFF,
    });
    expect(post?.body).not.toHaveProperty("applyCommentIntervalH");
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("a spec that validates is never blocked at plan time for a field the schema did not require", async () => {
    // Every Extrovert field the schema leaves optional, left out, for both kinds.
    const target = { ownerId: keyword.ownerId, type: "TARGET_USER", name: "Minimal", userStyleId: keyword.userStyleId, userContextId: keyword.userContextId, postActivityFilter: keyword.postActivityFilter, skipTeammatesLeads: true };
    await ws.write("minimal-target", "ExtrovertCampaign", target);
    await ws.write("minimal-topic", "ExtrovertCampaign", keyword);
    expect((await ws.run(["validate"])).code).toBe(0);
    const plan = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    for (const c of plan.campaigns) expect(c).toMatchObject({ action: "create", blocked: [] });
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(await sb.campaigns("extrovert")).toHaveLength(2);
  });
});
