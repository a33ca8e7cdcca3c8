import { cp, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { TestWorkspace } from "./workspace.js";

const sb = useSandbox();

describe("the repository's example campaigns", () => {
  it("apply from empty exits 0 with every campaign in the status its file asks for; then plan and drift are clean", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await cp(join(import.meta.dirname, "../../campaigns"), join(ws.dir, "campaigns"), { recursive: true });
      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);

      // Audiences are part of the campaigns: Puffle rows go up after create and before launch, so
      // every campaign reaches the status its file asks for in one apply.
      const first = await ws.run(["apply", "--auto-approve"]);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(first.stdout).toMatch(/Apply finished: \d+ applied, 0 failed, 0 blocked/);

      // The Extrovert prospects campaign's founders went up once, into one list.
      const lists = (await sb.requests("extrovert")).filter((e) => e.method === "POST" && e.path.includes("prospect-list"));
      expect(lists.map((e) => ((e.body as { userUrls?: string[] }).userUrls ?? []).length)).toEqual([4]);
      const state = await ws.state();
      const declared = ["altur", "puffle", "extrovert"].map((p) => Object.keys(state.campaigns).filter((a) => a.startsWith(`${p}/`)).length);
      expect(declared.every((n) => n >= 2)).toBe(true);
      const wanted = new Map<string, unknown>();
      for (const file of await readdir(join(ws.dir, "campaigns"), { recursive: true })) {
        if (!file.endsWith(".yaml")) continue;
        const doc = parse(await readFile(join(ws.dir, "campaigns", file), "utf8"));
        if (doc.kind !== "ExtrovertCampaign" && doc.spec.status !== undefined) wanted.set(doc.spec.name, doc.spec.status);
      }
      const live = [...(await sb.campaigns("puffle")), ...(await sb.campaigns("altur"))];
      for (const [name, status] of wanted) {
        const c = live.find((x) => x.name === name);
        // Puffle launch is asynchronous (launching → active); Altur pending/ready satisfy inactive.
        const ok = status === "active" ? ["active", "launching"] : status === "inactive" ? ["inactive", "pending", "ready"] : [status];
        expect(ok, `${name}: live ${c?.status}, file asks ${String(status)}`).toContain(c?.status);
      }

      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/No changes/);
      const drift = await ws.run(["drift"]);
      expect(drift.code, drift.stdout).toBe(0);
    } finally {
      await ws.dispose();
    }
  });
});
