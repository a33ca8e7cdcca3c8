import http from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import {
  ProviderApiError,
  ReadOnlyViolation,
  createHttpClient,
  parseErrorBody,
  parseRetryAfter,
} from "../src/http/index.js";
import type { HttpClientOptions, HttpEvent } from "../src/http/index.js";
import { NonJsonBody } from "../src/http/retry.js";
import { providerById } from "../src/providers/registry.js";

// ---------------------------------------------------------------------------------------------------
// Small real servers on 127.0.0.1:0

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen, index: number) => void;

const servers: TestServer[] = [];

async function serve(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        at: performance.now(),
      };
      seen.push(entry);
      handler(req, res, entry, seen.length - 1);
    });
  });
  const ts: TestServer = {
    url: "",
    port: 0,
    seen,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("connection", () => ts.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  ts.port = (server.address() as AddressInfo).port;
  ts.url = `http://127.0.0.1:${ts.port}/api/v1.0`;
  servers.push(ts);
  return ts;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const KEY = "sk_live_SECRET_4f9a1c77e2";

/** A client as openSessions makes one: the provider's error-body reading included. */
function client(url: string, over: Partial<HttpClientOptions> = {}) {
  const reader = providerById(over.provider ?? "altur").connection.parseErrorBody;
  return createHttpClient({
    ...(reader ? { parseErrorBody: reader } : {}),
    provider: "altur",
    account: "main",
    baseUrl: url,
    auth: { name: "Authorization", value: `api-key ${KEY}` },
    requestsPerSecond: 1000,
    concurrency: 8,
    readOnly: false,
    backoff: { baseMs: 10, capMs: 50 },
    ...over,
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the request to fail");
}

function expectNoKey(value: unknown): void {
  const forms = [
    JSON.stringify(value),
    inspect(value, { depth: Infinity, showHidden: true }),
    value instanceof Error ? `${value.message}\n${value.stack}` : "",
  ];
  for (const f of forms) {
    expect(f).not.toContain(KEY);
    expect(f).not.toContain("SECRET_4f9a");
  }
}

// ---------------------------------------------------------------------------------------------------

describe("requests", () => {
  it("sends the auth header, query and JSON body and parses the JSON answer", async () => {
    const s = await serve((_req, res) => json(res, 200, { success: true, id: 12 }));
    const c = client(s.url, { userAgent: "campaignctl-test" });
    const r = await c.request<{ id: number }>({
      method: "PATCH",
      path: "/campaigns/12",
      query: { pageSize: 50, cursor: undefined, direction: "next" },
      body: { name: "Spring" },
      operation: "update campaign 12",
      retry: "safe",
    });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(12);
    expect(s.seen).toHaveLength(1);
    const req = s.seen[0]!;
    expect(req.method).toBe("PATCH");
    expect(req.url).toBe("/api/v1.0/campaigns/12?pageSize=50&direction=next");
    expect(req.headers.authorization).toBe(`api-key ${KEY}`);
    expect(req.headers["user-agent"]).toBe("campaignctl-test");
    expect(req.headers["content-type"]).toContain("application/json");
    expect(JSON.parse(req.body)).toEqual({ name: "Spring" });
    expect(c.stats).toEqual({ requests: 1, retries: 0, throttled: 0 });
    c.close();
  });

  it("reuses connections for safe requests and opens a fresh one for each never-retried request", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const c = client(s.url, { concurrency: 1 });
    for (let i = 0; i < 3; i++) await c.request({ method: "GET", path: "/c", operation: "list", retry: "safe" });
    for (let i = 0; i < 2; i++) await c.request({ method: "POST", path: "/c", body: {}, operation: "create", retry: "never" });
    expect(s.seen).toHaveLength(5);
    expect(s.connections).toBe(3);
    c.close();
  });

  it("returns statuses listed in expectStatus instead of throwing, and empty bodies as null", async () => {
    const s = await serve((req, res) => {
      if (req.method === "DELETE") {
        res.writeHead(204);
        res.end();
      } else json(res, 404, { success: false, error: "NOT_FOUND", message: "no campaign 9" });
    });
    const c = client(s.url);
    const r = await c.request({ method: "GET", path: "/campaigns/9", operation: "get campaign 9", retry: "safe", expectStatus: [404] });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ success: false, error: "NOT_FOUND", message: "no campaign 9" });
    const d = await c.request({ method: "DELETE", path: "/campaigns/9", operation: "delete campaign 9", retry: "safe" });
    expect(d).toMatchObject({ status: 204, body: null });
    c.close();
  });

  it("read-only mode refuses any non-GET before anything leaves the process", async () => {
    const s = await serve((_req, res) => json(res, 200, {}));
    const c = client(s.url, { readOnly: true });
    for (const method of ["POST", "PATCH", "PUT", "DELETE"] as const) {
      const e = await rejection(
        c.request({ method, path: "/campaigns/12?x=1", body: { a: 1 }, operation: "update campaign 12", retry: "safe" }),
      );
      expect(e).toBeInstanceOf(ReadOnlyViolation);
      const err = e as ReadOnlyViolation;
      expect(err.message).toContain(`${method} /campaigns/12`);
      expect(err.message).not.toContain("x=1");
      expect(err.message).toContain("plan and drift never write");
      expect(err.name).toBe("ReadOnlyViolation");
      expectNoKey(err);
    }
    // Give any stray connection time to show up: there must be none.
    await new Promise((r) => setTimeout(r, 50));
    expect(s.connections).toBe(0);
    expect(s.seen).toHaveLength(0);
    expect(c.stats.requests).toBe(0);
    // Reads still work.
    await c.request({ method: "GET", path: "/campaigns", operation: "list campaigns", retry: "safe" });
    expect(s.seen).toHaveLength(1);
    c.close();
  });
});

describe("errors", () => {
  it.each([
    {
      provider: "altur" as const,
      status: 400,
      body: { success: false, error: "IMMUTABLE_FIELD", message: "agent_id cannot be changed", field: "agent_id" },
      message: "altur: update campaign 12 failed: 400 IMMUTABLE_FIELD agent_id cannot be changed",
      code: "IMMUTABLE_FIELD",
    },
    {
      provider: "puffle" as const,
      status: 409,
      body: { error: "A campaign named Spring already exists", code: "NAME_CONFLICT" },
      message: "puffle: update campaign 12 failed: 409 NAME_CONFLICT A campaign named Spring already exists",
      code: "NAME_CONFLICT",
    },
    {
      provider: "puffle" as const,
      status: 400,
      body: { error: "Only active campaigns can be paused" },
      message: "puffle: update campaign 12 failed: 400 Only active campaigns can be paused",
      code: undefined,
    },
    {
      provider: "extrovert" as const,
      status: 400,
      body: { status: "error", data: null, message: "ownerId must be a UUID", statusCode: 400 },
      message: "extrovert: update campaign 12 failed: 400 ownerId must be a UUID",
      code: "400",
    },
  ])("$provider $status error body → code and message", async ({ provider, status, body, message, code }) => {
    const s = await serve((_req, res) => json(res, status, body));
    const c = client(s.url, { provider });
    const e = (await rejection(
      c.request({ method: "PATCH", path: "/campaigns/12", body: {}, operation: "update campaign 12", retry: "safe" }),
    )) as ProviderApiError;
    expect(e).toBeInstanceOf(ProviderApiError);
    expect(e.message).toBe(message);
    expect(e).toMatchObject({ provider, account: "main", method: "PATCH", path: "/campaigns/12", status, code });
    expect(e).toMatchObject({ retryable: false, ambiguous: false, attempts: 1, kind: "http" });
    expect(e.body).toEqual(body);
    expect(s.seen).toHaveLength(1); // 4xx is never retried
    c.close();
  });

  it("keeps a non-JSON error body as truncated text without crashing", async () => {
    const page = `<html><head><style>h1{}</style></head><body><h1>502 Bad Gateway</h1><hr>nginx<!-- ${"padding ".repeat(700)} --></body></html>`;
    const s = await serve((req, res) => {
      if (req.url?.includes("ok")) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("pong");
        return;
      }
      res.writeHead(502, { "content-type": "text/html" });
      res.end(page);
    });
    const c = client(s.url, { maxRetries: 1 });
    const e = (await rejection(c.request({ method: "GET", path: "/x", operation: "list campaigns", retry: "safe" }))) as ProviderApiError;
    expect(e).toBeInstanceOf(ProviderApiError);
    expect(e.message).toBe("altur: list campaigns failed: 502 502 Bad Gateway nginx (after 2 attempts)");
    expect(e).toMatchObject({ status: 502, retryable: true, ambiguous: false, attempts: 2 });
    expect(typeof e.body).toBe("string");
    expect((e.body as string).length).toBeLessThan(600);
    const ok = await c.request({ method: "GET", path: "/ok", operation: "ping", retry: "safe" });
    expect(ok.body).toBe("pong");
    c.close();
  });

  it("a refused connection on first contact fails fast in plain words", async () => {
    const s = await serve(() => undefined);
    const port = s.port;
    await s.close();
    const c = client(`http://127.0.0.1:${port}`);
    const e = (await rejection(c.request({ method: "GET", path: "/api/campaigns", operation: "list campaigns", retry: "safe" }))) as ProviderApiError;
    expect(e).toBeInstanceOf(ProviderApiError);
    expect(e.message).toBe(`altur: list campaigns failed: connection refused by 127.0.0.1:${port} — is the provider URL right?`);
    expect(e).toMatchObject({ status: undefined, kind: "connect", networkCode: "ECONNREFUSED", attempts: 1, ambiguous: false });
    c.close();
  });

  it("never puts the API key in errors or events, even when the provider echoes it", async () => {
    const s = await serve((_req, res) =>
      json(res, 401, { success: false, error: "UNAUTHORIZED", message: `invalid key api-key ${KEY}`, echo: [KEY] }),
    );
    const events: HttpEvent[] = [];
    const c = client(s.url, { onEvent: (e) => events.push(e) });
    const e = (await rejection(
      c.request({ method: "POST", path: "/campaigns", body: { name: KEY }, operation: "create campaign Spring", retry: "never" }),
    )) as ProviderApiError;
    expect(e.message).toBe("altur: create campaign Spring failed: 401 UNAUTHORIZED invalid key [redacted]");
    expect(e.body).toEqual({ success: false, error: "UNAUTHORIZED", message: "invalid key [redacted]", echo: ["[redacted]"] });
    expectNoKey(e);
    expectNoKey(e.toJSON());
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ name: "ProviderApiError", status: 401, code: "UNAUTHORIZED" });

    const ro = await rejection(client(s.url, { readOnly: true }).request({ method: "PUT", path: "/x", operation: "put", retry: "safe" }));
    expectNoKey(ro);
    const dead = await serve(() => undefined);
    await dead.close();
    const net = await rejection(client(`http://127.0.0.1:${dead.port}`).request({ method: "GET", path: "/", operation: "ping", retry: "safe" }));
    expectNoKey(net);

    expect(events.map((x) => x.type)).toEqual(["request", "response"]);
    expectNoKey(events);
    expect(JSON.stringify(events)).not.toMatch(/authorization|api-key/i);
    c.close();
  });
});

describe("retries", () => {
  it("retries 503, 502 and 504 for safe requests, then succeeds", async () => {
    const statuses = [503, 502, 504];
    const s = await serve((_req, res, _seen, i) => {
      const st = statuses[i];
      if (st) json(res, st, { error: "busy" });
      else json(res, 200, { ok: true });
    });
    const events: HttpEvent[] = [];
    const c = client(s.url, { onEvent: (e) => events.push(e) });
    const r = await c.request({ method: "PATCH", path: "/campaigns/1", body: { a: 1 }, operation: "update campaign 1", retry: "safe" });
    expect(r.body).toEqual({ ok: true });
    expect(s.seen.map((x) => x.method)).toEqual(["PATCH", "PATCH", "PATCH", "PATCH"]);
    expect(s.seen.every((x) => x.body === '{"a":1}')).toBe(true);
    expect(c.stats).toEqual({ requests: 4, retries: 3, throttled: 0 });
    const retries = events.filter((e) => e.type === "retry");
    expect(retries.map((e) => e.type === "retry" && e.reason)).toEqual(["503", "502", "504"]);
    const responses = events.filter((e) => e.type === "response");
    expect(responses.map((e) => (e.type === "response" ? [e.attempt, e.status] : []))).toEqual([
      [1, 503],
      [2, 502],
      [3, 504],
      [4, 200],
    ]);
    c.close();
  });

  it("retries a GET answered 500 (reading twice changes nothing), but not a PATCH answered 500", async () => {
    const s = await serve((req, res, _seen, i) => {
      if (req.method === "GET" && i < 2) json(res, 500, { error: "internal" });
      else if (req.method === "PATCH") json(res, 500, { error: "internal" });
      else json(res, 200, { ok: true });
    });
    const c = client(s.url);
    const r = await c.request({ method: "GET", path: "/campaigns/1", operation: "get campaign 1", retry: "safe" });
    expect(r.body).toEqual({ ok: true });
    expect(s.seen.map((x) => x.method)).toEqual(["GET", "GET", "GET"]);
    const e = (await rejection(
      c.request({ method: "PATCH", path: "/campaigns/1", body: { a: 1 }, operation: "update campaign 1", retry: "safe" }),
    )) as ProviderApiError;
    expect(e).toMatchObject({ status: 500, retryable: false, attempts: 1 });
    expect(s.seen.map((x) => x.method)).toEqual(["GET", "GET", "GET", "PATCH"]);
    c.close();
  });

  it("does not retry a 503 on a create: definite answer, not ambiguous", async () => {
    const s = await serve((_req, res) => json(res, 503, { error: "LinkedIn unavailable" }, { "retry-after": "1" }));
    const c = client(s.url, { provider: "puffle" });
    const e = (await rejection(
      c.request({ method: "POST", path: "/api/campaigns", body: {}, operation: "create campaign Spring", retry: "never" }),
    )) as ProviderApiError;
    expect(e).toMatchObject({ status: 503, retryable: true, ambiguous: false, attempts: 1, retryAfterMs: 1000 });
    expect(s.seen).toHaveLength(1);
    c.close();
  });

  it("gives up after maxRetries", async () => {
    const s = await serve((_req, res) => json(res, 503, { error: "down" }));
    const c = client(s.url, { maxRetries: 2 });
    const e = (await rejection(c.request({ method: "GET", path: "/c", operation: "list campaigns", retry: "safe" }))) as ProviderApiError;
    expect(e).toMatchObject({ status: 503, attempts: 3 });
    expect(e.message).toBe("altur: list campaigns failed: 503 down (after 3 attempts)");
    expect(s.seen).toHaveLength(3);
    c.close();
  });

  it("honours Retry-After", async () => {
    const s = await serve((_req, res, _seen, i) => {
      if (i === 0) json(res, 503, { error: "busy" }, { "retry-after": "1" });
      else json(res, 200, { ok: true });
    });
    const c = client(s.url);
    const t0 = performance.now();
    await c.request({ method: "GET", path: "/c", operation: "list campaigns", retry: "safe" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(s.seen[1]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(995);
    c.close();
  });

  it("a 429 is retried even for a create, and holds back the whole account until Retry-After", async () => {
    let throttledAt = 0;
    const s = await serve((_req, res, seen, i) => {
      if (i === 0) {
        throttledAt = seen.at;
        json(res, 429, { success: false, error: "RATE_LIMITED", message: "Too many requests" }, { "retry-after": "1" });
      } else json(res, 200, { ok: true });
    });
    const events: HttpEvent[] = [];
    let onThrottle: () => void = () => undefined;
    const throttled = new Promise<void>((ok) => (onThrottle = ok));
    const c = client(s.url, {
      requestsPerSecond: 10,
      concurrency: 4,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "throttle") onThrottle();
      },
    });
    const post = c.request({ method: "POST", path: "/campaigns", body: { name: "A" }, operation: "create campaign A", retry: "never" });
    // Requests started while the account is held back (after the client saw the 429, whatever the machine's load).
    await throttled;
    const results = await Promise.all([
      post,
      c.request({ method: "GET", path: "/campaigns/1", operation: "get campaign 1", retry: "safe" }),
      c.request({ method: "GET", path: "/campaigns/2", operation: "get campaign 2", retry: "safe" }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(s.seen).toHaveLength(4);
    expect(s.seen.filter((x) => x.method === "POST")).toHaveLength(2);
    // After the hold the account restarts paced, not in a burst: the k-th request after the 429 starts no
    // earlier than the hold's end plus k pacing intervals. Lower bounds on arrival only: a loaded machine
    // can deliver a request late, never early (two adjacent arrivals can bunch up after a stall, so the
    // gap between neighbours is not a sound measure).
    const after = s.seen.slice(1).map((x) => x.at).sort((a, b) => a - b);
    after.forEach((at, k) => expect(at - throttledAt).toBeGreaterThanOrEqual(990 + 90 * k));
    expect(c.stats).toMatchObject({ requests: 4, retries: 1, throttled: 1 });
    expect(events.some((e) => e.type === "throttle" && e.retryAfterMs === 1000)).toBe(true);
    c.close();
  });

  it("a connection reset is retried for a safe request and reported ambiguous for a create", async () => {
    const s = await serve((req, res, _seen, i) => {
      if (req.method === "POST" || i === 0) req.socket.destroy();
      else json(res, 200, { ok: true });
    });
    const c = client(s.url);
    const r = await c.request({ method: "GET", path: "/campaigns", operation: "list campaigns", retry: "safe" });
    expect(r.status).toBe(200);
    expect(s.seen).toHaveLength(2);
    expect(c.stats.retries).toBe(1);

    const e = (await rejection(
      c.request({ method: "POST", path: "/campaigns", body: { name: "A" }, operation: "create campaign A", retry: "never" }),
    )) as ProviderApiError;
    expect(e).toBeInstanceOf(ProviderApiError);
    expect(e).toMatchObject({ kind: "reset", status: undefined, ambiguous: true, retryable: true, attempts: 1 });
    expect(e.message).toMatch(/^altur: create campaign A failed: connection reset by 127\.0\.0\.1:\d+ .* may have reached the provider/);
    expect(s.seen.filter((x) => x.method === "POST")).toHaveLength(1);
    c.close();
  });

  it("a connection refused after the provider has answered (restart) is retried", async () => {
    const s = await serve((_req, res) => json(res, 200, { ok: true }));
    const port = s.port;
    const c = client(s.url, { backoff: { baseMs: 150, capMs: 300 } });
    await c.request({ method: "GET", path: "/a", operation: "ping", retry: "safe" });
    c.close(); // drop the keep-alive socket so the next attempt has to connect
    await s.close();
    const revived = http.createServer((_req, res) => json(res, 200, { revived: true }));
    setTimeout(() => revived.listen(port, "127.0.0.1"), 60);
    try {
      const r = await c.request({ method: "POST", path: "/b", body: {}, operation: "create b", retry: "never" });
      expect(r.body).toEqual({ revived: true });
      expect(c.stats.retries).toBeGreaterThanOrEqual(1);
    } finally {
      c.close();
      revived.closeAllConnections();
      await new Promise((r) => revived.close(r));
    }
  });

  it("times out an attempt: retried for safe requests, ambiguous for a create", async () => {
    const s = await serve(() => undefined); // never answers
    const c = client(s.url, { timeoutMs: 200, maxRetries: 1 });
    const t0 = performance.now();
    const g = (await rejection(c.request({ method: "GET", path: "/slow", operation: "list campaigns", retry: "safe" }))) as ProviderApiError;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(400);
    expect(g).toMatchObject({ kind: "timeout", status: undefined, attempts: 2, ambiguous: false, retryable: true, networkCode: "ETIMEDOUT" });
    expect(g.message).toMatch(/^altur: list campaigns failed: no answer from 127\.0\.0\.1:\d+ within 200 ms \(after 2 attempts\)$/);

    const p = (await rejection(
      c.request({ method: "POST", path: "/slow", body: {}, operation: "create campaign A", retry: "never" }),
    )) as ProviderApiError;
    expect(p).toMatchObject({ kind: "timeout", attempts: 1, ambiguous: true });
    expect(s.seen.filter((x) => x.method === "POST")).toHaveLength(1);
    c.close();
  });
});

describe("pacing and concurrency", () => {
  it("never has more requests in flight than the concurrency limit", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const s = await serve((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        json(res, 200, {});
      }, 40);
    });
    const c = client(s.url, { concurrency: 3 });
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => c.request({ method: "GET", path: `/c/${i}`, operation: `get ${i}`, retry: "safe" })),
    );
    expect(s.seen).toHaveLength(15);
    expect(maxInFlight).toBe(3);
    c.close();
  });

  it("60 requests at 20/s against a 20-token bucket: zero 429s, never faster than the bound, no stall", async () => {
    const rate = 20;
    let tokens = rate;
    let last = performance.now();
    let rejected = 0;
    const s = await serve((_req, res) => {
      const now = performance.now();
      tokens = Math.min(rate, tokens + ((now - last) / 1000) * rate);
      last = now;
      if (tokens < 1) {
        rejected++;
        json(res, 429, { error: "RATE_LIMITED" }, { "retry-after": "1" });
        return;
      }
      tokens -= 1;
      json(res, 200, { ok: true });
    });
    const c = client(s.url, { requestsPerSecond: rate, concurrency: 8 });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => c.request({ method: "GET", path: `/c/${i}`, operation: `get ${i}`, retry: "safe" })),
    );
    const elapsed = performance.now() - t0;
    const bound = ((60 - 1) / rate) * 1000;
    expect(rejected).toBe(0);
    expect(c.stats).toEqual({ requests: 60, retries: 0, throttled: 0 });
    expect(elapsed).toBeGreaterThanOrEqual(bound - 5);
    // Wall-clock targets (within 1.2× of the bound) are measured by `npm run bench`, not asserted here:
    // this machine is shared and noisy. Twice the bound only catches a stalled queue.
    expect(elapsed).toBeLessThanOrEqual(bound * 2);
    // No burst at start: the first six arrivals are already spread over five intervals. Measured at
    // the server, single gaps jitter on this shared machine (a late arrival makes the next gap ~0 ms),
    // so the span is asserted, with two intervals of slack; a burst would span a few milliseconds.
    expect(s.seen[5]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(3 * 50);
    c.close();
  });
});

describe("pure helpers", () => {
  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2025-03-01T10:00:00Z");
    expect(parseRetryAfter("1", now)).toBe(1000);
    expect(parseRetryAfter("2.5", now)).toBe(2500);
    expect(parseRetryAfter(["3"], now)).toBe(3000);
    expect(parseRetryAfter("Sat, 01 Mar 2025 10:00:04 GMT", now)).toBe(4000);
    expect(parseRetryAfter("Sat, 01 Mar 2025 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each([
    [{ error: "Campaign not found" }, { message: "Campaign not found" }],
    [{ error: "Name taken", code: "NAME_CONFLICT" }, { code: "NAME_CONFLICT", message: "Name taken" }],
    [{ error: { code: "X", message: "nested" } }, { code: "X", message: "nested" }],
    [{ success: false, error: "CAMPAIGN_FINISHED" }, { message: "CAMPAIGN_FINISHED" }],
    ["plain text", { message: "plain text" }],
    [null, {}],
  ])("parseErrorBody(%j), the generic reading", (body, expected) => {
    expect(parseErrorBody(body)).toEqual(expected);
  });

  // Each provider reads its own error shape (connection.parseErrorBody); other bodies get the generic reading.
  it.each([
    ["altur", { success: false, error: "CAMPAIGN_FINISHED", message: "finished campaigns are read-only" }, { code: "CAMPAIGN_FINISHED", message: "finished campaigns are read-only" }],
    ["altur", { error: 500, message: "boom" }, { code: "500", message: "boom" }],
    ["altur", { success: false, error: "Campaign is gone" }, { message: "Campaign is gone" }],
    ["altur", { error: "Campaign not found" }, { message: "Campaign not found" }],
    ["extrovert", { status: "error", data: null, message: "Too many requests", statusCode: 429 }, { code: "429", message: "Too many requests" }],
    ["extrovert", { error: { code: "X", message: "nested" } }, { code: "X", message: "nested" }],
    ["puffle", { error: "Name taken", code: "NAME_CONFLICT" }, { code: "NAME_CONFLICT", message: "Name taken" }],
    ["puffle", new NonJsonBody("<html><body>Bad gateway</body></html>"), { message: "Bad gateway" }],
  ])("%s reads %j", (provider, body, expected) => {
    expect(parseErrorBody(body, providerById(provider).connection.parseErrorBody)).toEqual(expected);
  });
});
