import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { useSandbox } from "../support/sandbox.js";
import { alturPhone } from "./specs.js";
import { TestWorkspace } from "./workspace.js";

/**
 * Issue 31: a 429 with a long Retry-After stretched applies to minutes with nothing on screen. Each wait
 * is now capped (retryWait.maxSeconds), the waits of one request are bounded (retryWait.totalSeconds),
 * and every wait is one stderr line. The sandbox's rate-limit fault makes the long Retry-After: at
 * 1/120 request per second, the bucket holds one request and the next is answered 429, Retry-After 120.
 */
const sb = useSandbox({ rateLimits: false });

const RETRY_WAIT = { maxSeconds: 1, totalSeconds: 2.5 };

async function throttledWorkspace(): Promise<TestWorkspace> {
  const ws = await TestWorkspace.create(sb);
  // Only the Altur account is configured differently: the rest of the workspace keeps its defaults.
  const file = join(ws.dir, "campaignctl.yaml");
  const config = parse(await readFile(file, "utf8")) as { accounts: Array<Record<string, unknown>> };
  for (const a of config.accounts) if (a.provider === "altur") a.retryWait = RETRY_WAIT;
  await writeFile(file, stringify(config));
  await ws.write("calls", "AlturCampaign", alturPhone);
  await sb.setFaults("altur", { requestsPerSecond: 1 / 120 });
  return ws;
}

describe("a long Retry-After is capped, bounded per request, and shown while waiting", () => {
  it("Retry-After 120 → waits of 1 s each, shown on stderr; the request gives up within retryWait.totalSeconds", async () => {
    const ws = await throttledWorkspace();
    try {
      const started = performance.now();
      const res = await ws.run(["apply", "--auto-approve"]);
      const seconds = (performance.now() - started) / 1000;
      expect(res.code, res.stdout + res.stderr).toBe(1);
      const waits = res.stderr.split("\n").filter((l) => l.includes("waiting"));
      // The create's two waits, then the look-up by name that follows an unanswered create (also throttled).
      expect(waits.slice(0, 2)).toEqual([
        "altur/default: waiting 1 s before retrying create campaign (attempt 2): HTTP 429, Retry-After 120 s, capped at 1 s (retryWait.maxSeconds)",
        expect.stringMatching(/^altur\/default: waiting 1 s before retrying create campaign \(attempt 3\): HTTP 429, Retry-After 1\d\d s, capped at 1 s \(retryWait\.maxSeconds\)$/),
      ]);
      for (const line of waits.slice(2)) expect(line).toMatch(/^altur\/default: waiting 1 s before retrying list campaigns \(attempt \d\): HTTP 429, Retry-After 1\d\d s, capped at 1 s/);
      expect(waits.length).toBeLessThanOrEqual(4);
      expect(res.stdout).not.toMatch(/waiting \d/);
      // The failure says why it stopped waiting (the look-up after the unanswered create is what fails last).
      expect(res.stdout + res.stderr).toMatch(/altur: (create campaign|list campaigns) failed: 429 RATE_LIMITED .*gave up: another wait of 1 s would exceed the 2\.5 s this request may spend waiting on retries \(retryWait\.totalSeconds; [\d.]+ s waited\)/);
      // Two waits of 1 s, not 120 s: generous bound, far from the uncapped 240 s.
      expect(seconds).toBeLessThan(30);
      const log = await sb.requests("altur");
      expect(log[0] && `${log[0].method} ${log[0].status}`).toBe("GET 200");
      expect(log.filter((e) => e.method === "POST").map((e) => e.status)).toEqual([429, 429, 429]);
      expect(log.slice(1).every((e) => e.status === 429)).toBe(true);
      expect(await sb.campaigns("altur")).toEqual([]);
    } finally {
      await ws.dispose();
    }
  }, 60_000);

  it("--quiet shows no wait lines (the error still says why)", async () => {
    const ws = await throttledWorkspace();
    try {
      const res = await ws.run(["--quiet", "apply", "--auto-approve"]);
      expect(res.code, res.stdout + res.stderr).toBe(1);
      expect(res.stderr + res.stdout).not.toMatch(/waiting \d/);
      expect(res.stdout + res.stderr).toMatch(/retryWait\.totalSeconds/);
    } finally {
      await ws.dispose();
    }
  }, 60_000);

  it("retryWait outside 0–3600 is a located config error", async () => {
    const ws = await TestWorkspace.create(sb);
    try {
      const file = join(ws.dir, "campaignctl.yaml");
      const text = (await readFile(file, "utf8")).replace("provider: altur", "provider: altur\n    retryWait:\n      maxSeconds: -1");
      await writeFile(file, text);
      const res = await ws.run(["validate"]);
      expect(res.code).not.toBe(0);
      expect(res.stdout + res.stderr).toMatch(/campaignctl\.yaml:\d+:\d+.*maxSeconds/);
    } finally {
      await ws.dispose();
    }
  });
});
