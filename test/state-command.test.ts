/**
 * `campaignctl state list | show | adopt | forget`, run in-process against the real sandbox on
 * 127.0.0.1 (free ports), on a throwaway workspace.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../src/cli/main.js";
import type { SimulatedProvider } from "../src/sandbox/types.js";
import { startSandbox, type RunningSandbox } from "../src/sandbox/server.js";
import { withStateLock } from "../src/state/state-file.js";
import { extrovertTarget as extrovert, puffleEmail } from "./e2e/specs.js";
import { KEYS } from "./e2e/workspace.js";


const altur = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  agent_id: "agent_demo_01",
  integration_id: "integ_phone_01",
  integration_type: "phone_call",
  retries: 1,
  timezone: "Europe/Madrid",
  scheduling: { mon: { startTime: "09:00", stopTime: "17:00", active: true } },
  ...extra,
});

// The shared e2e Puffle spec without a desired status (adoption compares fields only).
const { status: _status, ...puffle } = puffleEmail;


interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Logged {
  method: string;
  path: string;
  status: number;
}

let sb: RunningSandbox;
let dir: string;

async function cli(args: string[], env: Record<string, string | undefined> = KEYS): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd: dir,
    env,
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
  });
  return { code, stdout, stderr };
}

async function campaign(name: string, kind: string, spec: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind, metadata: { name }, spec }));
}

const stateFile = () => join(dir, "campaignctl.state.json");
const stateText = () => readFile(stateFile(), "utf8");
async function state(): Promise<{ version: number; campaigns: Record<string, { id: string; provider: string; kind: string; appliedAt: string; applied: Record<string, unknown> }> }> {
  return JSON.parse(await stateText());
}

async function control(provider: SimulatedProvider, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sb.origins[provider]}/__sandbox${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}
const requests = (p: SimulatedProvider): Promise<Logged[]> => control(p, "GET", "/requests");
async function clearRequests(): Promise<void> {
  for (const p of ["extrovert", "puffle", "altur"] as const) await control(p, "DELETE", "/requests");
}

/** An edit made in Altur's UI: straight to the API, not through campaignctl. */
async function alturPatch(id: string, body: unknown): Promise<void> {
  const res = await fetch(`${sb.urls.altur}/campaigns/${id}`, {
    method: "PATCH",
    headers: { authorization: "api-key sandbox", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  sb = await startSandbox({ host: "127.0.0.1", port: 0, apiKey: "sandbox", log: () => undefined });
});

afterAll(async () => {
  await sb.stop();
});

beforeEach(async () => {
  for (const p of ["extrovert", "puffle", "altur"] as const) await control(p, "POST", "/reset");
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "campaignctl-state-"));
  await mkdir(join(dir, "campaigns"));
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({
      apiVersion: "campaignctl/v1",
      accounts: [
        { provider: "extrovert", apiKeyEnv: "EXTROVERT_API_KEY", baseUrl: sb.urls.extrovert },
        { provider: "puffle", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: sb.urls.puffle },
        { provider: "altur", apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.altur },
      ],
    }),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Apply the declared campaigns, then forget them all: live campaigns exist, state is empty. */
async function liveButUntracked(): Promise<Record<string, string>> {
  const applied = await cli(["apply", "--auto-approve"]);
  expect(applied.code, applied.stderr).toBe(0);
  const ids: Record<string, string> = {};
  for (const [address, e] of Object.entries((await state()).campaigns)) {
    ids[address] = e.id;
    expect((await cli(["state", "forget", address])).code).toBe(0);
  }
  expect((await state()).campaigns).toEqual({});
  await clearRequests();
  return ids;
}

describe("state list", () => {
  it("says so on stderr and prints nothing on stdout when nothing is recorded", async () => {
    const r = await cli(["state", "list"]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toMatch(/No campaigns recorded in .*campaignctl\.state\.json yet/);
    const j = await cli(["state", "list", "--format", "json"]);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ formatVersion: 1, campaigns: [] });
    expect(existsSync(stateFile())).toBe(false);
  });

  it("prints one sorted line per address, and the same as JSON", async () => {
    await campaign("zeta", "AlturCampaign", altur("Zeta"));
    await campaign("alpha", "AlturCampaign", altur("Alpha"));
    await campaign("nurture", "PuffleCampaign", puffle);
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const doc = await state();

    const r = await cli(["state", "list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ADDRESS\s+ID\s+KIND\s+APPLIED AT$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["altur/default/alpha", "altur/default/zeta", "puffle/default/nurture"]);
    for (const line of lines.slice(1)) {
      const [address, id, kind, appliedAt] = line.split(/\s+/);
      const e = doc.campaigns[address!]!;
      expect([id, kind, appliedAt]).toEqual([e.id, e.kind, e.appliedAt]);
    }

    const j = await cli(["state", "list", "--format", "json"]);
    expect(JSON.parse(j.stdout)).toEqual({
      formatVersion: 1,
      campaigns: ["altur/default/alpha", "altur/default/zeta", "puffle/default/nurture"].map((address) => {
        const e = doc.campaigns[address]!;
        return { address, provider: e.provider, account: "default", kind: e.kind, id: e.id, appliedAt: e.appliedAt };
      }),
    });
  });
});

describe("state show", () => {
  it("prints the entry as pretty JSON with sorted keys", async () => {
    await campaign("alpha", "AlturCampaign", altur("Alpha"));
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const r = await cli(["state", "show", "altur/default/alpha"]);
    expect(r.code).toBe(0);
    const entry = (await state()).campaigns["altur/default/alpha"]!;
    expect(JSON.parse(r.stdout)).toEqual(entry);
    expect(r.stdout.split("\n").slice(1, 7).map((l) => l.trim().split('"')[1])).toEqual(["account", "applied", "agent_id", "integration_id", "integration_type", "name"]);
    expect(r.stdout).toMatch(/^\{\n {2}"account": "default",\n/);
  });

  it("names an unknown address and lists near matches", async () => {
    await campaign("q2-reactivation", "AlturCampaign", altur("Q2"));
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const r = await cli(["state", "show", "altur/default/q2-reactivaton"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("altur/default/q2-reactivaton is not recorded in");
    expect(r.stderr).toContain("did you mean altur/default/q2-reactivation?");
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const other = await cli(["state", "show", "puffle/default/q2-reactivation"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("did you mean altur/default/q2-reactivation?");
  });
});

describe("state adopt", () => {
  it("binds an Altur address to a live id, recording live values so the next plan shows exactly the differences", async () => {
    await campaign("q2", "AlturCampaign", altur("Q2 Reactivation"));
    const ids = await liveButUntracked();
    const id = ids["altur/default/q2"]!;
    // Someone renamed and edited it in Altur's UI, so it can no longer be found by name.
    await alturPatch(id, { name: "Q2 (edited in UI)", retries: 3, description: "not managed" });
    await clearRequests();

    const r = await cli(["state", "adopt", "altur/default/q2", "--id", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`altur/default/q2 is now bound to Altur campaign ${id}.`);
    expect(r.stdout).toContain("Live differs from the campaign file in name, retries");

    // Read-only: the detail of that id, and the list (the documented detail lacks retries, status, ...).
    expect((await requests("altur")).map((e) => `${e.method} ${e.path}`)).toEqual([`GET /api/v1.0/campaigns/${id}`, "GET /api/v1.0/campaigns"]);

    const entry = (await state()).campaigns["altur/default/q2"]!;
    expect(entry).toMatchObject({ provider: "altur", account: "default", kind: "AlturCampaign", id });
    expect(Date.now() - Date.parse(entry.appliedAt)).toBeLessThan(60_000);
    // Live projected onto the spec's fields: live values, spec keys only (no description, no server fields).
    expect(entry.applied).toEqual({ ...altur("Q2 (edited in UI)"), retries: 3 });

    const plan = await cli(["plan", "--format", "json", "--detailed-exitcode"]);
    expect(plan.code, plan.stderr).toBe(2);
    const p = JSON.parse(plan.stdout);
    const c = p.campaigns.find((x: { address: string }) => x.address === "altur/default/q2");
    expect(c.action).toBe("update");
    expect(c.changes.map((x: { path: string }) => x.path).sort()).toEqual(["name", "retries"]);
    expect(p.campaigns.filter((x: { action: string }) => x.action === "create")).toEqual([]);

    // Adopting the same id again refreshes the recorded values from live.
    await alturPatch(id, { retries: 2 });
    const again = await cli(["state", "adopt", "altur/default/q2", "--id", id]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("(recorded values refreshed)");
    expect((await state()).campaigns["altur/default/q2"]!.applied.retries).toBe(2);
  });

  it("binds a Puffle address whose live campaign matches the file: the next plan is empty", async () => {
    await campaign("nurture", "PuffleCampaign", puffle);
    const ids = await liveButUntracked();
    const r = await cli(["state", "adopt", "puffle/default/nurture", "--id", ids["puffle/default/nurture"]!]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Live matches the campaign file: the next plan shows no changes for it.");
    expect((await requests("puffle")).every((e) => e.method === "GET")).toBe(true);
    const entry = (await state()).campaigns["puffle/default/nurture"]!;
    expect(entry.applied.sequence_nodes).toEqual(puffle.sequence_nodes);
    expect(Object.keys(entry.applied).sort()).toEqual(Object.keys(puffle).sort());

    const plan = await cli(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    const drift = await cli(["drift"]);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
  });

  it("records the declared spec for Extrovert and says plainly the id could not be verified", async () => {
    await campaign("founders", "ExtrovertCampaign", extrovert);
    const id = "0b7a4c1e-9f3d-4e2a-8c55-3d1f0e9a7b21";
    const r = await cli(["state", "adopt", "extrovert/default/founders", "--id", id], { PUFFLE_API_KEY: "sandbox", ALTUR_API_KEY: "sandbox" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`extrovert/default/founders is now bound to Extrovert campaign ${id}.`);
    expect(r.stderr).toContain("warning: Extrovert has no read API, so campaignctl could not verify that campaign");
    expect(await requests("extrovert")).toEqual([]);
    expect((await state()).campaigns["extrovert/default/founders"]).toMatchObject({ id, kind: "ExtrovertCampaign", applied: extrovert });

    const plan = await cli(["plan", "--detailed-exitcode"]);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(await requests("extrovert")).toEqual([]);
  });

  it("refuses an unknown id, an undeclared address, and an id already bound elsewhere", async () => {
    await campaign("first", "AlturCampaign", altur("First"));
    await campaign("second", "AlturCampaign", altur("Second"));
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const firstId = (await state()).campaigns["altur/default/first"]!.id;
    const secondId = (await state()).campaigns["altur/default/second"]!.id;

    const rebind = await cli(["state", "adopt", "altur/default/second", "--id", "999999"]);
    expect(rebind.code).toBe(1);
    expect(rebind.stderr).toContain(`altur/default/second is already bound to id ${secondId}; run \`campaignctl state forget altur/default/second\` first`);
    expect((await cli(["state", "forget", "altur/default/second"])).code).toBe(0);
    const before = await stateText();

    const missing = await cli(["state", "adopt", "altur/default/second", "--id", "999999"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Altur has no campaign with id 999999");

    const undeclared = await cli(["state", "adopt", "altur/default/secnd", "--id", firstId]);
    expect(undeclared.code).toBe(1);
    expect(undeclared.stderr).toContain("altur/default/secnd is not declared in any campaign file");
    expect(undeclared.stderr).toContain("did you mean altur/default/second?");

    const taken = await cli(["state", "adopt", "altur/default/second", "--id", firstId]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`Altur id ${firstId} is already bound to altur/default/first`);

    const noId = await cli(["state", "adopt", "altur/default/second"]);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toMatch(/required option '--id <id>'/);

    for (const r of [rebind, missing, undeclared, taken]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await stateText()).toBe(before);
  });

  it("waits for nobody: a held state lock is reported, and nothing is written", async () => {
    await campaign("q2", "AlturCampaign", altur("Q2"));
    const ids = await liveButUntracked();
    let r: Run | undefined;
    await withStateLock(stateFile(), async () => {
      r = await cli(["state", "adopt", "altur/default/q2", "--id", ids["altur/default/q2"]!]);
    });
    expect(r?.code).toBe(1);
    expect(r?.stderr).toMatch(/is locked by another campaignctl apply/);
    expect((await state()).campaigns).toEqual({});
    expect(await requests("altur")).toEqual([]);
  });

  it("names the missing API key variable, never a key", async () => {
    await campaign("q2", "AlturCampaign", altur("Q2"));
    const r = await cli(["state", "adopt", "altur/default/q2", "--id", "1"], { ALTUR_API_KEY: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ALTUR_API_KEY");
    expect(existsSync(stateFile())).toBe(false);
  });
});

describe("state forget", () => {
  it("removes the entry and leaves the live campaign untouched", async () => {
    await campaign("q2", "AlturCampaign", altur("Q2"));
    await campaign("nurture", "PuffleCampaign", puffle);
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const id = (await state()).campaigns["altur/default/q2"]!.id;
    const liveBefore = await control("altur", "GET", "/campaigns");
    await clearRequests();

    const r = await cli(["state", "forget", "altur/default/q2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Forgot altur/default/q2 (Altur id ${id}). The live campaign is untouched`);
    expect(r.stderr).toContain("still declared in");
    expect(Object.keys((await state()).campaigns)).toEqual(["puffle/default/nurture"]);
    for (const p of ["extrovert", "puffle", "altur"] as const) expect(await requests(p)).toEqual([]);
    expect(await control("altur", "GET", "/campaigns")).toEqual(liveBefore);
    expect(await stateText()).toMatch(/\n$/);
  });

  it("names an unknown address with near matches", async () => {
    await campaign("q2", "AlturCampaign", altur("Q2"));
    expect((await cli(["apply", "--auto-approve"])).code).toBe(0);
    const before = await stateText();
    const r = await cli(["state", "forget", "altur/default/q3"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("altur/default/q3 is not recorded in");
    expect(r.stderr).toContain("did you mean altur/default/q2?");
    expect(await stateText()).toBe(before);
  });

  it("reports a corrupt state file without a stack trace", async () => {
    await writeFile(stateFile(), "{ not json");
    for (const args of [["state", "list"], ["state", "forget", "altur/default/q2"]]) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/campaignctl\.state\.json: not valid JSON/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await stateText()).toBe("{ not json");
  });
});
