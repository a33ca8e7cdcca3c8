import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

// docs/design.md §16: `drift --write` turns a dashboard edit into a file edit, comments and layout kept.
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const FILE = `# Reactivation calls, owned by RevOps
apiVersion: campaignctl/v1
kind: AlturCampaign
metadata:
  name: q2
spec:
  name: "Q2 Reactivation"   # shown in Altur
  agent_id: agent_demo_01
  integration_id: integ_phone_01
  integration_type: phone_call
  retries: 1                # keep low: people complain
  timezone: Europe/Madrid
  scheduling:
    mon: { startTime: "09:00", stopTime: "17:00", active: true }
  status: active
`;

describe("drift --write", () => {
  it("writes the live value of an out-of-band edit into the file, keeping comments; the next plan and drift are empty", async () => {
    const file = join(ws.dir, "campaigns", "q2.yaml");
    await writeFile(file, FILE);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    expect((await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 3, timezone: "Europe/Paris" })).status).toBe(200);
    await clearLogs(sb);
    const res = await ws.run(["drift", "--write"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stderr).toContain("wrote altur/default/q2 spec.retries (live value) to campaigns/q2.yaml");
    expect((await sb.requests("altur")).every((r) => r.method === "GET")).toBe(true);
    const after = await readFile(file, "utf8");
    // Exactly the two values changed, everything else (comments, flow maps, quoting) as it was.
    expect(after).toBe(FILE.replace("retries: 1 ", "retries: 3 ").replace("timezone: Europe/Madrid", "timezone: Europe/Paris"));
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect((await ws.run(["drift"])).code).toBe(0);
  });

  it("leaves a conflict (Git and live both changed) to a person: exit 2, the file untouched", async () => {
    const file = join(ws.dir, "campaigns", "q2.yaml");
    await writeFile(file, FILE);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 3 });
    const edited = FILE.replace("retries: 1 ", "retries: 2 ");
    await writeFile(file, edited);
    const res = await ws.run(["drift", "--write"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("left altur/default/q2 retries: conflict drift needs a person");
    expect(await readFile(file, "utf8")).toBe(edited);
  });
});
