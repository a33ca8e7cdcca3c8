/**
 * The sandbox framework (src/sandbox/server.ts) and the `campaignctl sandbox` command, over real HTTP
 * on 127.0.0.1: listeners and URLs, control endpoints, the request log, fault injection, rate limits,
 * auth per provider, body limits, persistence with --data, clean shutdown.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { stopSandboxCommands } from "../src/cli/commands/sandbox.js";
import { SIMULATED as PROVIDERS, type SimulatedProvider } from "../src/sandbox/types.js";
import { SandboxError, startSandbox } from "../src/sandbox/server.js";
import { authHeaders, startTestSandbox, type TestSandbox } from "./support/sandbox.js";

const OWNER = "e0000000-0000-4000-8000-000000000001";
const STYLE = "e0000000-0000-4000-8000-000000000002";
const CONTEXT = "e0000000-0000-4000-8000-000000000003";
const TOPIC = "e0000000-0000-4000-8000-000000000004";

/** A complete, valid Extrovert create body: the simplest real write that changes simulator state. */
function extrovertCampaign(name = "Framework test"): Record<string, unknown> {
  return {
    ownerId: OWNER,
    type: "KEYWORD",
    name,
    userStyleId: STYLE,
    userContextId: CONTEXT,
    postMaxAgeDays: 30,
    skipTeammatesLeads: false,
    isIndirectEngagementEnabled: false,
    postActivityFilter: {
      emotionTypes: [],
      monitoredTopicIds: [TOPIC],
      isShowImportantTargetUsersFirstEnabled: false,
      isShowDirectPostFirstEnabled: false,
      minPostLikes: 0,
    },
    connectingSettings: {
      isSendConnectionRequestEnabled: false,
      sendConnectionRequestOnDirectCommentCount: 0,
      isSendConnectionRequestOnIndirectCommentEnabled: false,
      sendConnectionRequestOnIndirectCommentCount: 0,
      isSendConnectionRequestOnTimeoutEnabled: false,
      sendConnectionRequestOnTimeoutDays: 0,
      isSendConnectionRequestOnNoPostsEnabled: false,
    },
    dmSettings: {
      isGenerateDmEnabled: false,
      isGenerateDmOnConnectEnabled: false,
      generateDmOnConnectAfterDaysCount: 0,
      isGenerateDmOnRelevantPostEnabled: false,
      generateDmOnRelevantPostAfterDaysCount: 0,
      isGenerateDmOnTimeoutEnabled: false,
      generateDmOnTimeoutAfterDaysCount: 0,
    },
  };
}

function capture() {
  let text = "";
  return {
    write: (s: string) => ((text += s), true),
    get text() {
      return text;
    },
  };
}

async function until<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function control(origin: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${origin}/__sandbox${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** Hold a port on 127.0.0.1 so the sandbox cannot take it. */
async function occupy(port = 0): Promise<Server> {
  const server = createServer();
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  return server;
}
const portOf = (server: Server): number => (server.address() as AddressInfo).port;
const close = (server: Server): Promise<void> => new Promise((ok) => server.close(() => ok()));

describe("listeners and URLs", () => {
  it("port 0 gives each provider its own free port and the documented base URLs", async () => {
    const sb = await startSandbox({ port: 0 });
    try {
      expect(sb.urls.extrovert).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webgateway\/api\/client\/v2$/);
      expect(sb.urls.puffle).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sb.urls.altur).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0$/);
      for (const p of PROVIDERS) expect(sb.urls[p].startsWith(sb.origins[p])).toBe(true);
      expect(new Set(PROVIDERS.map((p) => sb.origins[p])).size).toBe(3);
      for (const p of PROVIDERS) expect(sb.simulators[p].provider).toBe(p);
    } finally {
      await sb.stop();
    }
  });

  it("a base port puts Extrovert on it, Puffle on port+1 and Altur on port+2", async () => {
    let sb;
    for (let attempt = 0; sb === undefined && attempt < 10; attempt++) {
      const probe = await occupy(0);
      const base = portOf(probe);
      await close(probe);
      if (base > 65533) continue;
      sb = await startSandbox({ port: base }).catch((err: unknown) => {
        if (err instanceof SandboxError && /in use/.test(err.message)) return undefined;
        throw err;
      });
      if (sb !== undefined) {
        try {
          expect(sb.origins).toEqual({
            extrovert: `http://127.0.0.1:${base}`,
            puffle: `http://127.0.0.1:${base + 1}`,
            altur: `http://127.0.0.1:${base + 2}`,
          });
          expect(sb.urls.extrovert).toBe(`http://127.0.0.1:${base}/webgateway/api/client/v2`);
        } finally {
          await sb.stop();
        }
      }
    }
    expect(sb).toBeDefined();
  });

  it("a port already in use → SandboxError naming the port, nothing left listening", async () => {
    const blocker = await occupy(0);
    const port = portOf(blocker);
    try {
      // Extrovert would take port-2, Puffle port-1, Altur the blocked port.
      const err = await startSandbox({ port: port - 2 }).then(
        async (sb) => {
          await sb.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      if (err === undefined) return; // port-2/port-1 were taken by someone else first: nothing to assert
      expect(err).toBeInstanceOf(SandboxError);
      expect((err as Error).message).toMatch(new RegExp(`port (${port}|${port - 1}|${port - 2}) on 127\\.0\\.0\\.1 .*already in use`));
    } finally {
      await close(blocker);
    }
  });

  it("an invalid port → SandboxError", async () => {
    await expect(startSandbox({ port: 70000 })).rejects.toThrow(/invalid port 70000/);
    await expect(startSandbox({ port: 1.5 })).rejects.toThrow(SandboxError);
  });

  it("stop() closes promptly although a client holds a keep-alive connection", async () => {
    const sb = await startSandbox({ port: 0 });
    const res = await fetch(`${sb.urls.extrovert}/user/team-members`, { headers: authHeaders("extrovert", "sandbox") });
    expect(res.status).toBe(200);
    await res.text();
    const t0 = Date.now();
    await sb.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(fetch(`${sb.origins.extrovert}/__sandbox/faults`)).rejects.toThrow();
  });
});

describe("control endpoints and the request log", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ apiKey: "k-SECRET-7f3a9", rateLimits: false });
  });
  afterAll(async () => {
    await sb.stop();
  });
  beforeEach(async () => {
    await sb.reset();
  });

  it("GET /__sandbox/campaigns lists what the provider's simulator stores", async () => {
    expect(await sb.campaigns("extrovert")).toEqual([]);
    const created = await sb.request("extrovert", "POST", "/campaign", extrovertCampaign("Listed"));
    expect(created.status).toBe(201);
    const list = await sb.campaigns("extrovert");
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: created.body.data.id, name: "Listed" });
    expect(await sb.campaigns("puffle")).toEqual(sb.simulators.puffle.listCampaigns());
  });

  it("POST /__sandbox/campaigns/{id}/status forces a status; unknown id → 404; bad status → 400 with the simulator's message", async () => {
    const id = (await sb.request("extrovert", "POST", "/campaign", extrovertCampaign())).body.data.id as string;
    const forced = await control(sb.origins.extrovert, "POST", `/campaigns/${id}/status`, { status: "PAUSED" });
    expect(forced).toEqual({ status: 200, body: { id, status: "PAUSED" } });
    expect((await sb.campaigns("extrovert"))[0].status).toBe("PAUSED");

    const missing = await control(sb.origins.extrovert, "POST", "/campaigns/e0000000-0000-4000-8000-00000000ffff/status", { status: "PAUSED" });
    expect(missing.status).toBe(404);

    const bad = await control(sb.origins.extrovert, "POST", `/campaigns/${id}/status`, { status: "paused!" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/UPPER_CASE/);

    expect((await control(sb.origins.extrovert, "POST", `/campaigns/${id}/status`, { state: "X" })).status).toBe(400);
    expect((await control(sb.origins.extrovert, "POST", `/campaigns/${id}/status`, "{nope")).status).toBe(400);
  });

  it("the request log records method, path without query, query, parsed body, status and headers", async () => {
    await sb.request("extrovert", "GET", "/user/team-members?registrationType=NEW_USER_SIGNUP&x=1");
    const body = extrovertCampaign("Logged");
    await sb.request("extrovert", "POST", "/campaign", body, { headers: { "x-trace": "t-1" } });
    const log = await sb.requests("extrovert");
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      method: "GET",
      path: "/webgateway/api/client/v2/user/team-members",
      query: { registrationType: "NEW_USER_SIGNUP", x: "1" },
      status: 200,
    });
    expect(log[0]?.body).toBeUndefined();
    expect(log[1]).toMatchObject({ method: "POST", path: "/webgateway/api/client/v2/campaign", query: {}, body, status: 201 });
    expect(log[1]?.headers["x-trace"]).toBe("t-1");
    expect(log[1]?.headers["content-type"]).toBe("application/json");
    expect(Number.isNaN(Date.parse(log[1]?.at ?? ""))).toBe(false);
    // Other listeners keep their own log.
    expect(await sb.requests("altur")).toEqual([]);
  });

  it("the API key never appears in the request log, whatever the provider's header form", async () => {
    for (const p of PROVIDERS) {
      await sb.request(p, "GET", "/anything", undefined, { headers: { cookie: "session=k-SECRET-7f3a9" } });
      await sb.request(p, "GET", "/anything", undefined, { auth: "k-SECRET-7f3a9-wrong" });
      const log = await sb.requests(p);
      expect(log).toHaveLength(2);
      const text = JSON.stringify(log);
      expect(text).not.toContain("k-SECRET");
      for (const entry of log) {
        expect(Object.keys(entry.headers)).not.toContain("authorization");
        expect(Object.keys(entry.headers)).not.toContain("x-api-key");
        expect(Object.keys(entry.headers)).not.toContain("cookie");
      }
    }
  });

  it("DELETE /__sandbox/requests clears that listener's log", async () => {
    await sb.request("extrovert", "GET", "/user/team-members");
    expect(await sb.requests("extrovert")).toHaveLength(1);
    await sb.clearRequests("extrovert");
    expect(await sb.requests("extrovert")).toEqual([]);
  });

  it("control requests are not logged and need no key", async () => {
    await control(sb.origins.extrovert, "GET", "/faults");
    await control(sb.origins.extrovert, "GET", "/campaigns");
    expect(await sb.requests("extrovert")).toEqual([]);
  });

  it("POST /__sandbox/reset resets every simulator, clears every log and every fault setting", async () => {
    await sb.request("extrovert", "POST", "/campaign", extrovertCampaign());
    await sb.setFaults("altur", { latencyMs: 5, errorStatus: 502 });
    await sb.request("puffle", "GET", "/api/campaigns");
    expect(await sb.campaigns("extrovert")).toHaveLength(1);

    const res = await control(sb.origins.puffle, "POST", "/reset");
    expect(res.status).toBe(204);
    expect(await sb.campaigns("extrovert")).toEqual([]);
    for (const p of PROVIDERS) {
      expect(await sb.requests(p)).toEqual([]);
      expect((await control(sb.origins[p], "GET", "/faults")).body).toEqual({
        latencyMs: 0,
        errorRate: 0,
        errorStatus: 503,
        resetRate: 0,
        requestsPerSecond: null,
        seed: null,
      });
      expect((await control(sb.origins[p], "GET", "/answers")).body).toEqual([]);
    }
  });

  it("unknown control endpoint → 404; wrong method → 405 with Allow", async () => {
    expect((await control(sb.origins.altur, "GET", "/nope")).status).toBe(404);
    const res = await fetch(`${sb.origins.altur}/__sandbox/reset`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("fault injection", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ rateLimits: false });
  });
  afterAll(async () => {
    await sb.stop();
  });
  beforeEach(async () => {
    await sb.reset();
  });

  it("PUT /__sandbox/faults merges partial settings and GET returns them", async () => {
    expect(await sb.setFaults("puffle", { latencyMs: 10 })).toEqual({
      latencyMs: 10,
      errorRate: 0,
      errorStatus: 503,
      resetRate: 0,
      requestsPerSecond: 0,
      seed: null,
    });
    await sb.setFaults("puffle", { errorStatus: 502, requestsPerSecond: null });
    expect((await control(sb.origins.puffle, "GET", "/faults")).body).toEqual({
      latencyMs: 10,
      errorRate: 0,
      errorStatus: 502,
      resetRate: 0,
      requestsPerSecond: null,
      seed: null,
    });
    // Faults are per listener.
    expect((await control(sb.origins.altur, "GET", "/faults")).body.latencyMs).toBe(0);
  });

  it.each([
    [{ errorRate: 1.5 }, /errorRate must be a number between 0 and 1/],
    [{ resetRate: -0.1 }, /resetRate/],
    [{ errorStatus: 200 }, /errorStatus must be an integer HTTP status between 400 and 599/],
    [{ errorStatus: "503" }, /errorStatus/],
    [{ latencyMs: -1 }, /latencyMs/],
    [{ requestsPerSecond: "fast" }, /requestsPerSecond/],
    [{ retries: 3 }, /unknown setting "retries"/],
    [{ seed: 1.5 }, /seed must be null \(unseeded\) or an integer/],
    [{ seed: "42" }, /seed/],
    [[1, 2], /JSON object/],
  ])("PUT /__sandbox/faults %j → 400 and nothing changes", async (body, message) => {
    const res = await control(sb.origins.extrovert, "PUT", "/faults", body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect((await control(sb.origins.extrovert, "GET", "/faults")).body.errorRate).toBe(0);
  });

  it("errorRate 1 → every request answers errorStatus in the provider's error shape; the simulator is not called", async () => {
    await sb.setFaults("extrovert", { errorRate: 1, errorStatus: 502 });
    const res = await sb.request("extrovert", "POST", "/campaign", extrovertCampaign());
    expect(res.status).toBe(502);
    expect(res.body).toEqual(sb.simulators.extrovert.error(502, res.body.message).body);
    expect(res.body).toMatchObject({ status: "error", data: null, statusCode: 502 });
    expect(await sb.campaigns("extrovert")).toEqual([]);
    const log = await sb.requests("extrovert");
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: "POST", status: 502 });
    expect(log[0]?.body).toMatchObject({ name: "Framework test" });
  });

  it("a seed makes the faults repeatable: the same seed gives the same statuses, request by request", async () => {
    const seed = 20261207;
    console.log(`[sandbox-framework] fault seed ${seed}`);
    const statuses = async (): Promise<number[]> => {
      await sb.setFaults("altur", { errorRate: 0.5, errorStatus: 503, seed });
      const out: number[] = [];
      for (let i = 0; i < 30; i += 1) out.push((await sb.request("altur", "GET", "/campaigns")).status);
      return out;
    };
    const first = await statuses();
    expect(await statuses()).toEqual(first);
    // Both outcomes occur (fixed by the seed, not by chance), and another seed gives another sequence.
    expect(new Set(first)).toEqual(new Set([200, 503]));
    await sb.setFaults("altur", { seed: seed + 1 });
    const other: number[] = [];
    for (let i = 0; i < 30; i += 1) other.push((await sb.request("altur", "GET", "/campaigns")).status);
    expect(other).not.toEqual(first);
  });

  it("PUT /__sandbox/answers: a canned answer by method and path replaces the simulator's; [] removes it", async () => {
    await sb.setAnswers("puffle", [{ method: "post", path: "/api/campaigns/*/leads", status: 200, body: {} }]);
    const canned = await sb.request("puffle", "POST", "/api/campaigns/abc/leads", { prospects: [{ email: "a@example.com" }] });
    expect([canned.status, canned.body]).toEqual([200, {}]);
    // Other paths and methods reach the simulator; the canned request is logged.
    expect((await sb.request("puffle", "GET", "/api/campaigns")).status).toBe(200);
    expect((await sb.request("puffle", "POST", "/api/campaigns/abc/leads/extra", {})).status).toBe(404);
    expect((await sb.requests("puffle")).map((e) => [e.method, e.path, e.status])).toEqual([
      ["POST", "/api/campaigns/abc/leads", 200],
      ["GET", "/api/campaigns", 200],
      ["POST", "/api/campaigns/abc/leads/extra", 404],
    ]);
    // Auth still comes first.
    expect((await sb.request("puffle", "POST", "/api/campaigns/abc/leads", {}, { auth: false })).status).toBe(401);
    const bad = await control(sb.origins.puffle, "PUT", "/answers", [{ method: "POST", path: "leads", status: 99 }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/\[0\]\.path must be a request path.*\[0\]\.status must be an integer HTTP status/);
    await sb.setAnswers("puffle", []);
    expect((await sb.request("puffle", "POST", "/api/campaigns/abc/leads", { prospects: [] })).status).not.toBe(200);
  });

  it("an injected 429 carries Retry-After", async () => {
    await sb.setFaults("altur", { errorRate: 1, errorStatus: 429 });
    const res = await sb.request("altur", "GET", "/campaigns");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
  });

  it("resetRate 1 → the connection is destroyed without an answer and nothing changes", async () => {
    await sb.setFaults("extrovert", { resetRate: 1 });
    await expect(sb.request("extrovert", "POST", "/campaign", extrovertCampaign())).rejects.toThrow();
    expect(await sb.campaigns("extrovert")).toEqual([]);
    expect(await sb.requests("extrovert")).toEqual([]);
    await sb.setFaults("extrovert", { resetRate: 0 });
    expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
  });

  it("latencyMs delays every provider request", async () => {
    await sb.setFaults("extrovert", { latencyMs: 250 });
    const t0 = Date.now();
    const res = await sb.request("extrovert", "GET", "/user/team-members");
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });
});

describe("rate limit", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => {
    await sb.stop();
  });
  beforeEach(async () => {
    await sb.reset();
  });

  it("the simulator's default applies: Extrovert allows a burst of 10 per key, then 429 + Retry-After", async () => {
    // One concurrent burst (robust on a loaded machine): 10 pass, plus at most the 10/s refill during the burst.
    const started = Date.now();
    const statuses = (await Promise.all(Array.from({ length: 60 }, () => sb.request("extrovert", "GET", "/user/team-members")))).map((r) => r.status);
    const elapsedS = (Date.now() - started) / 1000;
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil(elapsedS * 10));
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
    expect(statuses).toContain(429);
  });

  it("requestsPerSecond n → burst of n, then 429 with Retry-After (whole seconds ≥ 1) and the provider's error body, then recovery", async () => {
    await sb.setFaults("extrovert", { requestsPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
    const limited = await sb.request("extrovert", "GET", "/user/team-members");
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(limited.body).toEqual({ status: "error", data: null, message: "Too many requests", statusCode: 429 });
    expect((await sb.requests("extrovert")).map((e) => e.status)).toEqual([200, 200, 200, 429]);

    await new Promise((r) => setTimeout(r, Number(retryAfter) * 1000));
    expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
  });

  it("buckets are per API key", async () => {
    await sb.setFaults("extrovert", { requestsPerSecond: 1 });
    expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
    expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(429);
    // Another key has a full bucket of its own (and is then refused for being wrong).
    expect((await sb.request("extrovert", "GET", "/user/team-members", undefined, { auth: "other" })).status).toBe(401);
  });

  it("requestsPerSecond 0 → unlimited", async () => {
    await sb.setFaults("extrovert", { requestsPerSecond: 0 });
    for (let i = 0; i < 25; i++) expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
  });
});

describe("auth, bodies and failures", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox({ rateLimits: false });
  });
  afterAll(async () => {
    await sb.stop();
  });
  beforeEach(async () => {
    await sb.reset();
  });

  const PATHS: Record<SimulatedProvider, string> = { extrovert: "/user/team-members", puffle: "/api/campaigns", altur: "/campaigns" };

  it.each([
    ["extrovert", { "X-API-Key": "sandbox" }, [{ "X-API-Key": "wrong" }, { Authorization: "Bearer sandbox" }, {}]],
    ["puffle", { Authorization: "Bearer sandbox" }, [{ Authorization: "Bearer wrong" }, { "X-API-Key": "sandbox" }, { Authorization: "sandbox" }, {}]],
    ["altur", { Authorization: "api-key sandbox" }, [{ Authorization: "api-key wrong" }, { Authorization: "Bearer sandbox" }, { "X-API-Key": "sandbox" }, {}]],
  ] as const)("%s: only the documented header form %j passes; anything else → 401 in the provider's shape", async (provider, good, bad) => {
    const ok = await sb.request(provider, "GET", PATHS[provider], undefined, { auth: false, headers: good });
    expect(ok.status).not.toBe(401);
    for (const headers of bad) {
      const res = await sb.request(provider, "GET", PATHS[provider], undefined, { auth: false, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.body).toEqual(sb.simulators[provider].error(401, "Missing or invalid API key").body);
    }
  });

  it("header names are case-insensitive", async () => {
    const res = await sb.request("extrovert", "GET", PATHS.extrovert, undefined, { auth: false, headers: { "x-api-key": "sandbox" } });
    expect(res.status).toBe(200);
  });

  it("a body above 1 MB → 413 in the provider's shape, nothing stored", async () => {
    const huge = { ...extrovertCampaign(), name: "x".repeat(1024 * 1024 + 10) };
    const res = await sb.request("extrovert", "POST", "/campaign", huge);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: "error", statusCode: 413 });
    expect(await sb.campaigns("extrovert")).toEqual([]);
    // A chunked upload without Content-Length is cut off at the limit too.
    const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const chunked = await fetch(`${sb.urls.extrovert}/campaign`, {
      method: "POST",
      headers: { "x-api-key": "sandbox", "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The listener is still healthy.
    expect((await sb.request("extrovert", "GET", "/user/team-members")).status).toBe(200);
  });

  it("a body just under 1 MB is accepted by the framework", async () => {
    const big = { ...extrovertCampaign(), name: "x".repeat(1000 * 1000) };
    const res = await sb.request("extrovert", "POST", "/campaign", big);
    expect(res.status).toBe(201);
  });

  it("malformed JSON → 400 in the provider's shape; the simulator is not called", async () => {
    for (const p of PROVIDERS) {
      const res = await sb.request(p, "POST", p === "extrovert" ? "/campaign" : p === "puffle" ? "/api/campaigns" : "/campaigns", undefined, {
        rawBody: '{"name": ',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(sb.simulators[p].error(400, res.body.message ?? res.body.error).body);
    }
    expect(await sb.campaigns("extrovert")).toEqual([]);
    const log = await sb.requests("extrovert");
    expect(log[0]).toMatchObject({ status: 400, body: '{"name": ' });
  });

  it("a non-JSON Content-Type → 415", async () => {
    const res = await sb.request("extrovert", "POST", "/campaign", undefined, { rawBody: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ status: "error", statusCode: 415 });
  });

  it("a path outside the simulator's base paths → 404 in the provider's shape", async () => {
    const res = await sb.request("extrovert", "GET", "/../../v9/other");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: "error", statusCode: 404 });
  });

  it("a simulator exception → 500 in the provider's shape, reported once, the server keeps serving", async () => {
    const lines: string[] = [];
    const own = await startSandbox({ port: 0, log: (l) => lines.push(l) });
    try {
      // The only way to make a correct simulator throw: swap its handler on this instance.
      const sim = own.simulators.extrovert as { handle: (r: unknown) => unknown };
      const original = sim.handle;
      sim.handle = () => {
        throw new Error("boom in handler");
      };
      const headers = { "x-api-key": "sandbox" };
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${own.urls.extrovert}/user/team-members`, { headers });
        expect(res.status).toBe(500);
        expect(await res.json()).toMatchObject({ status: "error", data: null, statusCode: 500 });
      }
      expect(lines.filter((l) => l.includes("boom in handler"))).toHaveLength(1);
      sim.handle = original;
      expect((await fetch(`${own.urls.extrovert}/user/team-members`, { headers })).status).toBe(200);
    } finally {
      await own.stop();
    }
  });
});

describe("persistence with a data file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "campaignctl-sandbox-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("state survives a restart; GETs do not rewrite the file; no temp files are left behind", async () => {
    const file = join(dir, "state", "sandbox.json");
    let sb = await startTestSandbox({ dataFile: file, rateLimits: false });
    const before = JSON.parse(await readFile(file, "utf8"));
    expect(before).toMatchObject({ format: "campaignctl-sandbox", version: 1 });
    const id = (await sb.request("extrovert", "POST", "/campaign", extrovertCampaign("Persisted"))).body.data.id as string;
    const afterWrite = await readFile(file, "utf8");
    expect(afterWrite).toContain("Persisted");
    await sb.request("extrovert", "GET", `/campaign/${id}`);
    expect(await readFile(file, "utf8")).toBe(afterWrite);
    await sb.stop();

    sb = await startTestSandbox({ dataFile: file, rateLimits: false });
    try {
      const res = await sb.request("extrovert", "GET", `/campaign/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id, name: "Persisted", status: "ACTIVE" });
      expect(await readdir(join(dir, "state"))).toEqual(["sandbox.json"]);
    } finally {
      await sb.stop();
    }
  });

  it("concurrent writes are serialised: after a burst every change is in the file, which is always valid JSON", async () => {
    const file = join(dir, "burst.json");
    const sb = await startTestSandbox({ dataFile: file, rateLimits: false });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sb.request("extrovert", "POST", "/campaign", extrovertCampaign(`Burst ${i}`))),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      // Each 201 is sent only after a write that includes it: the file already holds all 20.
      const doc = JSON.parse(await readFile(file, "utf8"));
      expect(doc.providers.extrovert.campaigns).toHaveLength(20);
      expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await sb.stop();
    }
  });

  it("reset and forced statuses are persisted too", async () => {
    const file = join(dir, "control.json");
    let sb = await startTestSandbox({ dataFile: file, rateLimits: false });
    const id = (await sb.request("extrovert", "POST", "/campaign", extrovertCampaign())).body.data.id as string;
    await sb.forceStatus("extrovert", id, "PAUSED");
    await sb.stop();
    sb = await startTestSandbox({ dataFile: file, rateLimits: false });
    expect((await sb.campaigns("extrovert"))[0].status).toBe("PAUSED");
    await sb.reset();
    await sb.stop();
    sb = await startTestSandbox({ dataFile: file });
    try {
      expect(await sb.campaigns("extrovert")).toEqual([]);
    } finally {
      await sb.stop();
    }
  });

  it.each([
    ["not JSON", "{ this is not json", /corrupt \(not valid JSON/],
    ["empty", "", /corrupt/],
    ["another format", '{"campaigns": []}', /not a campaignctl sandbox data file/],
    ["bad provider state", '{"format":"campaignctl-sandbox","version":1,"providers":{"extrovert":{"version":99}}}', /unusable extrovert state/],
  ])("a data file that is %s → clear error, refuses to start, file untouched", async (_what, content, message) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, content);
    await expect(startSandbox({ port: 0, dataFile: file })).rejects.toThrow(message);
    expect(await readFile(file, "utf8")).toBe(content);
  });
});

describe("campaignctl sandbox", () => {
  it("prints one JSON line with the three URLs, serves requests, stops cleanly with exit 0", async () => {
    const stdout = capture();
    const stderr = capture();
    const exit = main(["sandbox", "--port", "0"], { stdout, stderr });
    const line = await until(() => (stdout.text.includes("\n") ? stdout.text : undefined), "the start-up line");
    expect(line.endsWith("\n")).toBe(true);
    expect(line.trim().split("\n")).toHaveLength(1);
    const urls = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(urls)).toEqual(["extrovert", "puffle", "altur"]);
    expect(urls.extrovert).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webgateway\/api\/client\/v2$/);
    expect(urls.puffle).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.altur).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\.0$/);

    const res = await fetch(`${urls.extrovert}/user/team-members`, { headers: { "X-API-Key": "sandbox" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data[0].id).toBe(OWNER);
    expect(stderr.text).toMatch(/Ctrl-C/);
    expect(stderr.text).toMatch(/X-API-Key: sandbox/);

    stopSandboxCommands();
    expect(await exit).toBe(0);
    expect(stdout.text).toBe(line);
    await expect(fetch(`${urls.extrovert}/user/team-members`)).rejects.toThrow();
  });

  it("--api-key is required on every request and never printed", async () => {
    const stdout = capture();
    const stderr = capture();
    const exit = main(["sandbox", "--port", "0", "--api-key", "k-PRIVATE-42"], { stdout, stderr });
    const urls = JSON.parse(await until(() => (stdout.text.includes("\n") ? stdout.text : undefined), "the start-up line"));
    expect((await fetch(`${urls.extrovert}/user/team-members`, { headers: { "X-API-Key": "sandbox" } })).status).toBe(401);
    expect((await fetch(`${urls.extrovert}/user/team-members`, { headers: { "X-API-Key": "k-PRIVATE-42" } })).status).toBe(200);
    stopSandboxCommands();
    expect(await exit).toBe(0);
    expect(stdout.text + stderr.text).not.toContain("k-PRIVATE-42");
  });

  it("--data keeps state across restarts of the command", async () => {
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-sandbox-cli-"));
    try {
      const run = async (fn: (urls: Record<string, string>) => Promise<void>): Promise<void> => {
        const stdout = capture();
        const exit = main(["sandbox", "--port", "0", "--data", "data.json"], { stdout, stderr: capture(), cwd: dir });
        await fn(JSON.parse(await until(() => (stdout.text.includes("\n") ? stdout.text : undefined), "the start-up line")));
        stopSandboxCommands();
        expect(await exit).toBe(0);
      };
      let id = "";
      await run(async (urls) => {
        const res = await fetch(`${urls.extrovert}/campaign`, {
          method: "POST",
          headers: { "X-API-Key": "sandbox", "content-type": "application/json" },
          body: JSON.stringify(extrovertCampaign("Via CLI")),
        });
        expect(res.status).toBe(201);
        id = ((await res.json()) as any).data.id;
      });
      await run(async (urls) => {
        const res = await fetch(`${urls.extrovert}/campaign/${id}`, { headers: { "X-API-Key": "sandbox" } });
        expect(((await res.json()) as any).data.name).toBe("Via CLI");
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a port in use → exit 1 with an error naming the port", async () => {
    const blocker = await occupy(0);
    const port = portOf(blocker);
    try {
      const stderr = capture();
      const code = await main(["sandbox", "--port", String(port)], { stdout: capture(), stderr });
      expect(code).toBe(1);
      expect(stderr.text).toMatch(new RegExp(`^error: port ${port} on 127\\.0\\.0\\.1 \\(extrovert simulator\\) is already in use`));
      expect(stderr.text).not.toMatch(/\n\s+at /);
    } finally {
      await close(blocker);
    }
  });

  it.each(["abc", "70000", "-1", "12.5", ""])("--port %j → exit 1 with a clear error", async (port) => {
    const stderr = capture();
    const code = await main(["sandbox", "--port", port], { stdout: capture(), stderr });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/invalid --port|error: option/);
  });

  it("a corrupt --data file → exit 1 and a clear error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "campaignctl-sandbox-cli-"));
    try {
      await writeFile(join(dir, "data.json"), "{oops");
      const stderr = capture();
      const code = await main(["sandbox", "--port", "0", "--data", "data.json"], { stdout: capture(), stderr, cwd: dir });
      expect(code).toBe(1);
      expect(stderr.text).toMatch(/^error: sandbox data file .*data\.json is corrupt/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("as a real process: answers curl-style requests and exits 0 on SIGINT (Ctrl-C)", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));", "sandbox", "--port", "0"],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
    try {
      const line = await until(() => (out.includes("\n") ? out : undefined), "the start-up line", 20_000);
      const urls = JSON.parse(line);
      const status = await new Promise<number>((ok, fail) => {
        const req = httpRequest(`${urls.extrovert}/user/team-members`, { headers: { "X-API-Key": "sandbox" } }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        req.on("error", fail);
        req.end();
      });
      expect(status).toBe(200);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
