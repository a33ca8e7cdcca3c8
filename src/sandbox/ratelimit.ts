/**
 * Token buckets keyed by API key: capacity = rate (at least one token), refilled at `rate` tokens per
 * second. A change of rate starts every bucket full again.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private rate = Number.NaN;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** Take one token. `rate` 0 = unlimited. Returns the whole seconds to wait (≥ 1) when the bucket is empty. */
  take(key: string, rate: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (rate !== this.rate) {
      this.buckets.clear();
      this.rate = rate;
    }
    if (rate <= 0) return { allowed: true };
    const capacity = Math.max(rate, 1);
    const now = this.clock();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= 10_000) this.buckets.clear();
      bucket = { tokens: capacity, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) };
  }

  clear(): void {
    this.buckets.clear();
  }
}
