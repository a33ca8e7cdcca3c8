import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb, {
    accounts: [
      { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: sb.urls.puffle },
      { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.altur, concurrency: 2 },
    ],
  });
});
afterEach(async () => {
  await sb.setFaults("altur", { latencyMs: 0 });
  await ws.dispose();
});

describe("parallel apply", () => {
  it("each account has its own worker pool: Puffle does not wait behind a slow Altur account", async () => {
    for (let i = 0; i < 10; i++) await ws.write(`a${i}`, "AlturCampaign", { ...alturPhone, name: `Altur ${i}`, status: "inactive" });
    await ws.write("p0", "PuffleCampaign", puffleEmail);
    await sb.setFaults("altur", { latencyMs: 300 });
    const res = await ws.run(["apply", "--auto-approve"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const alturCreates = (await sb.requests("altur")).filter((r) => r.method === "POST" && r.path.endsWith("/campaigns")).map((r) => r.at).sort();
    const puffleCreate = (await sb.requests("puffle")).find((r) => r.method === "POST" && r.path === "/api/campaigns")?.at;
    expect(alturCreates).toHaveLength(10);
    expect(puffleCreate).toBeDefined();
    // Altur's pool is its concurrency (2): its third create waits for a campaign to finish; Puffle's
    // create went out before that. One shared pool over the address-sorted list put Puffle last.
    expect(puffleCreate! < alturCreates[2]!, `puffle ${puffleCreate} vs altur ${alturCreates.join(", ")}`).toBe(true);
  });

  /** Six live Altur campaigns the files adopt by name: each needs a detail read (its immutable fields are not in state), one at a time, 300 ms each. */
  async function slowAlturRefresh(): Promise<void> {
    const { status: _status, ...body } = alturPhone;
    for (let i = 0; i < 6; i++) {
      const res = await sb.request("altur", "POST", "/campaigns", { ...body, name: `Live Altur ${i}` });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      await ws.write(`live${i}`, "AlturCampaign", { ...body, name: `Live Altur ${i}` });
    }
    await ws.write("p0", "PuffleCampaign", puffleEmail);
    await sb.setFaults("altur", { latencyMs: 300 });
    await sb.clearRequests("altur");
    await sb.clearRequests("puffle");
  }

  async function puffleCreateAndAlturReads(): Promise<{ puffleCreate: string; alturReads: string[] }> {
    const alturReads = (await sb.requests("altur")).filter((r) => r.method === "GET" && /\/campaigns\/[^/]+$/.test(r.path)).map((r) => r.at).sort();
    const puffleCreate = (await sb.requests("puffle")).find((r) => r.method === "POST" && r.path === "/api/campaigns")?.at;
    expect(alturReads).toHaveLength(6);
    expect(puffleCreate).toBeDefined();
    return { puffleCreate: puffleCreate!, alturReads };
  }

  it("an account's apply starts as soon as its own refresh is done: Puffle's create does not wait for Altur's reads", async () => {
    await slowAlturRefresh();
    const res = await ws.run(["apply", "--auto-approve"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const { puffleCreate, alturReads } = await puffleCreateAndAlturReads();
    expect(puffleCreate < alturReads[5]!, `puffle create ${puffleCreate} vs altur reads ${alturReads.join(", ")}`).toBe(true);
    // The whole plan is still printed, then every outcome.
    expect(res.stdout).toMatch(/puffle\/default\/p0[\s\S]*altur\/default\/live0|altur\/default\/live0[\s\S]*puffle\/default\/p0/);
    const state = await ws.state();
    expect(Object.keys(state.campaigns).sort()).toEqual([...[0, 1, 2, 3, 4, 5].map((i) => `altur/default/live${i}`), "puffle/default/p0"]);
  });

  it("a saved plan is applied only after every account is re-read (its staleness is checked on the whole plan)", async () => {
    await slowAlturRefresh();
    const planned = await ws.run(["plan", "--out", "plan.json"]);
    expect(planned.code, planned.stderr).toBe(0);
    await sb.clearRequests("altur");
    await sb.clearRequests("puffle");
    const res = await ws.run(["apply", "plan.json"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const { puffleCreate, alturReads } = await puffleCreateAndAlturReads();
    expect(puffleCreate > alturReads[5]!, `puffle create ${puffleCreate} vs altur reads ${alturReads.join(", ")}`).toBe(true);
  });

  it("no account starts early when the safety threshold could still refuse the whole plan", async () => {
    for (let i = 0; i < 10; i++) await ws.write(`p${i}`, "PuffleCampaign", { ...puffleEmail, name: `Email ${i}` });
    const first = await ws.run(["apply", "--auto-approve"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Every Puffle campaign changes (100 % of the 10 managed, above the default 30 %) while Altur's refresh is slow.
    for (let i = 0; i < 10; i++) await ws.write(`p${i}`, "PuffleCampaign", { ...puffleEmail, name: `Email ${i}`, daily_limit: 41 });
    await slowAlturRefresh();
    const res = await ws.run(["apply", "--auto-approve"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/safety\.maxChangePercent/);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
  });
});
