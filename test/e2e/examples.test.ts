import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useSandbox } from "../support/sandbox.js";
import { TestWorkspace } from "./workspace.js";

const sb = useSandbox();

describe("the repository's example campaigns", () => {
  it("apply from empty, then a second plan is empty (Puffle launches once prospects are uploaded)", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await cp(join(import.meta.dirname, "../../campaigns"), join(ws.dir, "campaigns"), { recursive: true });
      const validate = await ws.run(["validate"]);
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);

      const first = await ws.run(["apply", "--auto-approve"]);
      // Puffle campaigns meant to run cannot launch without prospects: the provider's pre-check blocks
      // them (exit 3) and everything else is applied.
      expect([0, 3], first.stdout + first.stderr).toContain(first.code);
      expect(first.stdout).toMatch(/Apply finished: \d+ applied, 0 failed/);

      const state = await ws.state();
      const declared = ["altur", "puffle", "extrovert"].map((p) => Object.keys(state.campaigns).filter((a) => a.startsWith(`${p}/`)).length);
      expect(declared.every((n) => n >= 2)).toBe(true);
      // A person uploads the prospect lists of the blocked campaigns (Puffle's documented roster endpoint).
      for (const c of await sb.campaigns("puffle")) {
        if (c.status !== "draft") continue;
        const email = c.type === "email";
        const res = await sb.request("puffle", "POST", `/api/campaigns/${String(c.id)}/leads`, {
          prospects: [email ? { email: "ada@example.com", first_name: "Ada" } : { linkedin_url: "https://www.linkedin.com/in/ada-example", first_name: "Ada" }],
        });
        expect(res.status).toBeLessThan(300);
      }
      const second = await ws.run(["apply", "--auto-approve"]);
      expect(second.code, second.stdout + second.stderr).toBe(0);

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
