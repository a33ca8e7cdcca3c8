import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { extrovertTarget } from "./specs.js";
import { clearLogs, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

async function writeCampaign(ws: TestWorkspace, name: string, spec: Record<string, unknown>, audience: Record<string, unknown>): Promise<void> {
  await writeFile(join(ws.dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: "ExtrovertCampaign", metadata: { name }, spec, audience }));
}

async function audienceFile(ws: TestWorkspace, name: string, text: string): Promise<void> {
  await mkdir(join(ws.dir, "audiences"), { recursive: true });
  await writeFile(join(ws.dir, "audiences", name), text);
}

const profiles = (from: number, n: number) => Array.from({ length: n }, (_, i) => `https://www.linkedin.com/in/founder-${from + i}`);

/** The prospect-list writes in the request log: path (ids masked) and the URLs sent. */
async function listWrites() {
  return (await sb.requests("extrovert"))
    .filter((e) => e.method === "POST" && e.path.includes("prospect-list"))
    .map((e) => ({ path: e.path.replace(/[0-9a-f-]{36}/g, "ID").replace(/^.*\/client\/v2/, ""), body: e.body as Record<string, unknown> }));
}

describe("Extrovert prospect lists (docs/design.md §10, §17)", () => {
  it("a TARGET_USER campaign with LinkedIn URLs applies with exit 0, uploads each person once, and the next plan is empty", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      // One person written three ways (http, country subdomain, upper case with a query) is one person.
      const variants = ["http://linkedin.com/in/founder-0/", "https://de.linkedin.com/in/Founder-0?trk=abc"];
      await audienceFile(ws, "founders.csv", `linkedin_url\n${[...profiles(0, 3), ...variants].join("\n")}\n`);
      await writeCampaign(ws, "founders", extrovertTarget, { files: ["../audiences/founders.csv"] });

      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(2);
      expect(plan.stdout).toContain("+ 3 prospects (2 duplicates in the files)");
      expect(plan.stdout).not.toContain("founder-1");

      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      const writes = await listWrites();
      expect(writes).toEqual([
        { path: "/prospect-list", body: { listName: expect.stringMatching(/^campaignctl /), campaignId: expect.any(String), userUrls: profiles(0, 3), moveOwnDuplicated: false } },
      ]);
      const campaignId = writes[0]!.body.campaignId as string;
      expect((await sb.campaigns("extrovert")).map((c) => c.id)).toEqual([campaignId]);

      // State: the list id and counts, no URL.
      const stateText = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");
      expect(stateText).not.toContain("founder-");
      const audience = ((await ws.state()).campaigns["extrovert/default/founders"] as any).audience;
      expect(audience).toEqual({ mode: "append", files: { "../audiences/founders.csv": expect.stringMatching(/^[0-9a-f]{32}$/) }, rows: 3, count: 3, list: expect.stringMatching(/^[0-9a-f-]{36}$/) });

      // Unchanged: one read of the list (the count), no write.
      await clearLogs(sb);
      const again = await ws.run(["plan", "--detailed-exitcode"]);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      const reads = (await sb.requests("extrovert")).filter((e) => e.path.endsWith("/prospects"));
      expect(reads.map((e) => e.query)).toEqual([{ listId: audience.list }]);
      const drift = await ws.run(["drift"]);
      expect(drift.code, drift.stdout + drift.stderr).toBe(0);
      const rerun = await ws.run(["apply", "--auto-approve"]);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      expect(await listWrites()).toEqual([]);

      // Two more people (one of them already listed in another form): only the new ones go, into the same list.
      await audienceFile(ws, "founders.csv", `linkedin_url\n${[...profiles(0, 5), "HTTPS://WWW.LINKEDIN.COM/IN/FOUNDER-2"].join("\n")}\n`);
      const grow = await ws.run(["plan", "--detailed-exitcode"]);
      expect(grow.code, grow.stdout + grow.stderr).toBe(2);
      expect(grow.stdout).toContain("+ 2 prospects");
      await clearLogs(sb);
      const second = await ws.run(["apply", "--auto-approve"]);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(await listWrites()).toEqual([
        { path: "/prospect-list/ID/add-users-to-list", body: { listId: audience.list, userUrls: profiles(3, 2), moveOwnDuplicated: false, campaignId } },
      ]);
      const last = await ws.run(["plan", "--detailed-exitcode"]);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      expect(((await ws.state()).campaigns["extrovert/default/founders"] as any).audience).toMatchObject({ rows: 5, count: 5, list: audience.list });
    } finally {
      await ws.dispose();
    }
  });

  it("a URL Extrovert's validation rejects is reported with file:line; the others stay in the one list", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      // `/in/ab`: a profile URL campaignctl accepts, but a slug shorter than LinkedIn's custom URLs (sandbox rule [A]).
      await audienceFile(ws, "founders.csv", `linkedin_url\n${profiles(10, 2).join("\n")}\nhttps://www.linkedin.com/in/ab\n`);
      await writeCampaign(ws, "founders", extrovertTarget, { files: ["../audiences/founders.csv"] });
      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).not.toBe(0);
      expect(apply.stdout + apply.stderr).toMatch(/1 prospects rejected by Extrovert: \S*founders\.csv:4 rejected by Extrovert's URL validation/);
      expect((await listWrites()).map((w) => w.path)).toEqual(["/prospect-list"]);
      const audience = ((await ws.state()).campaigns["extrovert/default/founders"] as any).audience;
      expect(audience.list).toMatch(/^[0-9a-f-]{36}$/);

      // Without the bad row: nothing left to send, nothing sent, and the next plan is empty.
      await audienceFile(ws, "founders.csv", `linkedin_url\n${profiles(10, 2).join("\n")}\n`);
      await clearLogs(sb);
      const fixed = await ws.run(["apply", "--auto-approve"]);
      expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
      expect(await listWrites()).toEqual([]);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(((await ws.state()).campaigns["extrovert/default/founders"] as any).audience).toMatchObject({ rows: 2, count: 2, list: audience.list });
    } finally {
      await ws.dispose();
    }
  });

  it("people over the monthly limit (500 assumed in the sandbox) are reported with file:line; batches of 500 go into one list", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await audienceFile(ws, "many.csv", `linkedin_url\n${profiles(0, 503).join("\n")}\n`);
      await writeCampaign(ws, "many", extrovertTarget, { files: ["../audiences/many.csv"] });
      await clearLogs(sb);
      const apply = await ws.run(["apply", "--auto-approve"]);
      expect(apply.code, apply.stdout + apply.stderr).not.toBe(0);
      const out = apply.stdout + apply.stderr;
      expect(out).toContain("3 prospects rejected by Extrovert");
      expect(out).toMatch(/many\.csv:502 over the account's prospect limit \(outOfLimitUrls\)/);
      expect(out).toMatch(/many\.csv:504 over the account's prospect limit/);
      const writes = await listWrites();
      expect(writes.map((w) => [w.path, (w.body.userUrls as string[]).length])).toEqual([["/prospect-list", 500], ["/prospect-list/ID/add-users-to-list", 3]]);
      expect(writes[1]?.body.listId).toBe(((await ws.state()).campaigns["extrovert/default/many"] as any).audience.list);
    } finally {
      await ws.dispose();
    }
  });
});
