/**
 * Row edits at scale (issue 22's closing figures): a roster of ROWS rows with 1% of them edited — request
 * counts (exact, asserted) and timings (reported only, never asserted). Default 2,000 rows keeps the suite
 * fast; the lead's figures come from `ROSTER_BENCH_ROWS=100000 npx vitest run test/e2e/audience-edits-scale.test.ts`.
 * Rate limits are off in the sandbox: the timings are campaignctl's and the simulator's own work; at the
 * documented rates (Altur 12/s, Puffle 10/s) the request counts set the floor.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const ROWS = Number(process.env.ROSTER_BENCH_ROWS ?? 2000);
const EDITED = Math.max(1, Math.floor(ROWS / 100));
const sb = useSandbox({ rateLimits: false });

async function campaign(ws: TestWorkspace, name: string, kind: string, spec: Record<string, unknown>, csv: string): Promise<void> {
  await mkdir(join(ws.dir, "audiences"), { recursive: true });
  await writeFile(join(ws.dir, "audiences", `${name}.csv`), csv);
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec, audience: { files: [`../audiences/${name}.csv`] } }));
}

/** Every 100th row (the first EDITED of them) gets the edited text. */
const edited = (i: number) => i % 100 === 0 && i / 100 < EDITED;

const CASES = [
  {
    provider: "altur" as const,
    kind: "AlturCampaign",
    // Mexico City numbers, called in Mexico City's daytime (calling hours, README.md "Guardrails").
    spec: { ...alturPhone, timezone: "America/Mexico_City" },
    csv: (edit: boolean) => `contact,name,context\n${Array.from({ length: ROWS }, (_, i) => `+5255${10_000_000 + i},Person ${i},${edit && edited(i) ? "owes 999" : "owes 120"}`).join("\n")}\n`,
    listPage: 100,
    /** Update requests: one `if_duplicate: update` batch per 1,000 edited rows. */
    updates: Math.ceil(EDITED / 1000),
    isList: (e: { path: string; query: Record<string, string> }) => e.path.endsWith("/contacts") && e.query.pageSize === "100",
    isUpdate: (e: { method: string; body: unknown }) => e.method === "POST" && (e.body as { if_duplicate?: string }).if_duplicate === "update",
  },
  {
    provider: "puffle" as const,
    kind: "PuffleCampaign",
    spec: { ...puffleEmail, status: "draft" },
    csv: (edit: boolean) => `email,first_name\n${Array.from({ length: ROWS }, (_, i) => `p${i}@example.com,${edit && edited(i) ? "Edited" : "Person"}`).join("\n")}\n`,
    listPage: 200,
    /** Update requests: one PATCH per edited prospect (the documented update takes one). */
    updates: EDITED,
    isList: (e: { method: string; path: string; query: Record<string, string> }) => e.method === "GET" && e.path.endsWith("/leads") && e.query.limit === "200",
    isUpdate: (e: { method: string }) => e.method === "PATCH",
  },
];

describe(`row edits at scale: ${ROWS} rows, ${EDITED} edited`, () => {
  it.each(CASES)("$provider: plan and apply read the roster once each and send exactly the edits; the next plan is empty", async (c) => {
    const ws = await TestWorkspace.create(sb);
    try {
      await campaign(ws, "big", c.kind, c.spec, c.csv(false));
      const t0 = performance.now();
      const first = await ws.run(["apply", "--auto-approve"]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const upload = performance.now() - t0;

      await campaign(ws, "big", c.kind, c.spec, c.csv(true));
      await clearLogs(sb);
      const t1 = performance.now();
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      const planMs = performance.now() - t1;
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain(`~ ${EDITED} ${c.provider === "altur" ? "contacts" : "prospects"} updated`);
      const planLog = await sb.requests(c.provider);
      const pages = Math.ceil(ROWS / c.listPage);
      expect(planLog.filter(c.isList)).toHaveLength(pages);

      await clearLogs(sb);
      const t2 = performance.now();
      const apply = await ws.run(["apply", "--auto-approve"]);
      const applyMs = performance.now() - t2;
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const applyLog = await sb.requests(c.provider);
      expect(applyLog.filter(c.isList)).toHaveLength(pages);
      expect(applyLog.filter(c.isUpdate)).toHaveLength(c.updates);
      expect(applyLog.filter((e) => e.method !== "GET" && !c.isUpdate(e))).toEqual([]);

      await clearLogs(sb);
      const t3 = performance.now();
      const again = await ws.run(["plan", "--detailed-exitcode"]);
      const againMs = performance.now() - t3;
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const againLog = await sb.requests(c.provider);
      console.log(
        `[roster-edits] ${c.provider} rows=${ROWS} edited=${EDITED} initial-apply=${Math.round(upload)}ms ` +
          `plan=${Math.round(planMs)}ms/${planLog.length} req apply=${Math.round(applyMs)}ms/${applyLog.length} req ` +
          `(${applyLog.filter(c.isList).length} list, ${applyLog.filter(c.isUpdate).length} update) next-plan=${Math.round(againMs)}ms/${againLog.length} req`,
      );
    } finally {
      await ws.dispose();
    }
  }, 600_000);
});
