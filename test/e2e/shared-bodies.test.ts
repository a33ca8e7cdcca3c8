import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/config/workspace.js";
import { runPlan } from "../../src/engine/plan-run.js";
import { closeSessions } from "../../src/engine/session.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone } from "./specs.js";
import { KEYS, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

/**
 * Issue 30 (memory at 100,000 campaigns): a campaign applied exactly as it is declared keeps one body,
 * the declared spec, in its state entry during the run; what the plan says and what the state file holds
 * are unchanged.
 */
describe("a state entry applied exactly as declared holds the declared spec itself during a run", () => {
  it("shared for an unchanged campaign, not for an edited one; the plan and the state file are unaffected", async () => {
    await ws.write("same", "AlturCampaign", alturPhone);
    await ws.write("edited", "AlturCampaign", { ...alturPhone, name: "Edited later" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    await ws.write("edited", "AlturCampaign", { ...alturPhone, name: "Edited later", retries: 3 });
    const before = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");

    const loaded = await loadWorkspace({ cwd: ws.dir, env: KEYS });
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const run = await runPlan(loaded.workspace!, { readOnly: true, session: { env: KEYS } });
    closeSessions(run.sessions);
    const byName = (name: string) => run.refreshed.find((r) => r.address === `altur/default/${name}`)!;
    expect(byName("same").state!.applied).toBe(byName("same").decl!.spec);
    expect(byName("edited").state!.applied).not.toBe(byName("edited").decl!.spec);
    expect(byName("edited").state!.applied.retries).toBe(1);
    expect(run.plan.campaigns.map((c) => [c.address, c.action])).toEqual([
      ["altur/default/edited", "update"],
      ["altur/default/same", "noop"],
    ]);
    expect(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8")).toBe(before);

    // An apply writes the unchanged campaign's entry as it was, keys sorted as the state file keeps them.
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const entry = (text: string) => JSON.stringify((JSON.parse(text) as { campaigns: Record<string, unknown> }).campaigns["altur/default/same"]);
    expect(entry(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8"))).toBe(entry(before));
    expect(Object.keys((await ws.state()).campaigns["altur/default/same"]!.applied)).toEqual(Object.keys(alturPhone).sort());
  });
});
