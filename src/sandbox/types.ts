/**
 * The providers the sandbox simulates (one folder each under src/sandbox/). Its own list: the sandbox
 * stands in for the providers' real APIs, so it lists what it simulates, not what is registered.
 */
export const SIMULATED = ["extrovert", "puffle", "altur"] as const;
export type SimulatedProvider = (typeof SIMULATED)[number];

export function isSimulated(id: string): id is SimulatedProvider {
  return (SIMULATED as readonly string[]).includes(id);
}

/**
 * The contract between the sandbox HTTP framework (src/sandbox/server.ts) and each provider
 * simulator (src/sandbox/<provider>/). A simulator is pure request → response over in-memory
 * state: no sockets, no timers, no file I/O. The framework owns listening, auth-header extraction,
 * body parsing (JSON, 1 MB cap), fault injection, rate limiting, the request log, persistence and the
 * /__sandbox/* control endpoints.
 */
export interface SimRequest {
  method: string;
  /** Path with the simulator's base path already stripped, e.g. "/campaigns/12/activate". */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** Parsed JSON body; undefined when the request had no body. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  /**
   * The body already serialised: exactly JSON.stringify(body), sent as it is (a list answer built from
   * items serialised once, see the Altur simulator's list). Absent: the server serialises `body`.
   */
  text?: string;
  headers?: Record<string, string>;
}

export interface ProviderSimulator {
  readonly provider: SimulatedProvider;
  /**
   * Path prefixes the simulator serves under, longest first. Requests whose path starts with none of
   * them get the provider's 404. Extrovert: ["/webgateway/api/client/v2", "/api/client/v2", "/client/v2"];
   * Puffle: [""] (its paths already start with /api); Altur: ["/api/v1.0"].
   */
  readonly basePaths: readonly string[];
  /** The prefix printed in the start-up line, e.g. "/webgateway/api/client/v2", "", "/api/v1.0". */
  readonly publicBasePath: string;
  /** Requests per second the provider allows by default (Extrovert 10 [A], Puffle 10 [A], Altur 12 [D]). */
  readonly defaultRequestsPerSecond: number;
  /** True when the headers carry `apiKey` in this provider's documented form. */
  authenticate(headers: Readonly<Record<string, string | undefined>>, apiKey: string): boolean;
  /** The provider's error body for a framework-level failure (401, 404 route, 405, 413, 400 bad JSON, 429, injected 5xx). */
  error(status: number, message: string, code?: string): SimResponse;
  handle(req: SimRequest): SimResponse;
  /** Everything stored, for GET /__sandbox/campaigns. */
  listCampaigns(): unknown[];
  /** Force a status (POST /__sandbox/campaigns/{id}/status). Returns false for unknown id; throws Error with a message for an unknown status value. */
  forceStatus(id: string, status: string): boolean;
  /** Drop all campaigns and reinstall fixtures (and the settings given at start). */
  reset(): void;
  /**
   * Run-time behaviour settings (GET/PUT /__sandbox/settings), e.g. Puffle's launch delay. `update`
   * merges a partial object and returns the settings now in force; it throws Error with a message
   * for an unknown key or a bad value. Simulators without settings omit this.
   */
  settings?: { get(): Record<string, unknown>; update(patch: unknown): Record<string, unknown> };
  /** Serializable state for --data persistence. */
  snapshot(): unknown;
  restore(data: unknown): void;
}

/** Fault injection settings (PUT /__sandbox/faults). */
export interface FaultSettings {
  latencyMs: number;
  /** 0..1 share of requests answered with errorStatus (before the simulator sees them: nothing changes). */
  errorRate: number;
  errorStatus: number;
  /** 0..1 share of requests whose connection is destroyed without an answer. */
  resetRate: number;
  /** null = the provider's default limit; 0 = unlimited; n = n requests/second (token bucket, burst n). */
  requestsPerSecond: number | null;
  /**
   * null = unseeded coins (Math.random). An integer seeds the listener's fault coins: every PUT that
   * carries a seed restarts the sequence, so the same seed and the same requests in the same order
   * get the same resets and errors.
   */
  seed: number | null;
}

/**
 * A canned answer (PUT /__sandbox/answers): a provider request matching `method` and `path` gets this
 * status and body instead of the simulator's answer — the simulator never sees it, so nothing changes.
 */
export interface AnswerOverride {
  method: string;
  /** The request path as sent (base path included); `*` stands for one whole path segment. */
  path: string;
  status: number;
  body?: unknown;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** Request headers except authentication headers (never logged), lower-cased. */
  headers: Record<string, string>;
  at: string;
}
