import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: summaries count blocked, moved and updated objects exactly, the same in text, markdown and JSON.
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

describe("plan summaries", () => {
  it("a blocked-only change is not 'to update', a rename is one move, and text, markdown and JSON agree", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }] });
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    // A draft-only field on the active campaign (blocked), and a rename of q2's file.
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active", stop_on_reply: false });
    await ws.remove("q2");
    await ws.write("q2-renamed", "AlturCampaign", alturPhone);

    const json = JSON.parse((await ws.run(["plan", "--format", "json"])).stdout);
    expect(json.summary).toEqual({ create: 0, update: 0, transition: 0, replace: 0, noop: 0, orphan: 0, moved: 1, blocked: 1 });
    const text = await ws.run(["plan", "--detailed-exitcode"]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain("Plan: 0 to create, 0 to update, 0 to transition, 0 to replace, 1 to move, 0 unchanged; 1 with blocked changes.");
    expect(text.stdout).toContain("has blocked changes only: apply sends nothing for it");
    const md = (await ws.run(["plan", "--format", "markdown"])).stdout;
    expect(md).toContain("| create | update | transition | replace | retire | move | unchanged | blocked |");
    expect(md).toContain("| 0 | 0 | 0 | 0 | 0 | 1 | 0 | 1 |");
    await clearLogs(sb);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(3);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    expect((await sb.requests("altur")).filter((r) => r.method !== "GET")).toEqual([]);
  });
});
