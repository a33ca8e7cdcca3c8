import { afterAll, describe, expect, it } from "vitest";
import type { FaultSettings } from "../../src/sandbox/types.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, extrovertTarget, puffleEmail } from "./specs.js";
import { TestWorkspace } from "./workspace.js";

const sb = useSandbox();

const PROVIDERS = ["extrovert", "puffle", "altur"] as const;

/**
 * Every coin the sandbox flips is seeded (FAULT_SEED=n picks another base seed; the default is fixed):
 * each provider's listener gets `seed + its index`, so a failure can be replayed with the seed printed.
 */
const BASE_SEED = Number(process.env.FAULT_SEED ?? 31_2026);

async function setFaults(faults: Partial<FaultSettings>, seed?: number): Promise<void> {
  for (const [i, p] of PROVIDERS.entries()) await sb.setFaults(p, seed === undefined ? faults : { ...faults, seed: seed + i });
}

/** Runs until convergence per injected 503 rate (issue 16 asks for the figures): printed once at the end. */
const figures: string[] = [];
afterAll(() => console.log(`[faults] base seed ${BASE_SEED}; runs until apply exits 0: ${figures.join("; ")}`));

/**
 * Time budget per case: up to 12 applies, each bounded by the client's retry budget. Measured at 50 %
 * alone on 2 cores: see CHANGELOG; the budget leaves room for a machine shared with other test runs.
 */
const CASE_BUDGET_MS = 240_000;

describe.each([
  [0.1, 0],
  [0.3, 100],
  [0.5, 200],
])("apply under injected faults (%s 503s, 5% connection resets)", (errorRate, seedOffset) => {
  it("either finishes or fails clearly; re-running converges; nothing is created twice; state always parses", async () => {
    const seed = BASE_SEED + seedOffset;
    console.log(`[faults] ${errorRate * 100}% 503s: seed ${seed} (extrovert ${seed}, puffle ${seed + 1}, altur ${seed + 2})`);
    const ws = await TestWorkspace.create(sb);
    try {
      for (let i = 1; i <= 5; i += 1) await ws.write(`altur-${i}`, "AlturCampaign", { ...alturPhone, name: `Altur wave ${i}` });
      for (let i = 1; i <= 4; i += 1) await ws.write(`puffle-${i}`, "PuffleCampaign", { ...puffleEmail, name: `Puffle nurture ${i}` });
      for (let i = 1; i <= 4; i += 1) await ws.write(`extrovert-${i}`, "ExtrovertCampaign", { ...extrovertTarget, name: `Extrovert ${i}` });

      await setFaults({ errorRate, errorStatus: 503, resetRate: 0.05 }, seed);
      const codes: number[] = [];
      let recreatePending = false;
      for (let run = 0; run < 12; run += 1) {
        const res = await ws.run(["apply", "--auto-approve", ...(recreatePending ? ["--recreate-pending"] : [])]);
        recreatePending = false;
        codes.push(res.code);
        // Never a stack trace, never a key; a failure names what failed.
        expect(res.stderr + res.stdout).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
        expect(res.stderr + res.stdout).not.toContain("api-key sandbox");
        if (res.code !== 0) expect(res.stdout + res.stderr).toMatch(/failed|error/);
        // The state file parses after every run and records every campaign that exists live.
        const state = await ws.state().catch(() => ({ campaigns: {} }));
        for (const provider of ["altur", "puffle"] as const) {
          const ids = new Set(Object.values(state.campaigns).map((e) => e.id));
          for (const c of await sb.campaigns(provider)) expect(ids.has(String(c.id)), `${provider} ${String(c.id)} missing from state`).toBe(true);
        }
        if (res.code === 0) break;
        // An Extrovert create whose answer was lost is blocked (Extrovert cannot be read back): do what the
        // message says, as a user looking at the dashboard would — adopt it if it exists, else re-create it.
        if (res.code === 3) {
          const pending = ((await ws.state()) as { pending?: Record<string, { name: string }> }).pending ?? {};
          const live = await sb.campaigns("extrovert");
          const blocked = [...res.stdout.matchAll(/campaignctl state adopt (\S+) --id <ID>/g)].map((m) => m[1] as string);
          expect(blocked.length, res.stdout).toBeGreaterThan(0);
          for (const address of blocked) {
            const made = live.find((c) => c.name === pending[address]?.name);
            if (!made) {
              recreatePending = true;
              continue;
            }
            const adopt = await ws.run(["state", "adopt", address, "--id", String(made.id)]);
            expect(adopt.code, adopt.stdout + adopt.stderr).toBe(0);
          }
        }
      }
      figures.push(`${errorRate * 100}% (seed ${seed}) → ${codes.length} (exits ${codes.join(", ")})`);
      expect(codes.at(-1), `exit codes per run: ${codes.join(", ")}`).toBe(0);

      await setFaults({ errorRate: 0, resetRate: 0 });
      // The faults really fired: providers answered some requests with the injected 503.
      let injected = 0;
      for (const p of ["extrovert", "puffle", "altur"] as const) {
        const log = await sb.requests(p);
        injected += log.filter((r) => r.status === 503).length;
      }
      expect(injected).toBeGreaterThan(0);
      for (const [provider, n] of [["altur", 5], ["puffle", 4], ["extrovert", 4]] as const) {
        const stored = await sb.campaigns(provider);
        expect(stored, provider).toHaveLength(n);
        expect(new Set(stored.map((c) => c.name)).size).toBe(n);
      }
      const state = await ws.state();
      expect(Object.keys(state.campaigns)).toHaveLength(13);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code, plan.stdout).toBe(0);
    } finally {
      await ws.dispose();
      await setFaults({ errorRate: 0, resetRate: 0 });
    }
  }, CASE_BUDGET_MS);
});
