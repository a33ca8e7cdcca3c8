/**
 * Signals and a hostile state directory (issue 31), with the built CLI in child processes over real
 * HTTP against the sandbox:
 * - GitHub's cancel sequence (SIGINT; SIGTERM 7.5 s later; SIGKILL 2.5 s after that) at seeded moments
 *   of an apply creating 23 campaigns while some creates hang: the state FILE (not the journal) holds
 *   every id the sandbox shows as created, and a pending record for every create whose answer never came.
 * - Ctrl-C during a Puffle launch wait: exit 130 within 2 s, the per-campaign summary, nothing sent after.
 * - A full disk, a lock path that is a directory or a FIFO, a journal that is a FIFO, stale temp files.
 * Each experiment prints one line of figures. CANCEL_TRIALS=20 for the experiment (1 in the suite).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { SimulatedProvider } from "../../src/sandbox/types.js";
import { catalog } from "../../src/providers/registry.js";
import { readStateFile } from "../../src/state/state-file.js";
import { ensureBuilt, spawnCli, type ChildResult } from "../support/cli-process.js";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone, extrovertTarget, puffleEmail } from "./specs.js";
import { KEYS, TestWorkspace } from "./workspace.js";
// Seeded trials use the sandbox's own fault coins (mulberry32): a failing trial replays from its printed seed.
import { faultCoins } from "../../src/sandbox/faults.js";

const sb = useSandbox({ rateLimits: false });
const PROVIDERS: SimulatedProvider[] = ["extrovert", "puffle", "altur"];
const STACK = /\n\s+at .*\.(ts|js):\d+/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => ensureBuilt(), 120_000);


async function tagged(provider: SimulatedProvider, tag: string): Promise<any[]> {
  return (await sb.campaigns(provider)).filter((c) => String(c.name).startsWith(`${tag} `));
}

/** GitHub Actions' cancel: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that (each only while the process runs). */
const SIGTERM_AFTER_MS = 7_500;
const SIGKILL_AFTER_MS = 2_500;
/** Extrovert creates hang this long: in flight at SIGINT, still in flight at SIGTERM. */
const HANGING_MS = 14_000;

interface CancelFigures {
  trials: number;
  exits: Record<string, number>;
  created: number;
  inFileById: number;
  inFileAsPending: number;
  missingFromFile: number;
  sigtermToExitMaxMs: number;
  killed: number;
}

/**
 * One trial: 23 campaigns (7 Extrovert, 8 Puffle, 8 Altur active); Extrovert creates hang. SIGINT once
 * `after` Puffle/Altur campaigns exist at the sandbox, then the cancel sequence. After the hanging
 * creates have landed: every campaign of the trial at the sandbox is in the state file by id — or, for
 * a create whose answer never came (the process was gone), by a pending record of its name.
 */
async function cancelTrial(tag: string, after: number, f: CancelFigures): Promise<void> {
  const ws = await TestWorkspace.create(sb);
  try {
    for (let i = 1; i <= 8; i += 1) {
      if (i <= 7) await ws.write(`x${i}`, "ExtrovertCampaign", { ...extrovertTarget, name: `${tag} X${i}` });
      await ws.write(`p${i}`, "PuffleCampaign", { ...puffleEmail, name: `${tag} P${i}` });
      await ws.write(`a${i}`, "AlturCampaign", { ...alturPhone, name: `${tag} A${i}` });
    }
    const child = spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS });
    let exited: ChildResult | undefined;
    void child.done.then((r) => (exited = r));
    while (!exited && (await tagged("puffle", tag)).length + (await tagged("altur", tag)).length < after) await sleep(20);
    const sigintAt = Date.now();
    child.kill("SIGINT");
    let sigtermAt: number | undefined;
    while (!exited && Date.now() - sigintAt < SIGTERM_AFTER_MS) await sleep(20);
    if (!exited) {
      sigtermAt = Date.now();
      child.kill("SIGTERM");
      while (!exited && Date.now() - sigtermAt < SIGKILL_AFTER_MS) await sleep(20);
      if (!exited) {
        f.killed += 1;
        child.kill("SIGKILL");
      }
    }
    const r = await child.done;
    const exitedAt = Date.now();
    f.trials += 1;
    const label = r.signal ?? String(r.code);
    f.exits[label] = (f.exits[label] ?? 0) + 1;
    if (sigtermAt !== undefined) f.sigtermToExitMaxMs = Math.max(f.sigtermToExitMaxMs, exitedAt - sigtermAt);
    expect(r.stderr, tag).not.toMatch(STACK);
    expect([130, 143], `${tag}: ${r.stderr}`).toContain(r.code);
    // The hanging creates land at the sandbox (the process is gone by then).
    await sleep(Math.max(0, sigintAt + HANGING_MS + 1500 - Date.now()));
    // The state FILE alone, as a runner killed now would leave it committed (the journal is not read).
    const file = await readStateFile(join(ws.dir, "campaignctl.state.json"), catalog);
    const ids = new Set(Object.values(file.campaigns).map((e) => `${e.provider}:${e.id}`));
    const pending = new Set(Object.values(file.pending ?? {}).map((p) => `${p.provider}:${p.name}`));
    for (const provider of PROVIDERS) {
      for (const c of await tagged(provider, tag)) {
        f.created += 1;
        if (ids.has(`${provider}:${String(c.id)}`)) f.inFileById += 1;
        else if (pending.has(`${provider}:${String(c.name)}`)) f.inFileAsPending += 1;
        else f.missingFromFile += 1;
        // Puffle and Altur answered within the grace: those ids are in the file itself.
        if (provider !== "extrovert") expect(ids.has(`${provider}:${String(c.id)}`), `${tag}: ${provider} ${String(c.id)} in the state file`).toBe(true);
      }
    }
  } finally {
    await ws.dispose();
  }
}

describe("GitHub's cancel sequence (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after)", () => {
  it("the state file holds every created id (pending records for creates whose answer never came)", async () => {
    const trials = Number(process.env.CANCEL_TRIALS ?? 1);
    const seed = 31;
    const random = faultCoins(seed);
    const f: CancelFigures = { trials: 0, exits: {}, created: 0, inFileById: 0, inFileAsPending: 0, missingFromFile: 0, sigtermToExitMaxMs: 0, killed: 0 };
    await sb.setFaults("extrovert", { latencyMs: HANGING_MS });
    for (const p of ["puffle", "altur"] as const) await sb.setFaults(p, { latencyMs: 100 });
    try {
      const batch = 5;
      for (let i = 0; i < trials; i += batch) {
        await Promise.all(
          Array.from({ length: Math.min(batch, trials - i) }, (_, k) => cancelTrial(`cancel-${i + k}`, 1 + Math.floor(random() * 16), f)),
        );
      }
    } finally {
      for (const p of PROVIDERS) await sb.setFaults(p, { latencyMs: 0 });
    }
    const exits = Object.entries(f.exits).map(([k, v]) => `${k}×${v}`).join(" ");
    console.log(
      `[signals] cancel sequence (seed ${seed}): trials ${f.trials}, exits ${exits}, created ${f.created}, in the state file by id ${f.inFileById}, ` +
        `as pending ${f.inFileAsPending}, missing ${f.missingFromFile}, SIGTERM→exit ≤ ${f.sigtermToExitMaxMs} ms, needed SIGKILL ${f.killed}`,
    );
    expect(f).toMatchObject({ trials, missingFromFile: 0, killed: 0 });
    expect(f.inFileById).toBeGreaterThan(0);
    // The hanging Extrovert creates kept the process alive to the SIGTERM, which exits promptly.
    expect(f.exits["143"]).toBe(trials);
    expect(f.sigtermToExitMaxMs).toBeLessThan(2_000);
  }, 600_000);
});

describe("Ctrl-C during a Puffle launch wait", () => {
  it("stops waiting at once, exits 130 within 2 s, reports per campaign what was and was not done, sends nothing more", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      await sb.setSettings("puffle", { launchDelayMs: 60_000 });
      await mkdir(join(ws.dir, "audiences"));
      await writeFile(join(ws.dir, "audiences", "nurture.csv"), "email,first_name\nada@example.com,Ada\n");
      await writeFile(
        join(ws.dir, "campaigns", "nurture.yaml"),
        JSON.stringify({ apiVersion: "campaignctl/v1", kind: "PuffleCampaign", metadata: { name: "nurture" }, spec: { ...puffleEmail, status: "paused" }, audience: { files: ["../audiences/nurture.csv"] } }),
      );
      await ws.write("calls", "AlturCampaign", alturPhone);
      const child = spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS });
      for (let i = 0; i < 1500 && !/waiting until active/.test(child.stderrSoFar()); i += 1) await sleep(20);
      expect(child.stderrSoFar()).toMatch(/puffle\/default\/nurture: launching, waiting until active/);
      await sb.clearRequests("puffle");
      const sentAt = Date.now();
      child.kill("SIGINT");
      const r = await child.done;
      const took = Date.now() - sentAt;
      console.log(`[signals] Ctrl-C in a launch wait: exit ${r.code}, ${took} ms after SIGINT`);
      expect(r.code, r.stdout + r.stderr).toBe(130);
      expect(took).toBeLessThan(2_000);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toMatch(/^- puffle\/default\/nurture: skipped — created id \S+, (updated sequence_nodes, )?uploaded 1 prospects?, launch \(draft → active\)$/m);
      expect(r.stdout).toMatch(/interrupted while waiting for active \(still launching after \d+\.\d s\); not done: wait for active, pause \(active → paused\) — run apply again to finish/);
      expect(r.stdout).toMatch(/✓ altur\/default\/calls: applied — created id /);
      expect(r.stdout).toContain("Apply interrupted: 1 applied, 0 failed, 0 blocked, 1 skipped, 0 need manual action.");
      // Nothing is pending, so nothing says so.
      expect(r.stdout + r.stderr).not.toMatch(/stay pending|as pending/);
      // Nothing was sent after the signal but (at most) the status read in flight.
      expect((await sb.requests("puffle")).filter((q) => q.method !== "GET")).toEqual([]);
      const state = await readStateFile(join(ws.dir, "campaignctl.state.json"), catalog);
      expect(Object.keys(state.campaigns).sort()).toEqual(["altur/default/calls", "puffle/default/nurture"]);
      expect(state.pending).toBeUndefined();
      expect(existsSync(join(ws.dir, "campaignctl.state.json.journal"))).toBe(false);
    } finally {
      await ws.dispose();
    }
  }, 60_000);
});

/** A one-campaign workspace for the hostile-directory cases. */
async function altur(tag: string): Promise<TestWorkspace> {
  const ws = await TestWorkspace.create(sb);
  await ws.write("a1", "AlturCampaign", { ...alturPhone, name: `${tag} A1` });
  return ws;
}

function oneLineError(r: ChildResult, pattern: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.ms).toBeLessThan(10_000);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).not.toMatch(/unexpected failure/);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
}

describe("a hostile state directory: a located one-line error, no stack, no hang, no half-written file", () => {
  it("the disk full when apply starts (file size limit 0): the lock write fails, no lock file is left, nothing is sent", async () => {
    const ws = await altur("fsize0");
    try {
      const r = await spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS, wrap: ["prlimit", "--fsize=0", "--"] }).done;
      oneLineError(r, /^error: cannot write the state lock .*campaignctl\.state\.json\.lock: EFBIG: file too large, write \(the file size limit \(ulimit -f\) or the disk is full: raise it or free space, then run again\)$/);
      expect((await readdir(ws.dir)).sort()).toEqual(["campaignctl.yaml", "campaigns"]);
      expect(await tagged("altur", "fsize0")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  }, 30_000);

  it("room for the lock but not the journal: the create is not sent, no journal or temp file is left", async () => {
    const ws = await altur("fsize200");
    try {
      await sb.clearRequests("altur");
      const r = await spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS, wrap: ["prlimit", "--fsize=200", "--"] }).done;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toMatch(/not created: the pending create could not be recorded \(cannot write .*campaignctl\.state\.json\.journal: EFBIG.*then run again\)\)/);
      expect((await readdir(ws.dir)).sort()).toEqual(["campaignctl.yaml", "campaigns"]);
      expect((await sb.requests("altur")).filter((q) => q.method === "POST")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  }, 30_000);

  for (const [what, make, words] of [
    ["a directory", (p: string) => mkdir(p), "a directory"],
    ["a FIFO", async (p: string) => execFileSync("mkfifo", [p]), "a named pipe \\(FIFO\\)"],
  ] as const) {
    it(`the lock path is ${what}: refused before anything is read or sent, left as it is`, async () => {
      const ws = await altur(`lock-${what.length}`);
      try {
        const lock = join(ws.dir, "campaignctl.state.json.lock");
        await make(lock);
        const r = await spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS }).done;
        oneLineError(r, new RegExp(`^error: .*campaignctl\\.state\\.json\\.lock is ${words}, not a campaignctl lock file; remove or rename it, then run again$`));
        expect(existsSync(lock)).toBe(true);
      } finally {
        await ws.dispose();
      }
    }, 30_000);
  }

  it("the journal is a FIFO: plan and apply refuse it at once (no blocking open), the lock is released", async () => {
    const ws = await altur("fifo-journal");
    try {
      execFileSync("mkfifo", [join(ws.dir, "campaignctl.state.json.journal")]);
      for (const args of [["plan"], ["apply", "--auto-approve"]]) {
        const r = await spawnCli(args, { cwd: ws.dir, env: KEYS }).done;
        oneLineError(r, /^error: .*campaignctl\.state\.json\.journal: is a named pipe \(FIFO\), not a regular file; move it away, then run again$/);
      }
      // The lock was released: nothing but the FIFO and the workspace remain.
      expect((await readdir(ws.dir)).sort()).toEqual(["campaignctl.state.json.journal", "campaignctl.yaml", "campaigns"]);
      expect(await tagged("altur", "fifo-journal")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  }, 30_000);

  it("temp files a killed state write left: the next apply removes the stale ones of its own naming only", async () => {
    const ws = await altur("temps");
    try {
      // A pid that no longer runs: a finished child's.
      const dead = spawnCli(["--version"], { cwd: ws.dir, env: {} });
      await dead.done;
      const now = Date.now();
      const names = {
        deadWriter: `.campaignctl.state.json.${dead.pid}.${now - 5000}.tmp`,
        liveWriter: `.campaignctl.state.json.1.${now}.tmp`, // pid 1 runs: another process may be writing it
        oldLiveWriter: `.campaignctl.state.json.1.${now - 7_200_000}.tmp`,
        otherState: `.other.state.json.${dead.pid}.${now}.tmp`,
        notOurs: `.campaignctl.state.json.backup.tmp`,
      };
      for (const n of Object.values(names)) await writeFile(join(ws.dir, n), "{");
      const old = new Date(now - 7_200_000);
      await utimes(join(ws.dir, names.oldLiveWriter), old, old);
      const r = await spawnCli(["apply", "--auto-approve"], { cwd: ws.dir, env: KEYS }).done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/note: removed 2 temp file\(s\) a killed state write left behind/);
      const left = await readdir(ws.dir);
      expect(left).not.toContain(names.deadWriter);
      expect(left).not.toContain(names.oldLiveWriter);
      for (const n of [names.liveWriter, names.otherState, names.notOurs]) expect(left).toContain(n);
      for (const n of [names.liveWriter, names.otherState, names.notOurs]) await rm(join(ws.dir, n));
    } finally {
      await ws.dispose();
    }
  }, 30_000);
});
