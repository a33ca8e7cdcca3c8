import { describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

/**
 * Issue 31: a create answer that reuses the id state already gives to another address is refused and
 * not recorded. The sandbox answers the second create with the first campaign's id (PUT /__sandbox/answers).
 */
const sb = useSandbox({ rateLimits: false });

describe("a create answer reusing a bound id", () => {
  it("is refused naming both addresses and the id; state keeps the first binding only", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("first", "PuffleCampaign", { ...puffleEmail, name: "First" });
      const one = await ws.run(["apply", "--auto-approve"]);
      expect(one.code, one.stdout + one.stderr).toBe(0);
      const firstId = (await ws.state()).campaigns["puffle/default/first"]!.id;

      await ws.write("second", "PuffleCampaign", { ...puffleEmail, name: "Second" });
      await sb.setAnswers("puffle", [{ method: "POST", path: "/api/campaigns", status: 201, body: { campaign: { id: firstId, name: "Second", sequence_nodes: [] } } }]);
      await clearLogs(sb);
      const two = await ws.run(["apply", "--auto-approve"]);
      const out = two.stdout + two.stderr;
      expect(two.code, out).toBe(1);
      expect(out).toContain(`Puffle answered the create of puffle/default/second with id ${firstId}, which state already gives to puffle/default/first; not recorded`);
      expect(out).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
      // Nothing was written on the strength of the reused id: the one create, no update of the first campaign.
      const writes = (await sb.requests("puffle")).filter((e) => e.method !== "GET");
      expect(writes.map((e) => `${e.method} ${e.path}`)).toEqual(["POST /api/campaigns"]);
      const state = await ws.state();
      expect(state.campaigns["puffle/default/first"]?.id).toBe(firstId);
      expect(state.campaigns["puffle/default/second"]).toBeUndefined();
      expect(Object.values(state.campaigns).filter((e) => e.id === firstId)).toHaveLength(1);
    } finally {
      await ws.dispose();
    }
  }, 30_000);
});
