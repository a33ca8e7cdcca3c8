import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/config/workspace.js";
import type { Workspace } from "../../src/core/types.js";
import { ApplyRefused, runApply, type ApplyRunEvents, type ApplyRunOptions } from "../../src/engine/apply-run.js";
import { runPlan } from "../../src/engine/plan-run.js";
import { closeSessions } from "../../src/engine/session.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone } from "./specs.js";
import { clearLogs, KEYS, TestWorkspace } from "./workspace.js";

/**
 * The apply workflow called as the engine API (src/engine/apply-run.ts), without the CLI: what it
 * decides is reported through typed events, results and errors, against the sandbox over HTTP.
 */
const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb, { safety: { maxChangePercent: 50, minManagedForThreshold: 1 } });
});
afterEach(async () => {
  await ws.dispose();
});

async function workspace(): Promise<Workspace> {
  const { workspace: loaded, diagnostics } = await loadWorkspace({ cwd: ws.dir, env: KEYS });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return loaded as Workspace;
}

function options(extra: Partial<ApplyRunOptions> = {}): ApplyRunOptions {
  return { autoApprove: false, allowReplace: false, force: false, lock: { waitMs: 0, retryHint: "" }, session: { env: KEYS }, ...extra };
}

/** Events by name, in the order they came (steps and outcomes with their address). */
function recorder(answer: boolean): { seen: string[]; events: ApplyRunEvents } {
  const seen: string[] = [];
  return {
    seen,
    events: {
      plan: (p) => void seen.push(`plan ${p.summary.create} create`),
      confirm: async () => {
        seen.push("confirm");
        return answer;
      },
      applyStart: (n) => seen.push(`applyStart ${n}`),
      outcome: (o) => seen.push(`outcome ${o.address} ${o.status}`),
      applyEnd: () => seen.push("applyEnd"),
    },
  };
}

const writes = async () => (await sb.requests("altur")).filter((r) => r.method !== "GET");

describe("runApply (the engine's apply workflow)", () => {
  it("asks through confirm after reporting the plan; no is cancelled with exit 1 and nothing sent, yes applies with exit 0", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    const no = recorder(false);
    const cancelled = await runApply(await workspace(), options(), no.events);
    expect(cancelled).toMatchObject({ stage: "cancelled", interrupted: false, stateWritten: true, exitCode: 1 });
    expect(no.seen).toEqual(["plan 1 create", "confirm"]);
    expect(await writes()).toEqual([]);

    const yes = recorder(true);
    const applied = await runApply(await workspace(), options(), yes.events);
    expect(applied).toMatchObject({ stage: "ran", interrupted: false, stateWritten: true, exitCode: 0 });
    expect(applied.outcomes?.map((o) => [o.address, o.status])).toEqual([["altur/default/q2", "applied"]]);
    expect(yes.seen).toEqual(["plan 1 create", "confirm", "applyStart 1", "outcome altur/default/q2 applied", "applyEnd"]);
    expect((await writes()).map((r) => r.method)).toContain("POST");
    expect((await ws.state()).campaigns["altur/default/q2"]?.id).toBe(applied.outcomes?.[0]?.id);
  });

  it("refuses a saved plan made before the state last changed, and a change set above the safety threshold, with typed codes and no write", async () => {
    await ws.write("q2", "AlturCampaign", alturPhone);
    await ws.write("q3", "AlturCampaign", { ...alturPhone, name: "Q3 Reactivation" });
    expect((await runApply(await workspace(), options({ autoApprove: true }))).exitCode).toBe(0);

    // A plan made now, then the state moves on (another apply records a change).
    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 2 });
    const made = await runPlan(await workspace(), { readOnly: true, session: { env: KEYS } });
    closeSessions(made.sessions);
    expect((await runApply(await workspace(), options({ autoApprove: true }))).exitCode).toBe(0);
    await clearLogs(sb);
    const older = await runApply(await workspace(), options({ saved: { file: "plan.json", plan: made.plan } })).catch((err: unknown) => err);
    expect(older).toBeInstanceOf(ApplyRefused);
    expect((older as ApplyRefused).code).toBe("plan-older-than-state");

    // Both campaigns change: 2 of 2 managed (100%) is above maxChangePercent 50.
    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 3 });
    await ws.write("q3", "AlturCampaign", { ...alturPhone, name: "Q3 Reactivation", retries: 3 });
    const above = await runApply(await workspace(), options({ autoApprove: true })).catch((err: unknown) => err);
    expect(above).toBeInstanceOf(ApplyRefused);
    expect((above as ApplyRefused).code).toBe("safety-threshold");
    expect(await writes()).toEqual([]);

    const forced = await runApply(await workspace(), options({ autoApprove: true, force: true }));
    expect(forced.exitCode).toBe(0);
    expect((await writes()).filter((r) => r.method === "PATCH")).toHaveLength(2);
  });
});
