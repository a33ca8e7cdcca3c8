import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: provider-name collisions are plan errors, not apply failures.
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

describe("provider-name collisions", () => {
  it("two files with one Puffle name fail at plan with a located error; apply sends nothing", async () => {
    await ws.write("variant-a", "PuffleCampaign", puffleEmail);
    await ws.write("variant-b", "PuffleCampaign", puffleEmail);
    await clearLogs(sb);
    const plan = await ws.run(["plan"]);
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toMatch(/campaigns\/variant-b\.yaml:\d+:\d+: error DUPLICATE_NAME spec\.name "Email nurture" is already used by puffle\/default\/variant-a \(campaigns\/variant-a\.yaml:\d+:\d+\)/);
    const apply = await ws.run(["apply", "--auto-approve"]);
    expect(apply.code).toBe(1);
    expect(await sb.requests("puffle")).toEqual([]);
    expect(await sb.campaigns("puffle")).toHaveLength(0);
  });

  it("the same name on another provider, or another Puffle name, is fine", async () => {
    await ws.write("a", "PuffleCampaign", puffleEmail);
    await ws.write("b", "PuffleCampaign", { ...puffleEmail, name: "Email nurture B" });
    await ws.write("c", "AlturCampaign", { ...alturPhone, name: puffleEmail.name });
    expect((await ws.run(["validate"])).code).toBe(0);
  });

  it("a create whose name a live campaign of another address holds is a plan error naming it; nothing is sent", async () => {
    await ws.write("original", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/original"]?.id as string;
    // One pull request renames the original and adds a new file under the old name: live still holds it.
    await ws.write("original", "PuffleCampaign", { ...puffleEmail, name: "Email nurture (2025)" });
    await ws.write("fresh", "PuffleCampaign", { ...puffleEmail, daily_limit: 7 });
    expect((await ws.run(["validate"])).code).toBe(0);
    await clearLogs(sb);
    const plan = await ws.run(["plan"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(1);
    expect(plan.stdout + plan.stderr).toContain(`campaigns/fresh.yaml:`);
    expect(plan.stdout + plan.stderr).toMatch(new RegExp(`fresh\\.yaml:\\d+:\\d+: spec\\.name "Email nurture" is taken by live Puffle campaign ${id} \\(puffle/default/original\\)`));
    const apply = await ws.run(["apply", "--auto-approve", "--target", "puffle/default/fresh"]);
    expect(apply.code).toBe(1);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    expect(await sb.campaigns("puffle")).toHaveLength(1);
  });
});
