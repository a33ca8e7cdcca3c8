import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

/**
 * Issue 31: a roster upload answered `200 {}` (no summary, no counts) did not deliver anything we can
 * see. It fails the apply, state does not record the audience files, and the next plan plans the
 * upload again. The sandbox answers `200 {}` through a canned answer (PUT /__sandbox/answers).
 */
const sb = useSandbox({ rateLimits: false });

async function campaign(ws: TestWorkspace, name: string, kind: string, spec: Record<string, unknown>, file: string, csv: string): Promise<void> {
  await mkdir(join(ws.dir, "audiences"), { recursive: true });
  await writeFile(join(ws.dir, "audiences", file), csv);
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, audience: { files: [`../audiences/${file}`] } }));
}

const CASES = [
  {
    provider: "altur" as const,
    address: "altur/default/calls",
    write: (ws: TestWorkspace) => campaign(ws, "calls", "AlturCampaign", alturPhone, "calls.csv", "contact,name\n+12025550100,Ada\n+12025550101,Grace\n"),
    uploadPath: "/api/v1.0/campaigns/*/contacts",
    noun: "contacts",
    error: /altur: add 2 contacts to campaign \d+: unexpected answer \(no "summary" key; HTTP 200/,
  },
  {
    provider: "puffle" as const,
    address: "puffle/default/nurture",
    write: (ws: TestWorkspace) => campaign(ws, "nurture", "PuffleCampaign", puffleEmail, "nurture.csv", "email,first_name\nada@example.com,Ada\ngrace@example.com,Grace\n"),
    uploadPath: "/api/campaigns/*/leads",
    noun: "prospects",
    error: /puffle: upload 2 prospects to campaign [0-9a-f-]+: unexpected answer \(no "imported" key; HTTP 200/,
  },
];

describe("a roster upload answered 200 {} is a failure, not a delivery", () => {
  it.each(CASES)("$provider: apply exits 1 naming the campaign and file; state keeps no files; the next plan re-plans the upload", async (c) => {
    const ws = await TestWorkspace.create(sb);
    try {
      await c.write(ws);
      await sb.setAnswers(c.provider, [{ method: "POST", path: c.uploadPath, status: 200, body: {} }]);
      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      const out = apply.stdout + apply.stderr;
      expect(apply.code, out).toBe(1);
      expect(out).toMatch(c.error);
      expect(out).toContain(c.address);
      expect(out).toMatch(/audiences\/(calls|nurture)\.csv/);
      expect(out).not.toMatch(/uploaded \d+ /);
      expect(out).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
      // The upload was sent once (a 2xx is never repeated), and answered 200 {}.
      const uploads = (await sb.requests(c.provider)).filter((e) => e.method === "POST" && /\/(contacts|leads)$/.test(e.path));
      expect(uploads.map((e) => [e.status, e.body === undefined])).toEqual([[200, false]]);

      // The campaign is recorded (it exists), its audience files are not.
      const state = (await ws.state()) as { campaigns: Record<string, { id: string; audience?: { files: Record<string, string> } }> };
      expect(state.campaigns[c.address]?.id).toBeDefined();
      expect(Object.keys(state.campaigns[c.address]?.audience?.files ?? {})).toEqual([]);

      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain(`+ 2 ${c.noun}`);

      // With an honest answer the next apply uploads and converges.
      await sb.setAnswers(c.provider, []);
      const again = await ws.run(["apply", "--auto-approve"]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`uploaded 2 ${c.noun}`));
      const clean = await ws.run(["plan", "--detailed-exitcode"]);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    } finally {
      await ws.dispose();
    }
  }, 30_000);
});
