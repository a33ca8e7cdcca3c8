/**
 * Many-accounts benchmark (issue 30): N Altur accounts × M campaigns each, every account its own
 * in-process sandbox (its own data and its own documented 12/s limit, as separate Altur workspaces
 * are), one campaignctl workspace holding them all. `plan` (the refresh), then `apply` of one
 * list-only field edited on every campaign (retries: verified from the list, never a detail GET).
 * Figures per account from its sandbox's request log and the client's verbose response lines; the
 * target compares the whole command with the largest account bound (requests ÷ limit).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import type { JsonObject } from "../../src/core/json.js";
import type { StateEntry } from "../../src/core/types.js";
import { providerById } from "../../src/providers/registry.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";
import { alturSpec } from "./fixtures.js";
import { call, control, requestLog } from "./refresh.js";

export interface AccountsPhase {
  phase: "plan" | "apply";
  exitCode: number;
  wallMs: number;
  accounts: number;
  requests: number;
  /** Largest per-account requests ÷ limit. */
  maxBoundMs: number;
  /** Median and largest per-account wall / bound (first request → last response of that account). */
  medianAccountRatio: number;
  maxAccountRatio: number;
  detailGets: number;
  listGets: number;
  writes: number;
  throttled: number;
  summary: string;
}

export interface AccountsBenchOptions {
  accounts: number;
  perAccount: number;
  progress: (line: string) => void;
}

const API_KEY = "sandbox";
const LINE = /^altur\/(\S+) ([A-Z]+) (\S+) → (\d+) \((\d+) ms\)$/;

function accountName(a: number): string {
  return `acct-${String(a).padStart(2, "0")}`;
}

async function run(dir: string, argv: string[]): Promise<{ exitCode: number; events: Map<string, { from: number; to: number }>; stdout: string }> {
  const events = new Map<string, { from: number; to: number }>();
  let buffer = "";
  let stdout = "";
  const exitCode = await main(["--verbose", ...argv], {
    cwd: dir,
    env: { ALTUR_API_KEY: API_KEY },
    stdout: { isTTY: false, write: (s: string) => ((stdout = (stdout + s).slice(-4000)), true) },
    stderr: {
      isTTY: false,
      write: (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
          const m = LINE.exec(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (!m) continue;
          const e = events.get(m[1]!) ?? { from: now - Number(m[5]), to: now };
          e.from = Math.min(e.from, now - Number(m[5]));
          e.to = now;
          events.set(m[1]!, e);
        }
        return true;
      },
    },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
  });
  return { exitCode, events, stdout };
}

export async function runAccountsBench(opts: AccountsBenchOptions): Promise<AccountsPhase[]> {
  const limit = providerById("altur").connection.defaultRequestsPerSecond;
  const sandboxes: RunningSandbox[] = [];
  const dir = await mkdtemp(join(tmpdir(), "campaignctl-bench-accounts-"));
  try {
    opts.progress(`accounts: ${opts.accounts} Altur accounts × ${opts.perAccount} campaigns, each its own sandbox at ${limit}/s`);
    const campaigns: Record<string, StateEntry> = {};
    const appliedAt = new Date().toISOString();
    await mkdir(join(dir, "campaigns"), { recursive: true });
    const specs: { account: string; name: string; spec: JsonObject }[] = [];
    for (let a = 0; a < opts.accounts; a++) {
      const sb = await startSandbox({ port: 0, apiKey: API_KEY, log: () => {} });
      sandboxes.push(sb);
      const account = accountName(a);
      for (let i = 0; i < opts.perAccount; i++) {
        const spec = alturSpec(i);
        const { status: _s, ...create } = spec;
        const id = String((call(sb, "altur", "POST", "/campaigns", create).body as { campaign: { id: number } }).campaign.id);
        if (!sb.simulators.altur.forceStatus(id, spec.status as string)) throw new Error(`accounts: cannot set ${id} to ${String(spec.status)}`);
        const name = `${account}-c${String(i).padStart(4, "0")}`;
        campaigns[`altur/${account}/${name}`] = { provider: "altur", account, kind: "AlturCampaign", id, appliedAt, applied: spec, observed: { status: spec.status as string } };
        specs.push({ account, name, spec });
      }
    }
    await writeFile(
      join(dir, "campaignctl.yaml"),
      stringify({ apiVersion: "campaignctl/v1", accounts: sandboxes.map((sb, a) => ({ provider: "altur", name: accountName(a), apiKeyEnv: "ALTUR_API_KEY", baseUrl: sb.urls.altur })) }),
    );
    await writeFile(join(dir, "campaignctl.state.json"), `${JSON.stringify({ version: 1, campaigns }, null, 2)}\n`);
    const writeFiles = async (edit: (s: JsonObject) => JsonObject) => {
      for (let k = 0; k < specs.length; k += 200) {
        await Promise.all(
          specs.slice(k, k + 200).map(({ account, name, spec }) =>
            writeFile(join(dir, "campaigns", `${name}.yaml`), stringify({ apiVersion: "campaignctl/v1", kind: "AlturCampaign", metadata: { name, account }, spec: edit(spec) })),
          ),
        );
      }
    };
    await writeFiles((s) => s);

    const phases: AccountsPhase[] = [];
    const measure = async (phase: "plan" | "apply", argv: string[]): Promise<void> => {
      for (const sb of sandboxes) {
        await control(sb, "altur", "PUT", "/faults", { requestsPerSecond: null });
        await control(sb, "altur", "DELETE", "/requests");
      }
      opts.progress(`accounts: campaignctl ${argv.join(" ")}`);
      const started = performance.now();
      const r = await run(dir, argv);
      const wallMs = performance.now() - started;
      let requests = 0;
      let maxBoundMs = 0;
      let detailGets = 0;
      let listGets = 0;
      let writes = 0;
      let throttled = 0;
      const ratios: number[] = [];
      for (const [a, sb] of sandboxes.entries()) {
        const log = await requestLog(sb, "altur");
        requests += log.length;
        const bound = (log.length / limit) * 1000;
        maxBoundMs = Math.max(maxBoundMs, bound);
        detailGets += log.filter((e) => e.method === "GET" && /^\/api\/v1\.0\/campaigns\/\d+$/.test(e.path)).length;
        listGets += log.filter((e) => e.method === "GET" && /^\/api\/v1\.0\/campaigns$/.test(e.path)).length;
        writes += log.filter((e) => e.method !== "GET").length;
        throttled += log.filter((e) => e.status === 429).length;
        const ev = r.events.get(accountName(a));
        if (ev && bound > 0) ratios.push((ev.to - ev.from) / bound);
      }
      ratios.sort((x, y) => x - y);
      const summary = /(Apply (?:finished|interrupted): [^\n]*|Plan: [^\n]*|No changes[^\n]*)/.exec(r.stdout)?.[0] ?? "(no summary line)";
      phases.push({ phase, exitCode: r.exitCode, wallMs, accounts: opts.accounts, requests, maxBoundMs, medianAccountRatio: ratios[Math.floor(ratios.length / 2)] ?? 0, maxAccountRatio: ratios.at(-1) ?? 0, detailGets, listGets, writes, throttled, summary });
      opts.progress(`  exit ${r.exitCode} in ${(wallMs / 1000).toFixed(1)} s: ${summary}`);
    };
    await writeFiles((s) => ({ ...s, retries: (((s.retries as number) ?? 0) + 1) % 6 }));
    await measure("plan", ["plan"]);
    await measure("apply", ["apply", "--auto-approve", "--force"]);
    return phases;
  } finally {
    for (const sb of sandboxes) await sb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
