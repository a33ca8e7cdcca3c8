import http from "node:http";
import https from "node:https";
import { setTimeout as sleepMs } from "node:timers/promises";
import type { Got, OptionsInit, Response } from "got";
import type { ProviderId } from "../core/types.js";
import { ProviderApiError, ReadOnlyViolation } from "./errors.js";
import type { FailureKind, HttpMethod, ProviderHttpErrorInit } from "./errors.js";
import { Pacer, Semaphore, monotonicNow } from "./pacing.js";
import type { Clock } from "./pacing.js";
import {
  DEFAULT_BACKOFF,
  DEFAULT_RETRY_AFTER_MS,
  NonJsonBody,
  isRetryableStatus,
  backoffDelay,
  parseErrorBody,
  parseRetryAfter,
  redact,
  tolerantParseJson,
  truncate,
} from "./retry.js";
import type { BackoffOptions, ErrorBodyReader } from "./retry.js";
import type { ResponseCheck } from "./response-schema.js";
import { isJsonObject } from "../core/json.js";
import { Redactor } from "../core/redact.js";
import { JsonListSplitter } from "./json-list.js";
import { excerpt, printable } from "../core/text.js";

export interface HttpClientOptions {
  provider: ProviderId;
  account: string;
  /** e.g. http://127.0.0.1:4012/api/v1.0 — request paths are appended. */
  baseUrl: string;
  /** From the provider's `connection.authHeader(apiKey)`. */
  auth: { name: string; value: string };
  /** The provider's reading of its error bodies (`connection.parseErrorBody`); the generic reading otherwise. */
  parseErrorBody?: ErrorBodyReader;
  requestsPerSecond: number;
  /** Max requests in flight at once. */
  concurrency: number;
  /** plan/drift: any non-GET rejects with ReadOnlyViolation before anything is sent. */
  readOnly: boolean;
  /** Per attempt. Default 30 000. */
  timeoutMs?: number;
  /**
   * Per request, all attempts and the waits between them, counted from the first attempt sent (time
   * spent queueing for a pacing slot does not count). Default 60 000: a stalled provider fails within
   * about a minute instead of 6 × timeoutMs.
   */
  requestBudgetMs?: number;
  /**
   * The command's time budget: an absolute time on the `now` clock after which no attempt starts and
   * no attempt runs on. `deadlineLabel` names it in the message ("the command's 600 s time limit").
   */
  deadline?: number;
  deadlineLabel?: string;
  /** Largest response body read, in bytes; a bigger one is cut off while streaming. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /** Backoff between retries without Retry-After. Default 200 ms × 2^n with jitter, capped at 10 s. */
  backoff?: Partial<BackoffOptions>;
  /**
   * The longest single wait before a retry: a longer Retry-After is capped to this (the retry is sent
   * after the cap; a provider that still refuses answers 429 again). Default 30 000.
   */
  maxRetryAfterMs?: number;
  /**
   * The most time one request spends waiting on its retries, all waits together (Retry-After and
   * backoff sleeps, and time held back by an account-wide 429 hold). Default 60 000.
   */
  maxRetryWaitMs?: number;
  userAgent?: string;
  /** Verbose logging / progress. Never receives headers, bodies or the key. Exceptions are ignored. */
  onEvent?: (e: HttpEvent) => void;
  /** Test hooks. */
  now?: Clock;
  random?: () => number;
}

export interface RequestSpec {
  method: HttpMethod;
  /** Appended to baseUrl; starts with "/". Put query parameters in `query`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON when not undefined. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Human words for errors: "list campaigns", "update campaign 12". */
  operation: string;
  /**
   * "safe": the request may be repeated (GET, PATCH, lifecycle calls whose effect the caller re-checks,
   * creates carrying an Idempotency-Key). "never": repeated only when the answer proves the server did
   * not act (429, or a connection refused before anything was sent).
   */
  retry: "safe" | "never";
  /** Statuses returned to the caller instead of thrown, besides 2xx (e.g. [404]). Never retried. */
  expectStatus?: number[];
  /**
   * What a 2xx body must hold (the provider's response schema for this endpoint). A body that is
   * not JSON or fails the check rejects with ProviderApiError kind "answer"; never retried.
   */
  response?: ResponseCheck;
  /**
   * Read a 2xx answer shaped `{ …, <key>: [item, …] }` as it arrives instead of whole (an unpaginated
   * list: issue 30). Each item is parsed, checked against `item`, redacted, and handed to `map` at once;
   * the answer's body then holds `map`'s results under `key`. `response` checks the rest of the answer
   * (with the list as `[]`). An item that is not JSON, fails its check or makes `map` throw fails the
   * request as a whole answer would (kind "answer"; `map`'s own error as it is); a retried attempt maps
   * afresh.
   */
  list?: ListSpec;
}

export interface ListSpec {
  key: string;
  item: ResponseCheck;
  /**
   * `status`: the answer's (2xx) status. Without `map` the items are checked and dropped, and the body
   * holds the list as `[]`: a part of an answer the caller never reads is never held (Puffle's settings
   * list every campaign's schedule beside the few sender accounts it is read for).
   */
  map?(item: unknown, index: number, status: number): unknown;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; null for an empty body; the raw text when a body is not JSON. */
  body: T;
}

export interface HttpStats {
  /** Attempts sent (retries included). */
  requests: number;
  /** Attempts that were repeats of an earlier one. */
  retries: number;
  /** 429 answers received. */
  throttled: number;
}

export interface ProviderHttp {
  request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>>;
  readonly stats: Readonly<HttpStats>;
  /** Whose client this is: a provider client names them in the errors it raises about an answer (ProviderApiError kind "answer"). */
  readonly provider: ProviderId;
  readonly account: string;
}

export interface HttpClient extends ProviderHttp {
  /** Requests waiting for a pacing slot right now (for progress display). */
  readonly queued: number;
  /** Close idle keep-alive connections. The client stays usable. */
  close(): void;
}

interface EventBase {
  provider: ProviderId;
  account: string;
  method: HttpMethod;
  /** Path without query string. */
  path: string;
  operation: string;
  /** 1-based attempt number. */
  attempt: number;
}

export type HttpEvent =
  | (EventBase & { type: "request" })
  | (EventBase & { type: "response"; status: number; durationMs: number })
  | (EventBase & { type: "network-error"; kind: FailureKind; networkCode: string; durationMs: number })
  | (EventBase & {
      type: "retry";
      reason: string;
      delayMs: number;
      /** The status that caused the wait, when an answer did. */
      status?: number;
      /** The Retry-After the provider asked for, when it sent one (before the cap). */
      retryAfterMs?: number;
      /** The wait was shortened to `maxRetryAfterMs`. */
      capped: boolean;
    })
  | (EventBase & { type: "throttle"; retryAfterMs: number });

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
export const DEFAULT_MAX_RETRY_WAIT_MS = 60_000;
export const DEFAULT_REQUEST_BUDGET_MS = 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** An attempt is not started with less time than this left in a budget. */
const MIN_ATTEMPT_MS = 250;

const CONNECT_NEVER_REACHED = new Set(["ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** What an attempt read: got's response, or the same fields from a list read as it arrived (`list`). */
type Answer = Pick<Response<unknown>, "statusCode" | "headers" | "body" | "rawBody"> & { list?: ListRead };
/** A streamed list's outcome: the mapped items, or the first item that was not acceptable (and why). */
type ListRead = { items: unknown[] } | { problem: string } | { thrown: unknown };
type Outcome = { response: Answer } | { error: unknown } | { tooLarge: { status: number; contentType: string | undefined } };

/** A failed attempt, classified. */
interface Failure {
  kind: FailureKind;
  status?: number;
  networkCode?: string;
  /** Transient: trying again later may succeed. */
  retryable: boolean;
  /** This request may be repeated now (policy + proof that a "never" request did not act). */
  mayRetry: boolean;
  /** The request may have reached the server although no answer came back. */
  mayHaveReached: boolean;
  retryAfterMs?: number;
  body?: unknown;
  detail?: string;
  /** Why no further attempt was made although one was allowed (a time budget ran out). */
  note?: string;
}

/**
 * got (and its dozen dependencies) is loaded with the first request, not when the CLI starts:
 * `--help`, `validate` and a plan that fails validation never need it.
 */
type GotModule = typeof import("got");
let gotModule: GotModule | undefined;
let gotLoading: Promise<GotModule> | undefined;
async function loadGot(): Promise<GotModule> {
  gotLoading ??= import("got").then((m) => (gotModule = m));
  return gotLoading;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  return new GotProviderHttp(opts);
}

class GotProviderHttp implements HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, throttled: 0 };
  readonly provider: ProviderId;
  readonly account: string;
  private readonly base: URL;
  private readonly hostLabel: string;
  private got: Got | undefined;
  private readonly gotOptions: Parameters<Got["extend"]>[0];
  private readonly pacer: Pacer;
  private readonly slots: Semaphore;
  private readonly agents: { http: http.Agent; https: https.Agent };
  /** No keep-alive: a "never" request gets its own connection, so a reset cannot come from a stale idle socket. */
  private readonly freshAgents: { http: http.Agent; https: https.Agent };
  private readonly secrets: Redactor;
  private readonly timeoutMs: number;
  private readonly requestBudgetMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxRetries: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly backoff: BackoffOptions;
  private readonly now: Clock;
  private readonly random: () => number;
  /** Some answer has come back from this provider: a later ECONNREFUSED is a restart, not a wrong URL. */
  private everAnswered = false;

  constructor(private readonly opts: HttpClientOptions) {
    this.provider = opts.provider;
    this.account = opts.account;
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new TypeError(`${opts.provider}: invalid provider URL ${JSON.stringify(opts.baseUrl)}`);
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`${opts.provider}: provider URL must be http(s), got ${base.protocol}`);
    }
    if (base.username !== "" || base.password !== "") {
      // Credentials in the URL would replace the provider's auth header and end up in logs.
      throw new TypeError(`${opts.provider}: the provider URL must not contain user:password@ — the API key is read from apiKeyEnv`);
    }
    base.search = "";
    base.hash = "";
    this.base = base;
    this.hostLabel = `${base.hostname}:${base.port || (base.protocol === "https:" ? "443" : "80")}`;
    this.now = opts.now ?? monotonicNow;
    this.random = opts.random ?? Math.random;
    this.pacer = new Pacer(opts.requestsPerSecond, this.now);
    this.slots = new Semaphore(opts.concurrency);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.requestBudgetMs = opts.requestBudgetMs ?? DEFAULT_REQUEST_BUDGET_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };

    // The key, and the key without its scheme word ("Bearer x" → "x"), longest first.
    const value = opts.auth.value;
    const tail = value.includes(" ") ? value.slice(value.indexOf(" ") + 1).trim() : "";
    this.secrets = new Redactor([value, tail]);

    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: opts.concurrency }),
      https: new https.Agent({ keepAlive: true, maxSockets: opts.concurrency }),
    };
    this.freshAgents = {
      http: new http.Agent({ keepAlive: false }),
      https: new https.Agent({ keepAlive: false }),
    };
    this.gotOptions = {
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: "json",
      parseJson: tolerantParseJson,
      timeout: { request: this.timeoutMs },
      agent: this.agents,
      headers: {
        "user-agent": opts.userAgent ?? "campaignctl",
        accept: "application/json",
      },
    };
  }

  private async client(): Promise<Got> {
    this.got ??= (await loadGot()).default.extend(this.gotOptions);
    return this.got;
  }

  get queued(): number {
    return this.pacer.queued;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
    this.freshAgents.http.destroy();
    this.freshAgents.https.destroy();
  }

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const path = spec.path.split("?")[0] ?? spec.path;
    const init: ProviderHttpErrorInit = {
      provider: this.opts.provider,
      account: this.opts.account,
      operation: spec.operation,
      method: spec.method,
      path,
    };
    // Before any queueing, pacing or I/O.
    if (this.opts.readOnly && spec.method !== "GET") throw new ReadOnlyViolation(init);

    const url = this.urlFor(spec);
    spec.response?.prepare();
    spec.list?.item.prepare();
    /** When the first attempt went out: the per-request budget counts from here. */
    let firstSentAt: number | undefined;
    /** Time this request has spent waiting on retries (sleeps, and 429 holds of the account). */
    const waited = { ms: 0 };
    for (let attempt = 1; ; attempt++) {
      const ev: EventBase = { ...init, attempt };
      const outcome = await this.attempt(spec, url, ev, waited, () => {
        firstSentAt ??= this.now();
        return this.limitFor(firstSentAt);
      });
      if ("expired" in outcome) {
        throw this.toError(init, spec, this.outOfTime(outcome.expired, outcome.reached), outcome.sent ? attempt : attempt - 1);
      }

      let failure: Failure;
      if ("tooLarge" in outcome) {
        this.everAnswered = true;
        failure = this.answerFailure(spec, outcome.tooLarge.status, outcome.tooLarge.contentType, undefined,
          `the body is larger than the ${formatBytes(this.maxResponseBytes)} limit`);
      } else if ("response" in outcome) {
        const res = outcome.response;
        this.everAnswered = true;
        const status = res.statusCode;
        const is2xx = status >= 200 && status < 300;
        if (is2xx || spec.expectStatus?.includes(status)) {
          const body = responseBody(res.body);
          const listed = is2xx ? res.list : undefined;
          // The envelope first: a body that is not JSON says so whatever its items were.
          let problem = is2xx && spec.response ? checkAnswer(spec.response, res.body) : undefined;
          if (problem === undefined && listed !== undefined) {
            if ("thrown" in listed) throw listed.thrown;
            if ("problem" in listed) problem = listed.problem;
          }
          // A key echoed in an answer never enters the data (plan, state, imported files): redacted on arrival.
          if (problem === undefined) {
            // A list read was redacted as it was read (readList: each item and the rest from their own text).
            const scrubbed = listed !== undefined ? body : this.scrub(body, res.rawBody);
            if (listed !== undefined && "items" in listed && spec.list && isJsonObject(scrubbed) && Array.isArray(scrubbed[spec.list.key])) (scrubbed as Record<string, unknown>)[spec.list.key] = listed.items;
            return { status, headers: { ...res.headers }, body: scrubbed as T };
          }
          failure = this.answerFailure(spec, status, headerText(res.headers["content-type"]), res.rawBody, problem);
        } else {
          failure = this.classifyStatus(spec, res, ev);
        }
      } else {
        failure = this.classifyError(spec, outcome.error);
      }

      if (!failure.mayRetry || attempt > this.maxRetries) {
        throw this.toError(init, spec, failure, attempt);
      }
      // A long Retry-After is capped: nothing waits longer than maxRetryAfterMs at a time.
      const wanted = failure.retryAfterMs ?? backoffDelay(attempt - 1, this.backoff, this.random);
      const delayMs = Math.min(wanted, this.maxRetryAfterMs);
      if (waited.ms + delayMs > this.maxRetryWaitMs) {
        const note = `gave up: another wait of ${seconds(delayMs)} would exceed the ${seconds(this.maxRetryWaitMs)} this request may spend waiting on retries (retryWait.totalSeconds; ${seconds(Math.round(waited.ms))} waited)`;
        throw this.toError(init, spec, { ...failure, note }, attempt);
      }
      const limit = this.limitFor(firstSentAt ?? this.now());
      if (this.now() + delayMs + MIN_ATTEMPT_MS > limit.at) {
        // Waiting and trying again would overrun the budget: give up now, saying why.
        throw this.toError(init, spec, { ...failure, note: this.budgetWords(limit.which) }, attempt);
      }
      this.stats.retries++;
      this.emit({
        ...ev,
        type: "retry",
        reason: reasonOf(failure),
        delayMs,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        ...(failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs }),
        capped: delayMs < wanted,
      });
      waited.ms += delayMs;
      // The concurrency slot is free while we wait; the pacer (and any 429 hold) governs the restart.
      await sleepMs(delayMs);
    }
  }

  /** `body` with the key redacted; walked only when the raw answer holds some form of it. */
  private scrub(body: unknown, raw: Buffer | undefined): unknown {
    if (!this.secrets.active || raw === undefined || !this.secrets.has(raw.toString("utf8"))) return body;
    return redact(body, this.secrets);
  }

  /** The earlier of the request's own budget and the command's deadline. */
  private limitFor(firstSentAt: number): { at: number; which: "request" | "command" } {
    const own = firstSentAt + this.requestBudgetMs;
    if (this.opts.deadline !== undefined && this.opts.deadline < own) return { at: this.opts.deadline, which: "command" };
    return { at: own, which: "request" };
  }

  private budgetWords(which: "request" | "command"): string {
    return which === "command"
      ? `${this.opts.deadlineLabel ?? "the command's time limit"} ran out`
      : `gave up after the ${seconds(this.requestBudgetMs)} per-request time limit`;
  }

  private outOfTime(which: "request" | "command", reached: boolean): Failure {
    return {
      kind: "timeout",
      networkCode: "ETIMEDOUT",
      retryable: true,
      mayRetry: false,
      mayHaveReached: reached,
      detail: `${this.budgetWords(which)} before ${this.hostLabel} answered`,
    };
  }

  /** A 2xx whose body is not what the endpoint documents. */
  private answerFailure(spec: RequestSpec, status: number, contentType: string | undefined, raw: Buffer | undefined, problem: string): Failure {
    const parts = [problem, `HTTP ${status}`, `content type ${contentType ? excerpt(contentType, 40) : "not given"}`];
    if (raw !== undefined) {
      const head = redact(raw.subarray(0, 240).toString("utf8"), this.secrets);
      parts.push(raw.length === 0 ? "empty body" : `body starts ${JSON.stringify(excerpt(head, 60))}`);
    }
    return {
      kind: "answer",
      status,
      retryable: false,
      mayRetry: false,
      // The provider acted on a write (it answered 2xx) but we cannot read what it did.
      mayHaveReached: spec.method !== "GET",
      detail: parts.join("; "),
    };
  }

  /** One attempt: a concurrency slot, then a pacing slot, then the wire. */
  private async attempt(
    spec: RequestSpec,
    url: URL,
    ev: EventBase,
    waited: { ms: number },
    limit: () => { at: number; which: "request" | "command" },
  ): Promise<Outcome | { expired: "request" | "command"; reached: boolean; sent: boolean }> {
    await this.slots.acquire();
    try {
      // Time held back by the account's 429 hold counts as waiting on retries (pacing alone does not).
      const held = this.pacer.held();
      const queuedAt = this.now();
      await this.pacer.take();
      if (held) waited.ms += this.now() - queuedAt;
      const { at, which } = limit();
      const left = at - this.now();
      if (left < MIN_ATTEMPT_MS) return { expired: which, reached: false, sent: false };
      this.stats.requests++;
      this.emit({ ...ev, type: "request" });
      const started = this.now();
      let tooLarge: { status: number; contentType: string | undefined } | undefined;
      try {
        const options = {
          method: spec.method,
          ...(spec.retry === "never" ? { agent: this.freshAgents } : {}),
          ...(spec.body !== undefined ? { json: spec.body } : {}),
          headers: { ...spec.headers, [this.opts.auth.name.toLowerCase()]: this.opts.auth.value },
          timeout: { request: Math.max(1, Math.min(this.timeoutMs, Math.floor(left))) },
        };
        if (spec.list) {
          const read = await this.readList(url, options, spec.list);
          this.emit({ ...ev, type: "response", status: "tooLarge" in read ? read.tooLarge.status : read.response.statusCode, durationMs: this.now() - started });
          return read;
        }
        const pending = (await this.client())(url, options);
        let status = 0;
        let contentType: string | undefined;
        pending.on("request", (req: http.ClientRequest) => {
          req.once("response", (r: http.IncomingMessage) => {
            status = r.statusCode ?? 0;
            contentType = headerText(r.headers["content-type"]);
          });
        });
        // Stream-checked: the body is cut off as soon as it passes the cap (or announces more).
        pending.on("downloadProgress", (p: { transferred: number; total?: number }) => {
          if (tooLarge === undefined && (p.transferred > this.maxResponseBytes || (p.total ?? 0) > this.maxResponseBytes)) {
            tooLarge = { status, contentType };
            pending.cancel();
          }
        });
        const response = (await pending) as Response<unknown>;
        this.emit({ ...ev, type: "response", status: response.statusCode, durationMs: this.now() - started });
        return { response };
      } catch (error) {
        if (tooLarge !== undefined && (error as { name?: unknown })?.name === "CancelError") {
          this.emit({ ...ev, type: "response", status: tooLarge.status, durationMs: this.now() - started });
          return { tooLarge };
        }
        const { kind, code } = networkKind(error);
        this.emit({ ...ev, type: "network-error", kind, networkCode: code, durationMs: this.now() - started });
        if (kind === "timeout" && this.now() - started < this.timeoutMs - 5 && at - this.now() < MIN_ATTEMPT_MS) {
          // The attempt was cut short by a budget, not by its own timeout.
          const connected = gotModule !== undefined && error instanceof gotModule.RequestError && error.timings?.connect !== undefined;
          return { expired: which, reached: connected, sent: true };
        }
        return { error };
      }
    } finally {
      this.slots.release();
    }
  }

  /**
   * One attempt of a `list` request, read as it arrives: a 2xx body through JsonListSplitter (each item
   * parsed, checked, redacted and mapped at once; only the envelope and the first bytes are kept), any
   * other status whole, as `request` reads it. The size limit counts every byte.
   */
  private async readList(url: URL, options: OptionsInit & { isStream?: true }, list: ListSpec): Promise<{ response: Answer } | { tooLarge: { status: number; contentType: string | undefined } }> {
    const stream = (await this.client()).stream(url, options);
    let status = 0;
    let headers: Answer["headers"] = {};
    stream.once("response", (r: http.IncomingMessage) => {
      status = r.statusCode ?? 0;
      headers = r.headers;
    });
    let items: unknown[] = [];
    /** Items read of the current list (kept in `items` only when mapped). */
    let count = 0;
    let failed: ListRead | undefined;
    let listNo = 0;
    const splitter = new JsonListSplitter(list.key, (text, n) => {
      if (n !== listNo) {
        // The key again: JSON's last one wins.
        listNo = n;
        items = [];
        count = 0;
        if (failed && !("thrown" in failed)) failed = undefined;
      }
      if (failed) return;
      const index = count++;
      let item: unknown;
      try {
        item = JSON.parse(text);
      } catch {
        failed = { problem: "the body is not JSON" };
        return;
      }
      const problem = list.item.check(item, `${list.key}[${index}]`);
      if (problem !== undefined) {
        failed = { problem };
        return;
      }
      if (list.map === undefined) return;
      try {
        items.push(list.map(this.secrets.active && this.secrets.has(text) ? redact(item, this.secrets) : item, index, status));
      } catch (err) {
        failed = { thrown: err };
      }
    });
    const whole: Buffer[] = [];
    let head = Buffer.alloc(0);
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      // Cut off as soon as the body passes the limit, or announces more.
      if (bytes > this.maxResponseBytes || Number(headers["content-length"]) > this.maxResponseBytes) {
        stream.destroy();
        return { tooLarge: { status, contentType: headerText(headers["content-type"]) } };
      }
      if (status >= 200 && status < 300) {
        if (head.length < 240) head = Buffer.concat([head, chunk.subarray(0, 240 - head.length)]);
        splitter.write(chunk);
      } else {
        whole.push(chunk);
      }
    }
    if (status < 200 || status >= 300) {
      const rawBody = Buffer.concat(whole);
      return { response: { statusCode: status, headers, body: rawBody.length === 0 ? "" : tolerantParseJson(rawBody.toString("utf8")), rawBody } };
    }
    // The envelope is redacted here, from its own text: rawBody holds only the answer's first bytes (for messages).
    const envelope = splitter.end();
    const parsed = envelope === "" ? "" : tolerantParseJson(envelope);
    const body = parsed instanceof NonJsonBody || !this.secrets.active || !this.secrets.has(envelope) ? parsed : redact(parsed, this.secrets);
    return { response: { statusCode: status, headers, body, rawBody: head, list: failed ?? { items } } };
  }

  private classifyStatus(spec: RequestSpec, res: Answer, ev: EventBase): Failure {
    const status = res.statusCode;
    const body = redact(res.body, this.secrets);
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
    if (status === 429) {
      // The server refused without acting: any request may be repeated, and the whole account waits.
      this.stats.throttled++;
      const waitMs = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      this.pacer.hold(this.now() + Math.min(waitMs, this.maxRetryAfterMs));
      this.emit({ ...ev, type: "throttle", retryAfterMs: waitMs });
      return { kind: "http", status, retryable: true, mayRetry: true, mayHaveReached: false, retryAfterMs: waitMs, body };
    }
    const retryable = isRetryableStatus(status, spec.method);
    const failure: Failure = {
      kind: "http",
      status,
      retryable,
      // A 5xx on a create does not prove the server did nothing: only "safe" requests are repeated.
      mayRetry: retryable && spec.retry === "safe",
      mayHaveReached: false,
      body,
    };
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    return failure;
  }

  private classifyError(spec: RequestSpec, error: unknown): Failure {
    const { kind, code } = networkKind(error);
    const safe = spec.retry === "safe";
    switch (kind) {
      case "connect": {
        // Nothing was sent. A refusal after this provider has answered before is a restart or an
        // overloaded listener: worth retrying, even for a create. A refusal on first contact or a DNS
        // failure is a wrong URL: fail fast.
        const transient = code === "ECONNREFUSED" && this.everAnswered;
        const detail =
          code === "ECONNREFUSED"
            ? `connection refused by ${this.hostLabel} — is the provider URL right?`
            : `cannot reach ${this.base.hostname} (${code}) — is the provider URL right?`;
        return { kind, networkCode: code, retryable: transient, mayRetry: transient, mayHaveReached: false, detail };
      }
      case "timeout": {
        const connected = gotModule !== undefined && error instanceof gotModule.RequestError && error.timings?.connect !== undefined;
        const secs = this.timeoutMs >= 1000 ? `${+(this.timeoutMs / 1000).toFixed(1)} s` : `${this.timeoutMs} ms`;
        return {
          kind,
          networkCode: code,
          retryable: true,
          mayRetry: safe || !connected,
          mayHaveReached: connected,
          detail: `no answer from ${this.hostLabel} within ${secs}`,
        };
      }
      case "reset":
        return {
          kind,
          networkCode: code,
          retryable: true,
          mayRetry: safe,
          mayHaveReached: true,
          detail: `connection reset by ${this.hostLabel} (${code}) before an answer`,
        };
      default:
        return {
          kind,
          networkCode: code,
          retryable: false,
          mayRetry: false,
          mayHaveReached: false,
          detail: `network error talking to ${this.hostLabel} (${code})`,
        };
    }
  }

  private toError(init: ProviderHttpErrorInit, spec: RequestSpec, f: Failure, attempts: number): ProviderApiError {
    const parsed = f.status !== undefined ? parseErrorBody(f.body, this.opts.parseErrorBody) : {};
    const fallback = f.status !== undefined ? http.STATUS_CODES[f.status] : undefined;
    const providerMessage = parsed.message ?? fallback;
    let body: unknown = f.body;
    if (body instanceof NonJsonBody) body = truncate(body.text);
    if (body === "") body = undefined;
    return new ProviderApiError({
      ...init,
      kind: f.kind,
      status: f.status,
      // Provider text is printed: secrets out, control characters escaped (no forged log lines).
      code: parsed.code === undefined ? undefined : printable(redact(parsed.code, this.secrets)),
      providerMessage: providerMessage === undefined ? undefined : printable(redact(providerMessage, this.secrets)),
      retryable: f.retryable,
      // Only a request that may have reached the server, may have an effect (not a GET), and whose
      // effect nobody will find out about by repeating it, is ambiguous.
      ambiguous: f.mayHaveReached && spec.method !== "GET",
      attempts,
      networkCode: f.networkCode,
      body,
      retryAfterMs: f.retryAfterMs,
      detail: f.detail,
      note: f.note,
    });
  }

  private urlFor(spec: RequestSpec): URL {
    if (!spec.path.startsWith("/")) {
      throw new TypeError(`${this.opts.provider}: request path must start with "/", got ${JSON.stringify(spec.path)}`);
    }
    const url = new URL(this.base.href.replace(/\/+$/, "") + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined) url.searchParams.append(k, String(v));
    }
    return url;
  }

  private emit(e: HttpEvent): void {
    if (!this.opts.onEvent) return;
    try {
      this.opts.onEvent(e);
    } catch {
      // Logging must never break a request.
    }
  }
}

function responseBody(body: unknown): unknown {
  if (body === "" || body === undefined) return null;
  if (body instanceof NonJsonBody) return body.text;
  return body;
}

function networkKind(error: unknown): { kind: FailureKind; code: string } {
  const code =
    (error !== null && typeof error === "object" && typeof (error as { code?: unknown }).code === "string"
      ? (error as { code: string }).code
      : undefined) ?? "UNKNOWN";
  if ((gotModule !== undefined && error instanceof gotModule.TimeoutError) || code === "ETIMEDOUT") return { kind: "timeout", code: "ETIMEDOUT" };
  if (code === "ECONNREFUSED" || CONNECT_NEVER_REACHED.has(code)) return { kind: "connect", code };
  if (RESET_CODES.has(code)) return { kind: "reset", code };
  return { kind: "network", code };
}

function reasonOf(f: Failure): string {
  if (f.status !== undefined) {
    return f.retryAfterMs !== undefined ? `${f.status} (Retry-After ${f.retryAfterMs} ms)` : String(f.status);
  }
  return f.kind === "timeout" ? "timeout" : (f.networkCode ?? f.kind);
}

/** Undefined when the answer is what the endpoint needs; else what is wrong with it. */
function checkAnswer(check: ResponseCheck, raw: unknown): string | undefined {
  if (raw instanceof NonJsonBody) return raw.text.trim() === "" ? "the body is empty" : "the body is not JSON";
  return check.check(raw === "" || raw === undefined ? null : raw);
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(", ") : v;
}

/**
 * The line shown on stderr while a request waits to be retried: who, how long, why.
 * "altur/default: waiting 30 s before retrying list campaigns (attempt 2): HTTP 429, Retry-After 120 s, capped at 30 s (retryWait.maxSeconds)"
 */
export function describeRetryWait(e: Extract<HttpEvent, { type: "retry" }>): string {
  const why: string[] = [e.status !== undefined ? `HTTP ${e.status}` : e.reason];
  if (e.retryAfterMs !== undefined) why.push(`Retry-After ${seconds(e.retryAfterMs)}`);
  if (e.capped) why.push(`capped at ${seconds(e.delayMs)} (retryWait.maxSeconds)`);
  return `${e.provider}/${e.account}: waiting ${seconds(e.delayMs)} before retrying ${e.operation} (attempt ${e.attempt + 1}): ${why.join(", ")}`;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

