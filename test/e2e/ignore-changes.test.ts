import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: metadata.ignoreChanges (Terraform's ignore_changes).
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

async function writeWithIgnore(name: string, kind: string, spec: Record<string, unknown>, ignoreChanges: string[]): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name, ignoreChanges }, spec }));
}

describe("metadata.ignoreChanges", () => {
  it("a dashboard edit of an ignored field is neither planned nor drift (exit 0); other fields still are", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    expect((await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 4, cycles: { max_iterations: 5 } })).status).toBe(200);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(2);
    expect((await ws.run(["drift"])).code).toBe(2);

    await writeWithIgnore("q2", "AlturCampaign", alturPhone, ["retries", "cycles.max_iterations"]);
    await clearLogs(sb);
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout).toBe(0);
    const drift = await ws.run(["drift", "--format", "json"]);
    expect(drift.code, drift.stdout).toBe(0);
    expect(JSON.parse(drift.stdout).campaigns[0].fields).toEqual([]);
    const applied = await ws.run(["apply", "--auto-approve"]);
    expect(applied.code).toBe(0);
    expect((await sb.requests("altur")).filter((r) => r.method !== "GET")).toEqual([]);
    expect((await sb.campaigns("altur"))[0]).toMatchObject({ retries: 4 });

    // A field not ignored is still managed.
    await writeWithIgnore("q2", "AlturCampaign", { ...alturPhone, timezone: "Europe/Paris" }, ["retries", "cycles.max_iterations"]);
    const changed = await ws.run(["plan", "--detailed-exitcode", "--format", "json"]);
    expect(changed.code).toBe(2);
    expect(JSON.parse(changed.stdout).campaigns[0].changes.map((c: { path: string }) => c.path)).toEqual(["timezone"]);
  });

  it("accepts a blocked difference: a draft-only Puffle field on an active campaign stops failing CI", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com", first_name: "Ada" }] });
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const typo = { ...puffleEmail, status: "active", stop_on_reply: false };
    await ws.write("nurture", "PuffleCampaign", typo);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(3);
    await writeWithIgnore("nurture", "PuffleCampaign", typo, ["stop_on_reply"]);
    const plan = await ws.run(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout).toBe(0);
    expect((await ws.run(["drift"])).code).toBe(0);
  });

  it("a create still sends the ignored fields as written", async () => {
    await writeWithIgnore("q2", "AlturCampaign", alturPhone, ["retries"]);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    expect((await sb.campaigns("altur"))[0]).toMatchObject({ retries: 1 });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
  });

  it("a path that is not a dotted spec path is a located error", async () => {
    await writeWithIgnore("q2", "AlturCampaign", alturPhone, ["spec/retries"]);
    const res = await ws.run(["validate"]);
    expect(res.code).toBe(1);
    expect(res.stdout + res.stderr).toMatch(/q2\.yaml:\d+:\d+: error .*dotted spec path/);
  });
});
