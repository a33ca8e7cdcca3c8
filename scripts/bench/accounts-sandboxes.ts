/**
 * The accounts benchmark's sandbox host (issue 30): a process of its own, forked by accounts.ts, holding
 * one sandbox per Altur account on 127.0.0.1 (each its own data and its own documented 12/s limit, as
 * separate Altur workspaces are). Keeping them out of the process under test means the CLI's figures
 * (wall, CPU) are its own, not the simulators'. Driven over the IPC channel:
 *   { op: "seed", accounts, perAccount } → { op: "seeded", urls, ids } (seeded through handle(): no HTTP)
 *   { op: "reset" }                      → { op: "reset" } (default limits, request logs cleared)
 *   { op: "logs" }                       → { op: "logs", accounts: [{ requests, listGets, detailGets, writes, throttled, firstAt, lastAt, firstWriteAt, longestWriteGapMs }] }
 *   { op: "stop" }                       → exits once every listener is closed
 */
import { alturSpec } from "./fixtures.js";
import { call, control, requestLog } from "./refresh.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";

export interface AccountLog {
  requests: number;
  listGets: number;
  detailGets: number;
  writes: number;
  throttled: number;
  /** Arrival of the first and last request (ms since the epoch); 0 when none arrived. */
  firstAt: number;
  lastAt: number;
  /** Arrival of the first write (ms since the epoch); 0 when none arrived. */
  firstWriteAt: number;
  /** The largest gap between two writes in a row (ms): a stall of the CLI's event loop shows here. */
  longestWriteGapMs: number;
  /** With BENCH_ACCOUNTS_TIMELINE: each request's arrival (ms since the epoch) and whether it was a GET ("G") or a write ("W"). */
  timeline?: [number, string][];
}

export type HostRequest = { op: "seed"; accounts: number; perAccount: number } | { op: "reset" } | { op: "logs" } | { op: "stop" };
export type HostAnswer =
  | { op: "seeded"; urls: string[]; ids: string[][] }
  | { op: "reset" }
  | { op: "logs"; accounts: AccountLog[] }
  | { op: "error"; message: string };

const API_KEY = "sandbox";
const sandboxes: RunningSandbox[] = [];

async function handle(msg: HostRequest): Promise<HostAnswer | undefined> {
  if (msg.op === "seed") {
    const ids: string[][] = [];
    for (let a = 0; a < msg.accounts; a++) {
      const sb = await startSandbox({ host: "127.0.0.1", port: 0, apiKey: API_KEY, log: () => {} });
      sandboxes.push(sb);
      const mine: string[] = [];
      for (let i = 0; i < msg.perAccount; i++) {
        const { status, ...create } = alturSpec(i);
        const id = String((call(sb, "altur", "POST", "/campaigns", create).body as { campaign: { id: number } }).campaign.id);
        if (!sb.simulators.altur.forceStatus(id, status as string)) throw new Error(`cannot set campaign ${id} to ${String(status)}`);
        mine.push(id);
      }
      ids.push(mine);
    }
    return { op: "seeded", urls: sandboxes.map((sb) => sb.urls.altur), ids };
  }
  if (msg.op === "reset") {
    for (const sb of sandboxes) {
      await control(sb, "altur", "PUT", "/faults", { requestsPerSecond: null });
      await control(sb, "altur", "DELETE", "/requests");
    }
    return { op: "reset" };
  }
  if (msg.op === "logs") {
    const accounts: AccountLog[] = [];
    for (const sb of sandboxes) {
      const log = await requestLog(sb, "altur");
      const times = log.map((e) => Date.parse(e.at));
      accounts.push({
        requests: log.length,
        listGets: log.filter((e) => e.method === "GET" && /^\/api\/v1\.0\/campaigns$/.test(e.path)).length,
        detailGets: log.filter((e) => e.method === "GET" && /^\/api\/v1\.0\/campaigns\/\d+$/.test(e.path)).length,
        writes: log.filter((e) => e.method !== "GET").length,
        throttled: log.filter((e) => e.status === 429).length,
        firstAt: times.length > 0 ? Math.min(...times) : 0,
        lastAt: times.length > 0 ? Math.max(...times) : 0,
        ...writeTimes(log),
        ...(process.env.BENCH_ACCOUNTS_TIMELINE ? { timeline: log.map((e): [number, string] => [Date.parse(e.at), e.method === "GET" ? "G" : "W"]) } : {}),
      });
    }
    return { op: "logs", accounts };
  }
  for (const sb of sandboxes) await sb.stop();
  process.disconnect?.();
  return undefined;
}

function writeTimes(log: readonly { method: string; at: string }[]): { firstWriteAt: number; longestWriteGapMs: number } {
  const at = log.filter((e) => e.method !== "GET").map((e) => Date.parse(e.at));
  let longest = 0;
  for (let i = 1; i < at.length; i++) longest = Math.max(longest, at[i]! - at[i - 1]!);
  return { firstWriteAt: at[0] ?? 0, longestWriteGapMs: longest };
}

process.on("message", (msg: HostRequest) => {
  handle(msg).then(
    (answer) => answer && process.send?.(answer),
    (err: unknown) => process.send?.({ op: "error", message: err instanceof Error ? err.message : String(err) }),
  );
});
