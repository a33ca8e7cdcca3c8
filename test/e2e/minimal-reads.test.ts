import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox();
let ws: TestWorkspace;
beforeEach(async () => {
  ws = await TestWorkspace.create(sb);
});
afterEach(async () => {
  await ws.dispose();
});

const ADDRESS = "puffle/default/nurture";

async function puffleGets(): Promise<string[]> {
  return (await sb.requests("puffle")).filter((r) => r.method === "GET").map((r) => r.path);
}

describe("minimal reads: detail GETs that cannot change the plan are skipped", () => {
  it("a Puffle campaign seen active at the last apply and listed active or paused is planned without its detail GET", async () => {
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "draft" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns[ADDRESS]?.id as string;
    expect(((await ws.state()).campaigns[ADDRESS] as { observed?: unknown } | undefined)?.observed).toEqual({ status: "draft" });

    // Seen in draft: the sequence may have been edited in the UI since, so the detail is read.
    await clearLogs(sb);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${id}`]);

    // Launch through apply: the entry now records active.
    expect((await sb.request("puffle", "POST", `/api/campaigns/${id}/leads`, { prospects: [{ email: "ada@example.com" }] })).status).toBeLessThan(300);
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    const launched = await ws.run(["apply", "--auto-approve"]);
    expect(launched.code, launched.stdout + launched.stderr).toBe(0);
    expect(((await ws.state()).campaigns[ADDRESS] as { observed?: unknown } | undefined)?.observed).toEqual({ status: "active" });

    await clearLogs(sb);
    const quiet = await ws.run(["plan", "--detailed-exitcode"]);
    expect(quiet.code, quiet.stdout).toBe(0);
    // No detail read; the one other read is the guardrails' sender limits (the campaign runs: README.md, Guardrails).
    expect(await puffleGets()).toEqual(["/api/campaigns", "/api/campaigns/settings"]);

    // Paused in the UI: still no detail read; the plan resumes it.
    expect((await sb.request("puffle", "POST", `/api/campaigns/${id}/pause`)).status).toBe(200);
    await clearLogs(sb);
    const resume = await ws.run(["plan", "--detailed-exitcode"]);
    expect(resume.code).toBe(2);
    expect(resume.stdout).toMatch(/resume/);
    expect(await puffleGets()).toEqual(["/api/campaigns", "/api/campaigns/settings"]);

    // A different sequence in Git: the live one must be read to show what is blocked.
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "paused", sequence_nodes: [{ type: "email", subject: "New", body: "Hi" }, { type: "end" }] });
    await clearLogs(sb);
    const blocked = await ws.run(["plan", "--detailed-exitcode"]);
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toMatch(/sequence_nodes/);
    expect(blocked.stdout).toContain("Quick question");
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${id}`]);
  });

  it("entries without an observed status (older state files) keep every detail read", async () => {
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "draft" });
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const file = join(ws.dir, "campaignctl.state.json");
    const state = JSON.parse(await readFile(file, "utf8")) as { campaigns: Record<string, { id: string; observed?: unknown }> };
    const entry = state.campaigns[ADDRESS]!;
    await sb.forceStatus("puffle", entry.id, "active");
    delete entry.observed;
    await writeFile(file, JSON.stringify(state));
    await clearLogs(sb);
    await ws.write("nurture", "PuffleCampaign", { ...puffleEmail, status: "active" });
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${entry.id}`, "/api/campaigns/settings"]);
  });

  it("a campaign launched outside campaignctl costs one detail read, once: the no-op apply records the status it saw (issue 30)", async () => {
    const { status: _status, ...unmanagedStatus } = puffleEmail;
    await ws.write("nurture", "PuffleCampaign", unmanagedStatus);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns[ADDRESS]?.id as string;
    await sb.forceStatus("puffle", id, "active");

    // The refresh reads the detail (seen in draft, listed active) and finds nothing to do.
    await clearLogs(sb);
    const noop = await ws.run(["apply", "--auto-approve"]);
    expect(noop.code, noop.stdout + noop.stderr).toBe(0);
    // The settings read is the sender-capacity guardrail's (an active email campaign: docs/design.md §14), once per plan.
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${id}`, "/api/campaigns/settings"]);
    expect((await sb.requests("puffle")).filter((r) => r.method !== "GET")).toEqual([]);
    const entry = (await ws.state()).campaigns[ADDRESS] as { observed?: unknown; applied: Record<string, unknown> };
    expect(entry.observed).toEqual({ status: "active" });
    expect(entry.applied.sequence_nodes).toEqual(puffleEmail.sequence_nodes);

    // From now on no detail read: the list alone (plus the guardrail's one settings read where a plan is made).
    for (const [args, gets] of [
      [["plan", "--detailed-exitcode"], ["/api/campaigns", "/api/campaigns/settings"]],
      [["drift"], ["/api/campaigns"]],
      [["apply", "--auto-approve"], ["/api/campaigns", "/api/campaigns/settings"]],
    ] as const) {
      await clearLogs(sb);
      const res = await ws.run([...args]);
      expect(res.code, `${args.join(" ")}: ${res.stdout}${res.stderr}`).toBe(0);
      expect(await puffleGets()).toEqual(gets);
    }
  });

  it("a no-op apply records no status when state holds a frozen field the file no longer manages", async () => {
    await ws.write("nurture", "PuffleCampaign", puffleEmail);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await ws.state()).campaigns[ADDRESS]?.id as string;
    await sb.forceStatus("puffle", id, "active");
    const { sequence_nodes: _nodes, status: _status, ...rest } = puffleEmail;
    await ws.write("nurture", "PuffleCampaign", rest);
    expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    // Nothing vouches for the live sequence: the entry keeps what it had.
    expect(((await ws.state()).campaigns[ADDRESS] as { observed?: unknown }).observed).toEqual({ status: "draft" });
  });

  it("import and state adopt record the status they read: the first plan after them sends the list alone for launched campaigns", async () => {
    const created = await sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Launched", sender_account_ids: ["f0000000-0000-4000-8000-000000000002"] });
    const launched = (created.body as { campaign: { id: string } }).campaign.id;
    expect((await sb.request("puffle", "PATCH", `/api/campaigns/${launched}`, { sequence_nodes: puffleEmail.sequence_nodes })).status).toBe(200);
    await sb.forceStatus("puffle", launched, "active");
    const draft = ((await sb.request("puffle", "POST", "/api/campaigns", { type: "email", name: "Still draft", sender_account_ids: ["f0000000-0000-4000-8000-000000000002"] })).body as { campaign: { id: string } }).campaign.id;

    const imported = await ws.run(["import", "--provider", "puffle", "--all"]);
    expect(imported.code, imported.stderr).toBe(0);
    const observed = Object.values((await ws.state()).campaigns).map((e) => [e.id, (e as { observed?: { status?: string } }).observed?.status]);
    expect(observed.sort()).toEqual([[draft, "draft"], [launched, "active"]].sort());
    await clearLogs(sb);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    // The draft's sequence can change in the UI: read; the launched one cannot: not read (settings: the guardrail's).
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${draft}`, "/api/campaigns/settings"]);

    // state adopt: forget the launched campaign and adopt it again by id.
    const address = Object.entries((await ws.state()).campaigns).find(([, e]) => e.id === launched)![0];
    expect((await ws.run(["state", "forget", address])).code).toBe(0);
    const adopted = await ws.run(["state", "adopt", address, "--id", launched]);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(((await ws.state()).campaigns[address] as { observed?: unknown }).observed).toEqual({ status: "active" });
    await clearLogs(sb);
    expect((await ws.run(["plan", "--detailed-exitcode"])).code).toBe(0);
    expect(await puffleGets()).toEqual(["/api/campaigns", `/api/campaigns/${draft}`, "/api/campaigns/settings"]);
  });
});
