import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createAlturSimulator } from "./altur/index.js";
import { MAX_BODY_BYTES, readBody, type BodyOutcome } from "./body.js";
import { createExtrovertSimulator } from "./extrovert/index.js";
import { DEFAULT_FAULTS, faultCoins, findAnswer, mergeFaults, parseAnswers } from "./faults.js";
import { SandboxDataError, SnapshotWriter, loadDataFile } from "./persistence.js";
import { createPuffleSimulator } from "./puffle/index.js";
import { TokenBuckets } from "./ratelimit.js";
import { SIMULATED, type AnswerOverride, type FaultSettings, type ProviderSimulator, type RequestLogEntry, type SimRequest, type SimResponse, type SimulatedProvider } from "./types.js";

/**
 * The sandbox HTTP framework: one listener per provider simulator, the /__sandbox/* control endpoints,
 * fault injection, rate limiting, auth, JSON body parsing, the request log and --data persistence.
 * Nothing here knows a provider: everything provider-shaped comes from the ProviderSimulator.
 *
 * Pipeline for a provider request: body read (≤ 1 MB) → latency → injected reset → injected error →
 * rate limit → auth → body errors (413/415/400) → base path (404) → simulator.handle.
 */

export interface SandboxOptions {
  /** Interface to listen on; default 127.0.0.1. Accepted as given (use a non-loopback address knowingly). */
  host?: string;
  /** Base port: Extrovert listens on it, Puffle on +1, Altur on +2. 0 = three free ports. Default 4010. */
  port?: number;
  /** The API key every provider request must carry, in the provider's header form. Default "sandbox". */
  apiKey?: string;
  /** Keep simulated state in this file across restarts (written atomically after every change). */
  dataFile?: string;
  /** Where framework diagnostics go (a simulator exception, a failed data write). Default: stderr. */
  log?: (line: string) => void;
  /** How long a Puffle launch stays `launching` (ms); default the simulator's (5000). */
  puffleLaunchDelayMs?: number;
}

export interface RunningSandbox {
  /** Base URL of each provider API, as printed in the start-up line. */
  urls: Record<SimulatedProvider, string>;
  /** `http://host:port` of each listener, where the /__sandbox/* control endpoints live. */
  origins: Record<SimulatedProvider, string>;
  simulators: Record<SimulatedProvider, ProviderSimulator>;
  /** Close the listeners and every open connection; waits for a pending data-file write. */
  stop(): Promise<void>;
}

/** A start-up failure worth showing to a user as is (port in use, corrupt data file, bad option). */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SandboxError";
  }
}

export { DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_PORT } from "./defaults.js";
import { DEFAULT_SANDBOX_API_KEY, DEFAULT_SANDBOX_PORT } from "./defaults.js";
const MAX_LOG_ENTRIES = 10_000;
/** Request headers never written to the request log. */
const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "x-api-key", "cookie"]);
const CONTROL_PREFIX = "/__sandbox";

type Headers = Record<string, string | undefined>;

interface Listener {
  provider: SimulatedProvider;
  sim: ProviderSimulator;
  faults: FaultSettings;
  /** The fault coins: seeded by `faults.seed`, restarted by every PUT that carries a seed. */
  coin: () => number;
  /** Canned answers (PUT /__sandbox/answers), checked after auth and body checks, before the simulator. */
  answers: AnswerOverride[];
  log: RequestLogEntry[];
  buckets: TokenBuckets;
  server: Server;
  sockets: Set<Socket>;
}

function lowerHeaders(req: IncomingMessage): Headers {
  const out: Headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function loggableHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !SECRET_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

/** The rate-limit bucket of a request: a digest of its credential headers (the key itself is not kept). */
function bucketKey(headers: Headers): string {
  return createHash("sha256")
    .update(`${headers.authorization ?? ""}\n${headers["x-api-key"] ?? ""}`)
    .digest("hex");
}

/** Longest base path the request path sits under, and the rest of the path. */
function stripBasePath(sim: ProviderSimulator, path: string): string | undefined {
  const bases = [...sim.basePaths].sort((a, b) => b.length - a.length);
  for (const base of bases) {
    if (base === "" || path === base) return base === "" ? path : "/";
    if (path.startsWith(`${base}/`)) return path.slice(base.length);
  }
  return undefined;
}

function formatHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function parsePort(port: number | undefined): number {
  const value = port ?? DEFAULT_SANDBOX_PORT;
  if (!Number.isInteger(value) || value < 0 || value > 65533) {
    throw new SandboxError(`invalid port ${String(value)}: expected an integer from 0 to 65533 (the sandbox uses port, port+1 and port+2; 0 = free ports)`);
  }
  return value;
}

function listen(server: Server, port: number, host: string, provider: SimulatedProvider): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = `port ${port} on ${host} (${provider} simulator)`;
      if (err.code === "EADDRINUSE") reject(new SandboxError(`${where} is already in use; stop whatever holds it or choose another base port with --port`));
      else if (err.code === "EACCES") reject(new SandboxError(`permission denied to listen on ${where}; choose a port above 1023`));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") reject(new SandboxError(`cannot listen on host ${host}: no such local address`));
      else reject(new SandboxError(`cannot listen on ${where}: ${err.message}`));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(listener: Listener): Promise<void> {
  return new Promise((resolve) => {
    if (!listener.server.listening) return resolve();
    listener.server.close(() => resolve());
    listener.server.closeAllConnections();
    for (const socket of listener.sockets) socket.destroy();
  });
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = opts.host ?? "127.0.0.1";
  const basePort = parsePort(opts.port);
  const apiKey = opts.apiKey ?? DEFAULT_SANDBOX_API_KEY;
  if (apiKey === "") throw new SandboxError("the sandbox API key must not be empty");
  const writeLog = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));

  const simulators: Record<SimulatedProvider, ProviderSimulator> = {
    extrovert: createExtrovertSimulator(),
    puffle: createPuffleSimulator(opts.puffleLaunchDelayMs === undefined ? {} : { launchDelayMs: opts.puffleLaunchDelayMs }),
    altur: createAlturSimulator(),
  };

  // Persistence: restore before listening; a corrupt file refuses the start.
  let writer: SnapshotWriter | undefined;
  if (opts.dataFile !== undefined) {
    const dataFile = opts.dataFile;
    let content;
    try {
      content = await loadDataFile(dataFile);
    } catch (err) {
      if (err instanceof SandboxDataError) throw new SandboxError(err.message);
      throw err;
    }
    if (content !== undefined) {
      for (const provider of SIMULATED) {
        const snap = content.providers[provider];
        if (snap === undefined) continue;
        try {
          simulators[provider].restore(snap);
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new SandboxError(`sandbox data file ${dataFile} holds unusable ${provider} state (${why}); fix it or remove it`);
        }
      }
    }
    writer = new SnapshotWriter(dataFile, () => {
      const out: Record<string, unknown> = {};
      for (const provider of SIMULATED) out[provider] = simulators[provider].snapshot();
      return out;
    });
    try {
      await writer.save();
    } catch (err) {
      throw new SandboxError(`cannot write sandbox data file ${dataFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const reported = new Set<string>();
  /** Each distinct failure is reported once, in one line. */
  const report = (key: string, line: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    writeLog(line);
  };

  const persist = async (): Promise<void> => {
    if (writer === undefined) return;
    try {
      await writer.save();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      report(`persist:${why}`, `sandbox: could not write data file ${opts.dataFile ?? ""}: ${why}`);
    }
  };

  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const listeners = {} as Record<SimulatedProvider, Listener>;

  const resetAll = (): void => {
    for (const provider of SIMULATED) {
      const l = listeners[provider];
      l.sim.reset();
      l.log.length = 0;
      l.faults = { ...DEFAULT_FAULTS };
      l.coin = faultCoins(null);
      l.answers = [];
      l.buckets.clear();
    }
  };

  // ---- responses ---------------------------------------------------------------------------------

  const send = (res: ServerResponse, response: SimResponse, close = false): void => {
    if (res.headersSent || res.destroyed) return;
    let payload: string | undefined;
    try {
      payload = response.body === undefined ? undefined : (response.text ?? JSON.stringify(response.body));
    } catch {
      payload = JSON.stringify({ error: "the sandbox could not serialise its response" });
      response = { status: 500 };
    }
    const headers: Record<string, string | number> = { ...(response.headers ?? {}) };
    if (payload !== undefined) {
      headers["content-type"] = "application/json; charset=utf-8";
      headers["content-length"] = Buffer.byteLength(payload);
    } else {
      headers["content-length"] = 0;
    }
    if (close) headers.connection = "close";
    res.writeHead(response.status, headers);
    res.end(payload);
  };

  const controlError = (status: number, message: string, headers?: Record<string, string>): SimResponse =>
    headers ? { status, body: { error: message }, headers } : { status, body: { error: message } };

  // ---- control endpoints -------------------------------------------------------------------------

  const control = async (l: Listener, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = await readBody(req);
    if (body.kind === "aborted") return;
    if (body.kind === "tooLarge") return send(res, controlError(413, `request body larger than ${MAX_BODY_BYTES} bytes`), true);
    if (body.kind === "unsupported") return send(res, controlError(415, "request body must be JSON (Content-Type: application/json)"));
    if (body.kind === "malformed") return send(res, controlError(400, `malformed JSON in request body: ${body.problem}`));
    const json = body.kind === "json" ? body.value : undefined;
    const method = (req.method ?? "GET").toUpperCase();
    const sub = path.slice(CONTROL_PREFIX.length) || "/";
    const wrongMethod = (allow: string): void => send(res, controlError(405, `${method} is not allowed on ${path} (allowed: ${allow})`, { allow }));

    if (sub === "/requests") {
      if (method === "GET") return send(res, { status: 200, body: l.log });
      if (method === "DELETE") {
        l.log.length = 0;
        return send(res, { status: 204 });
      }
      return wrongMethod("GET, DELETE");
    }
    if (sub === "/reset") {
      if (method !== "POST") return wrongMethod("POST");
      resetAll();
      await persist();
      return send(res, { status: 204 });
    }
    if (sub === "/faults") {
      if (method === "GET") return send(res, { status: 200, body: l.faults });
      if (method !== "PUT") return wrongMethod("GET, PUT");
      const merged = mergeFaults(l.faults, json);
      if ("problems" in merged) return send(res, controlError(400, `invalid fault settings: ${merged.problems.join("; ")}`));
      l.faults = merged.settings;
      if (typeof json === "object" && json !== null && "seed" in json) l.coin = faultCoins(l.faults.seed);
      return send(res, { status: 200, body: l.faults });
    }
    if (sub === "/answers") {
      if (method === "GET") return send(res, { status: 200, body: l.answers });
      if (method === "DELETE") {
        l.answers = [];
        return send(res, { status: 204 });
      }
      if (method !== "PUT") return wrongMethod("GET, PUT, DELETE");
      const parsed = parseAnswers(json);
      if ("problems" in parsed) return send(res, controlError(400, `invalid answers: ${parsed.problems.join("; ")}`));
      l.answers = parsed.answers;
      return send(res, { status: 200, body: l.answers });
    }
    if (sub === "/settings") {
      const settings = l.sim.settings;
      if (!settings) return send(res, controlError(404, `the ${l.provider} simulator has no settings`));
      if (method === "GET") return send(res, { status: 200, body: settings.get() });
      if (method !== "PUT") return wrongMethod("GET, PUT");
      try {
        return send(res, { status: 200, body: settings.update(json) });
      } catch (err) {
        return send(res, controlError(400, `invalid settings: ${err instanceof Error ? err.message : String(err)}`));
      }
    }
    if (sub === "/campaigns") {
      if (method !== "GET") return wrongMethod("GET");
      return send(res, { status: 200, body: l.sim.listCampaigns() });
    }
    const statusMatch = /^\/campaigns\/([^/]+)\/status$/.exec(sub);
    if (statusMatch !== null) {
      if (method !== "POST") return wrongMethod("POST");
      let id: string;
      try {
        id = decodeURIComponent(statusMatch[1] ?? "");
      } catch {
        return send(res, controlError(400, "malformed campaign id in the path"));
      }
      const status = (json as { status?: unknown } | undefined)?.status;
      if (typeof json !== "object" || json === null || Array.isArray(json) || typeof status !== "string") {
        return send(res, controlError(400, 'the body must be {"status": "<status>"}'));
      }
      let found: boolean;
      try {
        found = l.sim.forceStatus(id, status);
      } catch (err) {
        return send(res, controlError(400, err instanceof Error ? err.message : String(err)));
      }
      if (!found) return send(res, controlError(404, `no ${l.provider} campaign with id ${JSON.stringify(id)}`));
      await persist();
      return send(res, { status: 200, body: { id, status } });
    }
    return send(
      res,
      controlError(404, `unknown control endpoint ${path}; known: /__sandbox/requests, /__sandbox/reset, /__sandbox/campaigns, /__sandbox/campaigns/{id}/status, /__sandbox/faults, /__sandbox/answers, /__sandbox/settings`),
    );
  };

  // ---- provider requests -------------------------------------------------------------------------

  const provider = async (l: Listener, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const headers = lowerHeaders(req);
    const body: BodyOutcome = await readBody(req);
    if (body.kind === "aborted") return;

    const answer = (response: SimResponse, close = false): void => {
      const logged = body.kind === "json" ? body.value : body.kind === "malformed" ? body.raw.slice(0, 10_000) : undefined;
      l.log.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: logged,
        status: response.status,
        headers: loggableHeaders(headers),
        at: new Date().toISOString(),
      });
      if (l.log.length > MAX_LOG_ENTRIES) l.log.splice(0, l.log.length - MAX_LOG_ENTRIES);
      send(res, response, close);
    };
    const framework = (status: number, message: string, extra?: Record<string, string>): SimResponse => {
      const r = l.sim.error(status, message);
      return extra ? { ...r, headers: { ...(r.headers ?? {}), ...extra } } : r;
    };
    // An over-long body is never read to the end: answer and close the connection.
    const close = body.kind === "tooLarge";

    const faults = l.faults;
    if (faults.latencyMs > 0) {
      await sleep(faults.latencyMs);
      if (stopped) return;
    }
    // Both coins are drawn for every request once any rate is set, so a seed gives the same sequence whatever the rates.
    const [resetCoin, errorCoin] = faults.resetRate > 0 || faults.errorRate > 0 ? [l.coin(), l.coin()] : [1, 1];
    if (resetCoin < faults.resetRate) {
      req.socket.destroy();
      return;
    }
    if (errorCoin < faults.errorRate) {
      const status = faults.errorStatus;
      return answer(framework(status, `Injected fault: HTTP ${status}`, status === 429 ? { "retry-after": "1" } : undefined), close);
    }
    const rate = faults.requestsPerSecond ?? l.sim.defaultRequestsPerSecond;
    const token = l.buckets.take(bucketKey(headers), rate);
    if (!token.allowed) {
      return answer(framework(429, "Too many requests", { "retry-after": String(token.retryAfterSeconds) }), close);
    }
    if (!l.sim.authenticate(headers, apiKey)) return answer(framework(401, "Missing or invalid API key"), close);
    if (body.kind === "tooLarge") return answer(framework(413, `Request body larger than ${MAX_BODY_BYTES} bytes`), true);
    if (body.kind === "unsupported") {
      return answer(framework(415, `Unsupported Content-Type ${JSON.stringify(body.contentType)}: send application/json`));
    }
    if (body.kind === "malformed") return answer(framework(400, `Malformed JSON in request body: ${body.problem}`));

    const canned = findAnswer(l.answers, method, url.pathname);
    if (canned !== undefined) return answer(canned.body === undefined ? { status: canned.status } : { status: canned.status, body: canned.body });

    const rest = stripBasePath(l.sim, url.pathname);
    if (rest === undefined) return answer(framework(404, `Cannot ${method} ${url.pathname}`));

    const simReq: SimRequest = {
      method,
      path: rest,
      query: url.searchParams,
      headers,
      body: body.kind === "json" ? body.value : undefined,
    };
    let response: SimResponse;
    try {
      response = l.sim.handle(simReq);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const where = err instanceof Error ? (err.stack?.split("\n")[1]?.trim() ?? "") : "";
      report(`sim:${l.provider}:${why}`, `sandbox: ${l.provider} simulator failed on ${method} ${url.pathname}: ${why}${where ? ` (${where})` : ""}`);
      return answer(framework(500, "Internal server error (simulator failure)"));
    }
    if (method !== "GET" && method !== "HEAD" && response.status >= 200 && response.status < 300) await persist();
    if (stopped) return;
    answer(response);
  };

  // ---- listeners ---------------------------------------------------------------------------------

  const handler = (l: Listener) => (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://sandbox.invalid");
    } catch {
      return send(res, controlError(400, "malformed request target"));
    }
    const isControl = url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`);
    const work = isControl ? control(l, req, res, url.pathname) : provider(l, req, res, url);
    work.catch((err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      report(`fw:${why}`, `sandbox: internal error on ${req.method ?? "?"} ${url.pathname}: ${why}`);
      let response: SimResponse = controlError(500, "Internal server error");
      if (!isControl) {
        try {
          response = l.sim.error(500, "Internal server error");
        } catch {
          /* keep the generic body */
        }
      }
      send(res, response);
    });
  };

  for (const provider of SIMULATED) {
    const server = createServer();
    const l: Listener = {
      provider,
      sim: simulators[provider],
      faults: { ...DEFAULT_FAULTS },
      coin: faultCoins(null),
      answers: [],
      log: [],
      buckets: new TokenBuckets(),
      server,
      sockets: new Set(),
    };
    server.on("request", handler(l));
    server.on("connection", (socket: Socket) => {
      l.sockets.add(socket);
      socket.on("close", () => l.sockets.delete(socket));
    });
    listeners[provider] = l;
  }

  const stop = async (): Promise<void> => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await Promise.all(SIMULATED.map((p) => closeServer(listeners[p])));
    await writer?.flush();
  };

  const ports = {} as Record<SimulatedProvider, number>;
  try {
    for (const [i, provider] of SIMULATED.entries()) {
      ports[provider] = await listen(listeners[provider].server, basePort === 0 ? 0 : basePort + i, host, provider);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  for (const provider of SIMULATED) {
    listeners[provider].server.on("error", (err: Error) => report(`server:${err.message}`, `sandbox: ${provider} listener error: ${err.message}`));
  }

  const origin = (p: SimulatedProvider): string => `http://${formatHost(host)}:${ports[p]}`;
  const origins = {} as Record<SimulatedProvider, string>;
  const urls = {} as Record<SimulatedProvider, string>;
  for (const p of SIMULATED) {
    origins[p] = origin(p);
    urls[p] = `${origins[p]}${simulators[p].publicBasePath}`;
  }
  return { urls, origins, simulators, stop };
}
