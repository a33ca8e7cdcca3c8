/**
 * Shared helpers for tests that talk to the sandbox over real HTTP on 127.0.0.1.
 *
 *   const sb = useSandbox({ rateLimits: false });   // start in beforeAll, reset before each test, stop in afterAll
 *   const res = await sb.request("altur", "POST", "/campaigns", { name: "x", ... });
 *   expect(res.status).toBe(201);
 *   expect((await sb.requests("altur")).map((e) => e.method)).toEqual(["POST"]);
 *
 * or, without the vitest hooks: `const sb = await startTestSandbox(); …; await sb.stop();`.
 *
 * Everything except `request` goes through the /__sandbox/* control endpoints, so the helpers work
 * the same against any running sandbox. Rate limits: by default each provider keeps its own limit
 * (Extrovert 10/s, Puffle 10/s, Altur 12/s), so a test sending more than ~10 requests in a burst
 * sees 429s; pass `rateLimits: false` to switch them off after start and after every reset(), and
 * `setFaults(p, { requestsPerSecond: null })` inside a test to restore the provider's default.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { SIMULATED as PROVIDERS, type SimulatedProvider } from "../../src/sandbox/types.js";
import { providerById } from "../../src/providers/registry.js";
import { startSandbox, type RunningSandbox } from "../../src/sandbox/server.js";
import type { AnswerOverride, FaultSettings, RequestLogEntry } from "../../src/sandbox/types.js";

export interface TestSandboxOptions {
  /** Default "sandbox". */
  apiKey?: string;
  /** Passed to startSandbox: keep state in this file. */
  dataFile?: string;
  /** false: requestsPerSecond 0 (unlimited) on every provider after start and after each reset(). Default true. */
  rateLimits?: boolean;
  /**
   * How long a Puffle launch stays `launching` (ms). Default TEST_PUFFLE_LAUNCH_DELAY_MS: short for a
   * fast suite, but non-zero, so every launch is asynchronous as at Puffle.
   */
  puffleLaunchDelayMs?: number;
}

/** The suite's Puffle launch delay: asynchronous (launch → launching → active), short enough to be fast. */
export const TEST_PUFFLE_LAUNCH_DELAY_MS = 300;

export interface Reply {
  status: number;
  /** Parsed JSON; the raw text when it is not JSON; undefined for an empty body. */
  body: any;
  headers: Headers;
}

export interface RequestOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** false: send no auth header; a string: send this key instead of the sandbox's. Default true. */
  auth?: boolean | string;
  /** Send this text as the body instead of JSON.stringify(body). */
  rawBody?: string;
}

export interface TestSandbox extends RunningSandbox {
  apiKey: string;
  /**
   * One provider request: `path` is relative to the provider's base URL (urls[provider]); the body is
   * sent as JSON with the provider's documented auth header.
   */
  request(provider: SimulatedProvider, method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<Reply>;
  /** POST /__sandbox/reset: every simulator back to its fixtures, logs and faults cleared. */
  reset(): Promise<void>;
  /** GET /__sandbox/requests of one provider (method, path, query, body, status, headers without auth). */
  requests(provider: SimulatedProvider): Promise<RequestLogEntry[]>;
  /** DELETE /__sandbox/requests of one provider. */
  clearRequests(provider: SimulatedProvider): Promise<void>;
  /** PUT /__sandbox/faults of one provider (partial settings merge); returns the settings now in force. */
  setFaults(provider: SimulatedProvider, faults: Partial<FaultSettings>): Promise<FaultSettings>;
  /** PUT /__sandbox/answers of one provider: canned answers by method and path (`*` = one segment); [] removes them. */
  setAnswers(provider: SimulatedProvider, answers: AnswerOverride[]): Promise<void>;
  /** PUT /__sandbox/settings of one provider (partial merge); returns the settings now in force. */
  setSettings(provider: SimulatedProvider, settings: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** GET /__sandbox/campaigns of one provider. */
  campaigns(provider: SimulatedProvider): Promise<any[]>;
  /** POST /__sandbox/campaigns/{id}/status; throws on anything but success. */
  forceStatus(provider: SimulatedProvider, id: string | number, status: string): Promise<void>;
}

/** The provider's documented auth header carrying `apiKey` (X-API-Key / Bearer / api-key). */
export function authHeaders(provider: SimulatedProvider, apiKey: string): Record<string, string> {
  const h = providerById(provider).connection.authHeader(apiKey);
  return { [h.name]: h.value };
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text === "" ? undefined : text;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text */
    }
  }
  return { status: res.status, body, headers: res.headers };
}

/** Start the sandbox on three free ports of 127.0.0.1. */
export async function startTestSandbox(opts: TestSandboxOptions = {}): Promise<TestSandbox> {
  const apiKey = opts.apiKey ?? "sandbox";
  const running = await startSandbox({
    host: "127.0.0.1",
    port: 0,
    apiKey,
    puffleLaunchDelayMs: opts.puffleLaunchDelayMs ?? TEST_PUFFLE_LAUNCH_DELAY_MS,
    ...(opts.dataFile === undefined ? {} : { dataFile: opts.dataFile }),
  });

  const control = async (provider: SimulatedProvider, method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${running.origins[provider]}/__sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return reply(res);
  };
  const ok = (r: Reply, what: string): Reply => {
    if (r.status >= 300) throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r;
  };

  const sb: TestSandbox = {
    ...running,
    apiKey,
    async request(provider, method, path, body, ro = {}) {
      const headers: Record<string, string> = {};
      const auth = ro.auth ?? true;
      if (auth !== false) Object.assign(headers, authHeaders(provider, auth === true ? apiKey : auth));
      const payload = ro.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
      if (payload !== undefined) headers["content-type"] = "application/json";
      Object.assign(headers, ro.headers ?? {});
      const res = await fetch(`${running.urls[provider]}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
      return reply(res);
    },
    async reset() {
      ok(await control("extrovert", "POST", "/reset"), "POST /__sandbox/reset");
      if (opts.rateLimits === false) {
        for (const p of PROVIDERS) await sb.setFaults(p, { requestsPerSecond: 0 });
      }
    },
    async requests(provider) {
      return ok(await control(provider, "GET", "/requests"), "GET /__sandbox/requests").body as RequestLogEntry[];
    },
    async clearRequests(provider) {
      ok(await control(provider, "DELETE", "/requests"), "DELETE /__sandbox/requests");
    },
    async setFaults(provider, faults) {
      return ok(await control(provider, "PUT", "/faults", faults), "PUT /__sandbox/faults").body as FaultSettings;
    },
    async setAnswers(provider, answers) {
      ok(await control(provider, "PUT", "/answers", answers), "PUT /__sandbox/answers");
    },
    async setSettings(provider, settings) {
      return ok(await control(provider, "PUT", "/settings", settings), "PUT /__sandbox/settings").body as Record<string, unknown>;
    },
    async campaigns(provider) {
      return ok(await control(provider, "GET", "/campaigns"), "GET /__sandbox/campaigns").body as any[];
    },
    async forceStatus(provider, id, status) {
      ok(await control(provider, "POST", `/campaigns/${encodeURIComponent(String(id))}/status`, { status }), "POST /__sandbox/campaigns/{id}/status");
    },
  };
  if (opts.rateLimits === false) {
    for (const p of PROVIDERS) await sb.setFaults(p, { requestsPerSecond: 0 });
  }
  return sb;
}

/**
 * Vitest wiring: starts a sandbox in beforeAll, resets it before each test, stops it in afterAll.
 * The returned object can be used inside tests and hooks (not at module top level).
 */
export function useSandbox(opts: TestSandboxOptions = {}): TestSandbox {
  let current: TestSandbox | undefined;
  beforeAll(async () => {
    current = await startTestSandbox(opts);
  });
  beforeEach(async () => {
    await current?.reset();
  });
  afterAll(async () => {
    await current?.stop();
  });
  return new Proxy({} as TestSandbox, {
    get(_target, prop) {
      if (current === undefined) throw new Error("useSandbox(): the sandbox starts in beforeAll; use it inside tests and hooks");
      const value = (current as unknown as Record<string | symbol, unknown>)[prop];
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
  });
}
