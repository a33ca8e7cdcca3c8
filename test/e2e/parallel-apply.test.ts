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
});
