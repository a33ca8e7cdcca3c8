import type { AnswerOverride, FaultSettings } from "./types.js";

/** No faults: no latency, no injected errors or resets, the provider's own rate limit. */
export const DEFAULT_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  resetRate: 0,
  requestsPerSecond: null,
  seed: null,
});

/** Upper bound for injected latency, so a typo cannot hang a client for hours. */
export const MAX_LATENCY_MS = 60_000;

type Check = (value: unknown) => string | undefined;

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

const CHECKS: Readonly<Record<keyof FaultSettings, Check>> = {
  latencyMs: (v) => (isNumber(v) && v >= 0 && v <= MAX_LATENCY_MS ? undefined : `a number of milliseconds between 0 and ${MAX_LATENCY_MS}`),
  errorRate: (v) => (isNumber(v) && v >= 0 && v <= 1 ? undefined : "a number between 0 and 1"),
  errorStatus: (v) => (isNumber(v) && Number.isInteger(v) && v >= 400 && v <= 599 ? undefined : "an integer HTTP status between 400 and 599"),
  resetRate: (v) => (isNumber(v) && v >= 0 && v <= 1 ? undefined : "a number between 0 and 1"),
  requestsPerSecond: (v) =>
    v === null || (isNumber(v) && v >= 0 && v <= 1_000_000)
      ? undefined
      : "null (the provider's default), 0 (unlimited) or a positive number of requests per second",
  seed: (v) => (v === null || (isNumber(v) && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) ? undefined : "null (unseeded) or an integer from 0 to 4294967295"),
};

/**
 * Merge a PUT /__sandbox/faults body into the current settings. Partial bodies keep the other values.
 * Returns every problem at once instead of the merged settings when the body is invalid.
 */
export function mergeFaults(current: FaultSettings, patch: unknown): { settings: FaultSettings } | { problems: string[] } {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return { problems: ["the body must be a JSON object such as {\"errorRate\":0.5}"] };
  }
  const problems: string[] = [];
  const next: FaultSettings = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!Object.prototype.hasOwnProperty.call(CHECKS, key)) {
      problems.push(`unknown setting ${JSON.stringify(key)} (known: ${Object.keys(CHECKS).join(", ")})`);
      continue;
    }
    const name = key as keyof FaultSettings;
    const problem = CHECKS[name](value);
    if (problem !== undefined) problems.push(`${name} must be ${problem} (got ${JSON.stringify(value) ?? "undefined"})`);
    else (next as unknown as Record<string, unknown>)[name] = value;
  }
  return problems.length > 0 ? { problems } : { settings: next };
}

/**
 * The fault coins of one listener: mulberry32 over a 32-bit seed (small, fast, and the same sequence
 * on every platform), or Math.random when no seed is set.
 */
export function faultCoins(seed: number | null): () => number {
  if (seed === null) return Math.random;
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PUT /__sandbox/answers body: a list of canned answers (an empty list removes them all). */
export function parseAnswers(body: unknown): { answers: AnswerOverride[] } | { problems: string[] } {
  if (!Array.isArray(body)) return { problems: ['the body must be a JSON list such as [{"method":"POST","path":"/api/campaigns/*/leads","status":200,"body":{}}]'] };
  const problems: string[] = [];
  const answers: AnswerOverride[] = [];
  body.forEach((item: unknown, i) => {
    const o = (typeof item === "object" && item !== null && !Array.isArray(item) ? item : {}) as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !["method", "path", "status", "body"].includes(k));
    if (unknown.length > 0) problems.push(`[${i}]: unknown key ${JSON.stringify(unknown[0])} (known: method, path, status, body)`);
    if (typeof o.method !== "string" || !/^[A-Za-z]+$/.test(o.method)) problems.push(`[${i}].method must be an HTTP method such as "POST"`);
    if (typeof o.path !== "string" || !o.path.startsWith("/")) problems.push(`[${i}].path must be a request path starting with "/" (* = one segment)`);
    if (!isNumber(o.status) || !Number.isInteger(o.status) || o.status < 200 || o.status > 599) problems.push(`[${i}].status must be an integer HTTP status between 200 and 599`);
    if (problems.length === 0) {
      answers.push({ method: (o.method as string).toUpperCase(), path: o.path as string, status: o.status as number, ...(o.body === undefined ? {} : { body: o.body }) });
    }
  });
  return problems.length > 0 ? { problems } : { answers };
}

/** The first canned answer whose method and path (segment by segment, `*` = any one segment) match. */
export function findAnswer(answers: readonly AnswerOverride[], method: string, path: string): AnswerOverride | undefined {
  const segs = path.split("/");
  return answers.find((a) => {
    if (a.method !== method) return false;
    const want = a.path.split("/");
    return want.length === segs.length && want.every((w, i) => w === "*" ? segs[i] !== "" : w === segs[i]);
  });
}
