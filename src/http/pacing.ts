/**
 * Per-account pacing: attempt starts are released first-come first-served on a grid spaced 1/rate s
 * apart (a token bucket of capacity 1 refilled at `rate`/s: no burst at start, no credit banked while
 * idle), plus an account-wide hold set by 429 answers. A start is never earlier than its grid slot; when
 * a timer fires late the grid is kept, so one gap may be shorter by that lateness (a few ms) while the
 * long-run rate stays exactly `rate`. A server enforcing a token bucket refilled at `rate`/s with a
 * capacity of 2 or more (the providers: capacity = rate) therefore never answers 429 because of us.
 */

/**
 * Default requests in flight for an account paced at `requestsPerSecond`: Little's law says
 * rate × latency are in flight on average when the pacing is the limit; twice that leaves room for
 * slow answers (with 4 slots at 500 ms, Puffle's 10/s was capped at 8/s). At least 2.
 */
export function defaultConcurrency(requestsPerSecond: number, typicalLatencyMs: number): number {
  return Math.max(2, Math.ceil((requestsPerSecond * typicalLatencyMs * 2) / 1000));
}

export type Clock = () => number;

export const monotonicNow: Clock = () => performance.now();

export class Pacer {
  private readonly intervalMs: number;
  private readonly waiters: Array<() => void> = [];
  /** Scheduled start of the previous release (the grid the next one is spaced from). */
  private lastStart = Number.NEGATIVE_INFINITY;
  private holdUntil = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    requestsPerSecond: number,
    private readonly now: Clock = monotonicNow,
  ) {
    if (!(requestsPerSecond > 0) || !Number.isFinite(requestsPerSecond)) {
      throw new RangeError(`requestsPerSecond must be a positive number, got ${requestsPerSecond}`);
    }
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /** Resolves when the caller may start one attempt. */
  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
  }

  /** Hold every start of this account until `until` (clock ms). Extends, never shortens, a hold. */
  hold(until: number): void {
    if (until <= this.holdUntil) return;
    this.holdUntil = until;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  /** Whether a 429 hold keeps starts back at this moment. */
  held(): boolean {
    return this.holdUntil > this.now();
  }

  /** Requests waiting for a start slot. */
  get queued(): number {
    return this.waiters.length;
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    while (this.waiters.length > 0) {
      const now = this.now();
      const earliest = Math.max(this.lastStart + this.intervalMs, this.holdUntil);
      if (now < earliest) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(earliest - now));
        return;
      }
      // Keep the grid when the timer fired a little late (no cumulative drift), but never bank credit
      // from idle time: after a gap the grid restarts at now.
      this.lastStart = now - earliest < this.intervalMs ? earliest : now;
      this.waiters.shift()!();
    }
  }
}

/** FIFO counting semaphore: at most `limit` holders at a time. */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
    }
  }

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }

  get inFlight(): number {
    return this.active;
  }
}
