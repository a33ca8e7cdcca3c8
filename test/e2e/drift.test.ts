import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { driftOf, driftReport, type ResourceDrift } from "../../src/core/drift.js";
import { capabilities as altur } from "../../src/providers/altur/capabilities.js";
import { useSandbox } from "../support/sandbox.js";
import { renderDriftMarkdown } from "../../src/cli/render/drift.js";
import { alturPhone, extrovertTarget, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
  await ws.write("q2", "AlturCampaign", alturPhone);
  await ws.write("nurture", "PuffleCampaign", puffleEmail);
  await ws.write("founders", "ExtrovertCampaign", extrovertTarget);
  const applied = await ws.run(["apply", "--auto-approve"]);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
});
afterEach(async () => {
  await ws.dispose();
});

async function drift(): Promise<{ code: number; report: { campaigns: ResourceDrift[]; summary: Record<string, number> } }> {
  const res = await ws.run(["drift", "--format", "json"]);
  return { code: res.code, report: JSON.parse(res.stdout) };
}

const fieldsOf = (r: { campaigns: ResourceDrift[] }, address: string) => r.campaigns.find((c) => c.address === address)?.fields ?? [];

describe("drift", () => {
  it("is empty right after apply (exit 0) and sends only GETs", async () => {
    await clearLogs(sb);
    const res = await ws.run(["drift"]);
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toMatch(/No drift: 3 checked, 3 in sync/);
    expect(res.stdout).toMatch(/Extrovert \(extrovert\/default\) has no read API/);
    for (const p of ["altur", "puffle", "extrovert"] as const) expect((await sb.requests(p)).every((r) => r.method === "GET")).toBe(true);
  });

  it("an edit through the provider's API is out-of-band", async () => {
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 4 });
    const { code, report } = await drift();
    expect(code).toBe(2);
    expect(fieldsOf(report, "altur/default/q2")).toEqual([{ path: "retries", git: 1, applied: 1, live: 4, class: "out-of-band" }]);
  });

  it("an edited file is pending, and both together are a conflict", async () => {
    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 2 });
    expect(fieldsOf((await drift()).report, "altur/default/q2")).toEqual([{ path: "retries", git: 2, applied: 1, live: 1, class: "pending" }]);
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 4 });
    expect(fieldsOf((await drift()).report, "altur/default/q2")).toEqual([{ path: "retries", git: 2, applied: 1, live: 4, class: "conflict" }]);
  });

  it("text and markdown show each comparison as a whole nested diff, never a cut value", async () => {
    await ws.write("q2", "AlturCampaign", { ...alturPhone, retries: 2 });
    const id = (await ws.state()).campaigns["altur/default/q2"]?.id as string;
    const long = `Hola, te llamo de parte de Acme. ${"Tenemos una oferta para renovar tu contrato este mes. ".repeat(3)}`;
    await sb.request("altur", "PATCH", `/campaigns/${id}`, { retries: 4, first_message: long });
    const text = await ws.run(["drift"]);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(
      ["    conflict retries", "        # last applied → Git", "        ~ retries: 1 → 2", "        # last applied → live", "        ~ retries: 1 → 4"].join("\n"),
    );
    expect(text.stdout).toContain(`            + ${JSON.stringify(long)}`);
    const md = await ws.run(["drift", "--format", "markdown"]);
    expect(md.stdout).toContain(["```diff", "# out-of-band: first_message", "#   last applied → live", "~ first_message:"].join("\n"));
    expect(md.stdout).toContain(["# conflict: retries", "#   last applied → Git", "~ retries: 1 → 2", "#   last applied → live", "~ retries: 1 → 4"].join("\n"));
    expect(md.stdout).toContain(`+     ${JSON.stringify(long)}`);
    expect(md.stdout).not.toContain("…");
  });

  it("a difference that cannot be applied in the current status is blocked", async () => {
    const id = (await ws.state()).campaigns["puffle/default/nurture"]?.id as string;
    await sb.forceStatus("puffle", id, "active");
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: undefined, stop_on_reply: false });
    const fields = fieldsOf((await drift()).report, "puffle/default/nurture");
    expect(fields).toEqual([expect.objectContaining({ path: "stop_on_reply", class: "blocked", reason: expect.stringMatching(/^pending; Puffle silently ignores/) })]);
  });

  it("Extrovert drift can only be pending, and the report says live cannot be read", async () => {
    await ws.write("founders", "ExtrovertCampaign", { ...extrovertTarget, name: "Renamed" });
    const { report } = await drift();
    const c = report.campaigns.find((x) => x.address === "extrovert/default/founders");
    expect(c?.fields).toEqual([{ path: "name", git: "Renamed", applied: extrovertTarget.name, live: extrovertTarget.name, class: "pending" }]);
    expect(c?.notes.join()).toMatch(/no read API/);
    const md = await ws.run(["drift", "--format", "markdown"]);
    expect(md.code).toBe(2);
    expect(md.stdout).toMatch(/^### campaignctl drift report/);
    expect(md.stdout).toMatch(/no read API/);
  });
});

describe("drift markdown", () => {
  it("stays under 60,000 characters for 2,000 drifted campaigns and says it was cut", () => {
    const live = { id: "1", status: "active", spec: { ...alturPhone, retries: 5, description: "x".repeat(80) } as never };
    const campaigns = Array.from({ length: 2000 }, (_, i) =>
      driftOf({ address: `altur/default/campaign-${i}`, provider: "altur", caps: altur, git: { ...alturPhone, description: "y".repeat(80) } as never, applied: alturPhone as never, live }),
    );
    const report = driftReport(campaigns, []);
    expect(report.summary.drifted).toBe(2000);
    const md = renderDriftMarkdown(report);
    expect(md.length).toBeLessThan(60_000);
    expect(md).toMatch(/\| 2000 \| 0 \| 2000 \|/);
    expect(md).toMatch(/more drifted campaign\(s\) not shown/);
  });
});
