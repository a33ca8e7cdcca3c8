import { UserError } from "../core/errors.js";
import type { AccountConfig, ObjectKind, ProviderId, Workspace } from "../core/types.js";
import { createHttpClient, type HttpClient, type HttpEvent } from "../http/client.js";
import { defaultConcurrency, monotonicNow } from "../http/pacing.js";
import { providerById } from "../providers/registry.js";
import type { ClientFactory, KindModule, ProviderClient, ProviderModule } from "../providers/types.js";

/** One provider account, connected: its provider module (knowledge) and HTTP client (transport). */
export interface AccountSession {
  key: string;
  account: AccountConfig;
  provider: ProviderModule;
  http: HttpClient;
  /** Requests in flight at most (configured or sized to the rate): also apply's worker pool for the account. */
  concurrency: number;
  /** A read-only run opened this account without its API key (its provider has no read API): nothing may be sent. */
  keyless?: true;
}

/** An account session seen through one of its provider's kinds: that kind's module and client. */
export interface KindSession extends AccountSession {
  kind: KindModule;
  client: ProviderClient;
}

export interface SessionOptions {
  readOnly: boolean;
  env: Record<string, string | undefined>;
  onEvent?: (e: HttpEvent) => void;
  /** Test hook: shorter timeouts/backoff. */
  timeoutMs?: number;
  /** Per request, all attempts (default 60 s). */
  requestBudgetMs?: number;
  /** All provider work of the command, counted from when the sessions open (default 1 h). */
  commandBudgetMs?: number;
}

const DEFAULT_COMMAND_BUDGET_MS = 3_600_000;

/** The time budgets of the global options, for openSessions. */
export function timeLimits(global: { requestTimeoutMs?: number; timeoutMs?: number }): Pick<SessionOptions, "requestBudgetMs" | "commandBudgetMs"> {
  return {
    ...(global.requestTimeoutMs === undefined ? {} : { requestBudgetMs: global.requestTimeoutMs }),
    ...(global.timeoutMs === undefined ? {} : { commandBudgetMs: global.timeoutMs }),
  };
}

export function accountKey(provider: ProviderId, account: string): string {
  return `${provider}/${account}`;
}

/**
 * Open a session for each account in `keys` (provider/account). A missing API key variable is a
 * user error naming the variable — never the value.
 */
export async function openSessions(workspace: Workspace, keys: Iterable<string>, opts: SessionOptions): Promise<Map<string, AccountSession>> {
  const sessions = new Map<string, AccountSession>();
  const missingKeys: string[] = [];
  const commandBudgetMs = opts.commandBudgetMs ?? DEFAULT_COMMAND_BUDGET_MS;
  const deadline = monotonicNow() + commandBudgetMs;
  const deadlineLabel = `the command's ${+(commandBudgetMs / 1000).toFixed(1)} s time limit (--timeout)`;
  for (const key of [...new Set(keys)].sort()) {
    const account = workspace.accounts.find((a) => accountKey(a.provider, a.name) === key);
    if (!account) throw new UserError(`no account ${key} in ${workspace.configFile} (state or campaigns refer to it)`);
    const module = providerById(account.provider);
    let apiKey = opts.env[account.apiKeyEnv];
    if (apiKey === undefined || apiKey === "") {
      // Read-only runs (plan, drift) send nothing to a provider without a read API, so they need no
      // key for it: CI can keep that key away from pull-request code (least privilege).
      if (!(opts.readOnly && !module.kinds.some((k) => k.capabilities.readable))) {
        missingKeys.push(`${account.apiKeyEnv} (account ${key})`);
        continue;
      }
      apiKey = "";
    }
    const rate = account.requestsPerSecond ?? module.connection.defaultRequestsPerSecond;
    const concurrency = account.concurrency ?? defaultConcurrency(rate, module.connection.typicalLatencyMs);
    const http = createHttpClient({
      provider: account.provider,
      account: account.name,
      baseUrl: (account.baseUrl ?? module.connection.defaultBaseUrl).replace(/\/+$/, ""),
      auth: module.connection.authHeader(apiKey),
      ...(module.connection.parseErrorBody ? { parseErrorBody: module.connection.parseErrorBody } : {}),
      requestsPerSecond: rate,
      concurrency,
      readOnly: opts.readOnly,
      userAgent: "campaignctl/0.1",
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.requestBudgetMs === undefined ? {} : { requestBudgetMs: opts.requestBudgetMs }),
      deadline,
      deadlineLabel,
      ...(account.retryWait?.maxSeconds === undefined ? {} : { maxRetryAfterMs: account.retryWait.maxSeconds * 1000 }),
      ...(account.retryWait?.totalSeconds === undefined ? {} : { maxRetryWaitMs: account.retryWait.totalSeconds * 1000 }),
      ...(opts.onEvent === undefined ? {} : { onEvent: opts.onEvent }),
    });
    sessions.set(key, { key, account, provider: module, http, concurrency, ...(apiKey === "" ? { keyless: true } : {}) });
  }
  if (missingKeys.length > 0) {
    throw new UserError(`API key not set: export ${missingKeys.join(", ")} (keys are read from the environment, never from files)`);
  }
  // The kinds' clients, loaded now that a command talks to these providers (validate never does).
  await Promise.all([...new Set([...sessions.values()].map((s) => s.provider))].flatMap((p) => p.kinds.map(loadClient)));
  return sessions;
}

const byKind = new WeakMap<AccountSession, Map<ObjectKind, KindSession>>();
const clients = new WeakMap<KindModule, ClientFactory>();

async function loadClient(kind: KindModule): Promise<void> {
  if (!clients.has(kind)) clients.set(kind, await kind.loadClient());
}
const baseOf = new WeakMap<KindSession, AccountSession>();

/**
 * The session of one kind of an account: the same account, HTTP client and pacing, with the kind's
 * module and client. Every kind, the provider's primary one included, is reached this way.
 */
export function sessionForKind(of: AccountSession, kind: ObjectKind): KindSession {
  // Always derived from the account's own session, whichever kind's session is at hand.
  const session = baseOf.get(of as KindSession) ?? of;
  let cache = byKind.get(session);
  if (!cache) byKind.set(session, (cache = new Map()));
  const known = cache.get(kind);
  if (known) return known;
  const km = session.provider.kinds.find((k) => k.kind === kind);
  if (!km) throw new UserError(`${session.provider.displayName} has no kind ${kind} (account ${session.key})`);
  const { key, account, provider, http, concurrency, keyless } = session;
  const factory = clients.get(km);
  if (!factory) throw new Error(`the client of ${kind} is not loaded: sessions come from openSessions`);
  const derived: KindSession = { key, account, provider, http, concurrency, ...(keyless ? { keyless } : {}), kind: km, client: factory(http) };
  cache.set(kind, derived);
  baseOf.set(derived, session);
  return derived;
}

export function closeSessions(sessions: Map<string, AccountSession>): void {
  for (const s of sessions.values()) s.http.close();
}
