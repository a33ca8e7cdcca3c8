/**
 * Reads benchmark (issue 30): how many requests a plan sends once nothing can change, against the
 * documented minimum — `campaignctl` (main(), in-process) against the in-process sandbox, N Puffle
 * campaigns, request counts from the sandbox's own log (pacing does not change them: limits are raised).
 *
 * 1. Launched out of band: N campaigns campaignctl created in draft (state observed draft), files that
 *    leave status unmanaged; then 80 % are launched in Puffle's UI. plan, apply (nothing to change),
 *    plan again, drift.
 * 2. Imported: the same N campaigns (their documented mix of draft, paused and active) in an empty
 *    workspace; `import --all`, then plan.
 * The minimum per plan: the list, and a detail GET only where the documented rule says the list and
 * state cannot tell (detailReadNeeded, with state holding the status the last read saw): Puffle's
 * sequence_nodes is in no list item and frozen once launched (src/providers/puffle/README.md §4.3).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import type { JsonObject } from "../../src/core/json.js";
import type { StateEntry } from "../../src/core/types.js";
import { kindModuleOf } from "../../src/providers/registry.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";
import { puffleSpec, fileName } from "./fixtures.js";
import { call, control, detailReadNeeded, listViews, requestLog } from "./refresh.js";

export interface ReadsFigure {
  scenario: string;
  step: string;
  exitCode: number;
  requests: number;
  detailGets: number;
  /** The documented minimum for this step (plans and drift only). */
  minimum?: number;
}

export interface ReadsBenchOptions {
  count: number;
  progress: (line: string) => void;
}

const API_KEY = "sandbox";
const KIND = "PuffleCampaign";
const RPS = 1000;

async function run(dir: string, argv: string[]): Promise<number> {
  return main(argv, {
    cwd: dir,
    env: { PUFFLE_API_KEY: API_KEY },
    stdout: { isTTY: false, write: () => true },
    stderr: { isTTY: false, write: () => true },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
  });
}

async function workspace(sb: RunningSandbox): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-reads-"));
  await writeFile(
    join(dir, "campaignctl.yaml"),
    stringify({ apiVersion: "campaignctl/v1", accounts: [{ provider: "puffle", name: "default", apiKeyEnv: "PUFFLE_API_KEY", baseUrl: sb.urls.puffle, requestsPerSecond: RPS }] }),
  );
  await mkdir(join(dir, "campaigns", "puffle"), { recursive: true });
  await control(sb, "puffle", "PUT", "/faults", { requestsPerSecond: RPS });
  return dir;
}

/** Create N Puffle campaigns in the simulator (no HTTP), all in draft, sequences set; returns their ids. */
function seed(sb: RunningSandbox, count: number): string[] {
  const caps = kindModuleOf(KIND).kind.capabilities;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const spec = puffleSpec(i);
    const create: JsonObject = {};
    for (const f of caps.createFields) if (spec[f] !== undefined) create[f] = spec[f]!;
    const id = (call(sb, "puffle", "POST", "/api/campaigns", create).body as { campaign: { id: string } }).campaign.id;
    if (spec.sequence_nodes !== undefined) call(sb, "puffle", "PATCH", `/api/campaigns/${id}`, { sequence_nodes: spec.sequence_nodes });
    ids.push(id);
  }
  return ids;
}

/** The requests of one command, from the sandbox log. */
async function measured(sb: RunningSandbox, dir: string, scenario: string, argv: string[], minimum?: number): Promise<ReadsFigure> {
  await control(sb, "puffle", "DELETE", "/requests");
  const exitCode = await run(dir, argv);
  const log = await requestLog(sb, "puffle");
  const detailGets = log.filter((e) => e.method === "GET" && /^\/api\/campaigns\/[^/]+$/.test(e.path)).length;
  return { scenario, step: argv.join(" "), exitCode, requests: log.length, detailGets, ...(minimum === undefined ? {} : { minimum }) };
}

/** The documented minimum for a plan when state holds `entries` with the status each campaign now shows. */
function minimumFor(sb: RunningSandbox, entries: Record<string, StateEntry>, specOf: (address: string, entry: StateEntry) => JsonObject): number {
  const caps = kindModuleOf(KIND).kind.capabilities;
  const views = listViews(sb);
  let details = 0;
  for (const [address, entry] of Object.entries(entries)) {
    const view = views.get(`puffle:${entry.id}`);
    if (!view) continue;
    const seen: StateEntry = { ...entry, ...(view.status === undefined ? {} : { observed: { status: view.status } }) };
    if (detailReadNeeded(caps, view, specOf(address, entry), seen)) details += 1;
  }
  return 1 + details;
}

export async function runReadsBench(opts: ReadsBenchOptions): Promise<ReadsFigure[]> {
  const figures: ReadsFigure[] = [];
  // 1. Launched out of band.
  {
    const sb = await startSandbox({ port: 0, apiKey: API_KEY, log: () => {} });
    const dir = await workspace(sb);
    try {
      opts.progress(`reads: ${opts.count} Puffle campaigns created by campaignctl in draft, ${Math.round(opts.count * 0.8)} launched out of band`);
      const ids = seed(sb, opts.count);
      const campaigns: Record<string, StateEntry> = {};
      const specs = new Map<string, JsonObject>();
      for (const [i, id] of ids.entries()) {
        const { status: _status, ...spec } = puffleSpec(i);
        const name = fileName("puffle", i);
        await writeFile(join(dir, "campaigns", "puffle", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: KIND, metadata: { name }, spec }));
        const address = `puffle/default/${name}`;
        specs.set(address, spec);
        campaigns[address] = { provider: "puffle", account: "default", kind: KIND, id, appliedAt: new Date().toISOString(), applied: spec, observed: { status: "draft" } };
        if (i % 5 !== 0 && !sb.simulators.puffle.forceStatus(id, "active")) throw new Error(`reads: cannot launch ${id}`);
      }
      await writeFile(join(dir, "campaignctl.state.json"), `${JSON.stringify({ version: 1, campaigns }, null, 2)}\n`);
      const minimum = minimumFor(sb, campaigns, (address) => specs.get(address)!);
      const scenario = "launched out of band";
      figures.push(await measured(sb, dir, scenario, ["plan"], minimum));
      figures.push(await measured(sb, dir, scenario, ["apply", "--auto-approve"]));
      figures.push(await measured(sb, dir, scenario, ["plan"], minimum));
      figures.push(await measured(sb, dir, scenario, ["drift"], minimum));
      figures.push(await measured(sb, dir, scenario, ["apply", "--auto-approve"], minimum));
    } finally {
      await sb.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  // 2. Imported.
  {
    const sb = await startSandbox({ port: 0, apiKey: API_KEY, log: () => {} });
    const dir = await workspace(sb);
    try {
      opts.progress(`reads: ${opts.count} Puffle campaigns (draft, paused, active) imported into an empty workspace`);
      const ids = seed(sb, opts.count);
      for (const [i, id] of ids.entries()) {
        const status = puffleSpec(i).status as string;
        if (status !== "draft" && !sb.simulators.puffle.forceStatus(id, status)) throw new Error(`reads: cannot set ${id} to ${status}`);
      }
      const scenario = "imported";
      figures.push(await measured(sb, dir, scenario, ["import", "--provider", "puffle", "--all"], 1 + opts.count));
      const state = JSON.parse(await readFile(join(dir, "campaignctl.state.json"), "utf8")) as { campaigns: Record<string, StateEntry> };
      const minimum = minimumFor(sb, state.campaigns, (_address, entry) => entry.applied);
      figures.push(await measured(sb, dir, scenario, ["plan"], minimum));
      figures.push(await measured(sb, dir, scenario, ["drift"], minimum));
    } finally {
      await sb.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return figures;
}
