import type { FaultSettings } from "./types.js";

/** No faults: no latency, no injected errors or resets, the provider's own rate limit. */
export const DEFAULT_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  resetRate: 0,
  requestsPerSecond: null,
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
