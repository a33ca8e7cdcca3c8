/**
 * Issue 30, "Altur writes verified with the least reads": several Altur accounts (each its own sandbox on
 * 127.0.0.1, its own key), a list-only field (`retries`) edited on every campaign. The sandbox request logs
 * must show each account's documented minimum: plan one list walk (⌈n/100⌉ pages); apply one refresh walk,
 * one PATCH per campaign and one verification walk for the whole batch — never a detail GET, never a walk
 * per campaign. Limits are lifted: the counts do not depend on pacing.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInProcess } from "./support/cli-inprocess.js";
import { startTestSandbox, type TestSandbox } from "./support/sandbox.js";

/** Campaigns per account: two of one page, one of two pages (the walk's page size is 100). */
const SIZES = [20, 20, 120];
const env = { ALTUR_API_KEY: "sandbox" };

function spec(i: number): Record<string, unknown> {
  return {
    name: `Accounts test ${String(i).padStart(3, "0")}`,
    agent_id: "agent_demo_01",
    integration_id: "integ_phone_01",
    integration_type: "phone_call",
    status: i % 3 === 0 ? "inactive" : "active",
    timezone: "America/Mexico_City",
    retries: 2,
  };
}

describe("many Altur accounts: requests per account at the documented minimum", () => {
  const sandboxes: TestSandbox[] = [];
  let dir = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "campaignctl-accounts-"));
    await mkdir(join(dir, "campaigns"));
    const campaigns: Record<string, unknown> = {};
    for (const [a, size] of SIZES.entries()) {
      const sb = await startTestSandbox({ rateLimits: false });
      sandboxes.push(sb);
      const account = `acct-${a}`;
      for (let i = 0; i < size; i++) {
        const { status, ...create } = spec(i);
        const res = sb.simulators.altur.handle({ method: "POST", path: "/campaigns", query: new URLSearchParams(), headers: { "content-type": "application/json" }, body: create });
        const id = String((res.body as { campaign: { id: number } }).campaign.id);
        expect(sb.simulators.altur.forceStatus(id, status as string)).toBe(true);
        const name = `${account}-c${i}`;
        campaigns[`altur/${account}/${name}`] = { provider: "altur", account, kind: "AlturCampaign", id, appliedAt: "2026-12-01T00:00:00.000Z", applied: spec(i), observed: { status } };
        // The edit: retries 2 → 3, a field only the list item carries (src/providers/altur/README.md §3).
        await writeFile(join(dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name, account }, spec: { ...spec(i), retries: 3 } }));
      }
    }
    await writeFile(
      join(dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: sandboxes.map((sb, a) => ({ provider: "altur", name: `acct-${a}`, apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.altur, requestsPerSecond: 500 })) }),
    );
    await writeFile(join(dir, "campaignctl.state.json"), `${JSON.stringify({ version: 1, campaigns }, null, 2)}\n`);
  });

  afterAll(async () => {
    for (const sb of sandboxes) await sb.stop();
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const counts = async () => {
    const out = [];
    for (const sb of sandboxes) {
      const log = await sb.requests("altur");
      out.push({
        list: log.filter((e) => e.method === "GET" && e.path === "/api/v1.0/campaigns").length,
        detail: log.filter((e) => e.method === "GET" && /^\/api\/v1\.0\/campaigns\/\d+$/.test(e.path)).length,
        patch: log.filter((e) => e.method === "PATCH").length,
        other: log.filter((e) => !(e.method === "GET" && /^\/api\/v1\.0\/campaigns(\/\d+)?$/.test(e.path)) && e.method !== "PATCH").length,
      });
      await sb.clearRequests("altur");
    }
    return out;
  };
  const pages = (n: number) => Math.ceil(n / 100);

  it("plan: one list walk per account (⌈n/100⌉ pages), nothing else", async () => {
    const r = await runInProcess(["plan"], { cwd: dir, env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Plan: 0 to create, ${SIZES.reduce((s, n) => s + n, 0)} to update`);
    expect(await counts()).toEqual(SIZES.map((n) => ({ list: pages(n), detail: 0, patch: 0, other: 0 })));
  });

  it("apply: per account one refresh walk, one PATCH per campaign, one verification walk for the batch; every write verified", async () => {
    // --force: every campaign changes, above the default safety.maxChangePercent.
    const r = await runInProcess(["apply", "--auto-approve", "--force", "--format", "json"], { cwd: dir, env });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { campaigns?: { address: string; status: string; verified: string[]; warnings: string[] }[] };
    const outcomes = result.campaigns ?? [];
    expect(outcomes).toHaveLength(SIZES.reduce((s, n) => s + n, 0));
    for (const o of outcomes) expect(o, o.address).toMatchObject({ status: "applied", verified: ["retries"], warnings: [] });
    expect(await counts()).toEqual(SIZES.map((n) => ({ list: 2 * pages(n), detail: 0, patch: n, other: 0 })));
    for (const sb of sandboxes) for (const c of await sb.campaigns("altur")) expect(c.retries).toBe(3);
    const state = JSON.parse(await readFile(join(dir, "campaignctl.state.json"), "utf8")) as { campaigns: Record<string, { applied: { retries: number } }> };
    expect(Object.values(state.campaigns).every((e) => e.applied.retries === 3)).toBe(true);
  });

  it("the next plan has no changes and reads one list walk per account", async () => {
    const r = await runInProcess(["plan"], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes");
    expect(await counts()).toEqual(SIZES.map((n) => ({ list: pages(n), detail: 0, patch: 0, other: 0 })));
  });

  it("one request in flight per account (concurrency 1): a campaign waiting for verification frees its place, still one walk per batch", async () => {
    await writeFile(
      join(dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: sandboxes.map((sb, a) => ({ provider: "altur", name: `acct-${a}`, apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.altur, requestsPerSecond: 500, concurrency: 1 })) }),
    );
    for (const [a, size] of SIZES.entries()) {
      for (let i = 0; i < size; i++) {
        const name = `acct-${a}-c${i}`;
        await writeFile(join(dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name, account: `acct-${a}` }, spec: { ...spec(i), retries: 4 } }));
      }
    }
    const r = await runInProcess(["apply", "--auto-approve", "--force"], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Apply finished: ${SIZES.reduce((s, n) => s + n, 0)} applied, 0 failed`);
    expect(await counts()).toEqual(SIZES.map((n) => ({ list: 2 * pages(n), detail: 0, patch: n, other: 0 })));
    for (const sb of sandboxes) for (const c of await sb.campaigns("altur")) expect(c.retries).toBe(4);
  });
});
