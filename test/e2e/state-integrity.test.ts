/**
 * State integrity (docs/design.md §12) over real HTTP against the sandbox: serial and lineage, saved plans
 * bound to the state they were made from, the state lock, adoption recorded, contained read failures.
 */
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadWorkspace } from "../../src/config/workspace.js";
import { runPlan } from "../../src/engine/plan-run.js";
import { closeSessions } from "../../src/engine/session.js";
import { acquireStateLock } from "../../src/state/lock.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, puffleEmail } from "./specs.js";
import { KEYS, TestWorkspace } from "./workspace.js";

const sb = useSandbox({ rateLimits: false });

async function rawState(ws: TestWorkspace): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8"));
}

describe("serial and lineage", () => {
  it("the first write fixes the lineage, every write increments the serial, and state commands show both", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Serial A" });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const first = await rawState(ws);
      expect(first.serial).toBe(1);
      expect(first.lineage).toMatch(/^[0-9a-f-]{36}$/);
      await ws.write("b", "AlturCampaign", { ...alturPhone, name: "Serial B" });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const second = await rawState(ws);
      expect(second.serial).toBe(2);
      expect(second.lineage).toBe(first.lineage);
      // Nothing to do: nothing written, the serial stays.
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      expect((await rawState(ws)).serial).toBe(2);
      const list = await ws.run(["state", "list"]);
      expect(list.stderr).toContain(`serial 2, lineage ${first.lineage}`);
      const show = await ws.run(["state", "show", "altur/default/a"]);
      expect(show.stderr).toContain(`serial 2, lineage ${first.lineage}`);
      // No journal or lock left behind after a clean run.
      await expect(readFile(join(ws.dir, "campaignctl.state.json.journal"))).rejects.toThrow(/ENOENT/);
      await expect(readFile(join(ws.dir, "campaignctl.state.json.lock"))).rejects.toThrow(/ENOENT/);
    } finally {
      await ws.dispose();
    }
  });

  it("a saved plan records serial and lineage and is refused against another lineage or an older serial", async () => {
    const ws = await TestWorkspace.create(sb);
    const other = await TestWorkspace.create(sb);
    try {
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Plan A" });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const lineage = (await rawState(ws)).lineage;
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Plan A", retries: 2 });
      expect((await ws.run(["plan", "--out", "p.json"])).code).toBe(0);
      const saved = JSON.parse(await readFile(join(ws.dir, "p.json"), "utf8"));
      expect(saved.state).toEqual({ serial: 1, lineage });

      // Another workspace with its own state: refused by lineage (not "unknown --target").
      await other.write("z", "AlturCampaign", { ...alturPhone, name: "Plan Z" });
      expect((await other.run(["apply", "--auto-approve"])).code).toBe(0);
      await writeFile(join(other.dir, "p.json"), JSON.stringify(saved));
      const foreign = await other.run(["apply", "p.json"]);
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toContain(`was made against another state (lineage ${lineage}`);
      expect(foreign.stderr).not.toContain("unknown --target");

      // The state moved on since the plan: refused, naming both serials.
      await ws.write("b", "AlturCampaign", { ...alturPhone, name: "Plan B" });
      expect((await ws.run(["apply", "--auto-approve", "--target", "altur/default/b"])).code).toBe(0);
      const old = await ws.run(["apply", "p.json"]);
      expect(old.code).toBe(1);
      expect(old.stderr).toContain("it was made at state serial 1, the state is now at serial 2");
      const live = (await sb.campaigns("altur")).find((c) => c.name === "Plan A");
      expect(live.retries).toBe(1);
    } finally {
      await ws.dispose();
      await other.dispose();
    }
  });
});

describe("the state lock", () => {
  it("a second apply waits (bounded) and then fails naming the holder; plan takes no lock", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Lock A" });
      const lock = await acquireStateLock(join(ws.dir, "campaignctl.state.json"), { command: "apply" });
      try {
        const t0 = Date.now();
        const r = await ws.run(["apply", "--auto-approve", "--lock-timeout", "1"]);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`waiting up to 1 s for the state lock held by campaignctl apply (pid ${process.pid} on host ${hostname()}`);
        expect(r.stderr).toMatch(new RegExp(`is locked after waiting 1 s by another campaignctl apply \\(pid ${process.pid} on host .*, started 20`));
        expect(await sb.campaigns("altur")).toHaveLength(0);
        expect((await sb.requests("altur")).length).toBe(0);
        // plan and drift take no lock.
        expect((await ws.run(["plan"])).code).toBe(0);
      } finally {
        await lock.release();
      }
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
    } finally {
      await ws.dispose();
    }
  });

  it("a dead holder's lock on this host is taken over with a note; another host's is reported with how to clear it", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Lock B" });
      const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
      const deadPid = Number(child.stdout);
      const lockFile = join(ws.dir, "campaignctl.state.json.lock");
      const holder = { pid: deadPid, host: hostname(), startedAt: new Date(Date.now() - 60_000).toISOString(), command: "apply", token: "t-dead" };
      await writeFile(lockFile, JSON.stringify(holder));
      const r = await ws.run(["apply", "--auto-approve", "--lock-timeout", "0"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`note: took over the state lock of campaignctl apply (pid ${deadPid} on host ${hostname()}`);
      await expect(readFile(lockFile)).rejects.toThrow(/ENOENT/);

      await writeFile(lockFile, JSON.stringify({ ...holder, pid: 1, host: "build-runner-7", token: "t-other" }));
      const o = await ws.run(["apply", "--auto-approve", "--lock-timeout", "0"]);
      expect(o.code).toBe(1);
      expect(o.stderr).toContain("pid 1 on host build-runner-7");
      expect(o.stderr).toContain(`if no campaignctl runs on build-runner-7, remove ${lockFile} and run again`);
    } finally {
      await ws.dispose();
    }
  });
});

describe("adoption and partial failure", () => {
  it("a campaign adopted by its exact name is recorded even when nothing changes", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const spec = { ...puffleEmail, name: "Adopt me" };
      await ws.write("p", "PuffleCampaign", spec);
      // Create it, then lose the state: the live campaign is in sync with the file.
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const id = (await ws.state()).campaigns["puffle/default/p"]?.id;
      await writeFile(join(ws.dir, "campaignctl.state.json"), JSON.stringify({ version: 1, campaigns: {} }));
      const r = await ws.run(["apply", "--auto-approve"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`recorded adopted campaign ${id}`);
      expect((await ws.state()).campaigns["puffle/default/p"]?.id).toBe(id);
      expect((await sb.campaigns("puffle")).filter((c) => c.name === "Adopt me")).toHaveLength(1);
      const plan = await ws.run(["plan", "--detailed-exitcode"]);
      expect(plan.code).toBe(0);
      expect(plan.stdout).not.toContain("adopted");
    } finally {
      await ws.dispose();
    }
  });

  it("an account whose list fails is skipped whole while the others apply (exit 1); the rerun converges", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("a", "AlturCampaign", { ...alturPhone, name: "Contained A" });
      await ws.write("p", "PuffleCampaign", { ...puffleEmail, name: "Contained P" });
      await sb.setFaults("puffle", { errorRate: 1, errorStatus: 503 });
      const r = await ws.run(["apply", "--auto-approve"]);
      await sb.setFaults("puffle", { errorRate: 0 });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/puffle\/default\/p: failed\n\s+not planned: listing the campaigns of account puffle\/default failed; run again/);
      // The failure itself is said once, on stderr, as every other provider error.
      expect(r.stderr.match(/^error: puffle: list campaigns/gm)).toHaveLength(1);
      expect(r.stdout).toContain("altur/default/a: applied");
      expect(await sb.campaigns("puffle")).toHaveLength(0);
      expect(Object.keys((await ws.state()).campaigns)).toEqual(["altur/default/a"]);
      const again = await ws.run(["apply", "--auto-approve"]);
      expect(again.code, again.stdout).toBe(0);
      expect(await sb.campaigns("puffle")).toHaveLength(1);
    } finally {
      await ws.dispose();
      await sb.setFaults("altur", { errorRate: 0 });
      await sb.setFaults("puffle", { errorRate: 0 });
    }
  }, 60_000);
});

/**
 * Issue 30 (memory at 100,000 campaigns): a campaign applied exactly as it is declared keeps one body,
 * the declared spec, in its state entry during a run; what the plan says and what the state file holds
 * are unchanged.
 */
describe("a state entry applied exactly as declared holds the declared spec itself during a run", () => {
  it("shared for an unchanged campaign, not for an edited one; the plan and the state file are unaffected", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await ws.write("same", "AlturCampaign", alturPhone);
      await ws.write("edited", "AlturCampaign", { ...alturPhone, name: "Edited later" });
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      await ws.write("edited", "AlturCampaign", { ...alturPhone, name: "Edited later", retries: 3 });
      const before = await readFile(join(ws.dir, "campaignctl.state.json"), "utf8");

      const loaded = await loadWorkspace({ cwd: ws.dir, env: KEYS });
      expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const run = await runPlan(loaded.workspace!, { readOnly: true, session: { env: KEYS } });
      closeSessions(run.sessions);
      const byName = (name: string) => run.refreshed.find((r) => r.address === `altur/default/${name}`)!;
      expect(byName("same").state!.applied).toBe(byName("same").decl!.spec);
      expect(byName("edited").state!.applied).not.toBe(byName("edited").decl!.spec);
      expect(byName("edited").state!.applied.retries).toBe(1);
      expect(run.plan.campaigns.map((c) => [c.address, c.action])).toEqual([
        ["altur/default/edited", "update"],
        ["altur/default/same", "noop"],
      ]);
      expect(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8")).toBe(before);

      // An apply writes the unchanged campaign's entry as it was, keys sorted as the state file keeps them.
      expect((await ws.run(["apply", "--auto-approve"])).code).toBe(0);
      const entry = (text: string) => JSON.stringify((JSON.parse(text) as { campaigns: Record<string, unknown> }).campaigns["altur/default/same"]);
      expect(entry(await readFile(join(ws.dir, "campaignctl.state.json"), "utf8"))).toBe(entry(before));
      expect(Object.keys((await rawState(ws)).campaigns["altur/default/same"].applied)).toEqual(Object.keys(alturPhone).sort());
    } finally {
      await ws.dispose();
    }
  });
});
