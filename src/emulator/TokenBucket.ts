/**
 * The emulator's rate limiter: one token bucket, refilled continuously, like
 * the per-scope buckets Atlas puts in front of its Admin API.
 *
 * @since 0.1.0
 */

/**
 * Size and refill rate of a bucket.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimitOptions {
  /** Requests the bucket holds when full; sent as `RateLimit-Limit`. */
  readonly capacity: number
  /** Requests added back per second. */
  readonly refillPerSecond: number
}

/**
 * What one request drew from the bucket.
 *
 * @since 0.1.0
 * @category models
 */
export interface TokenBucketTake {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Whole seconds until one request fits again (0 when allowed). */
  readonly retryAfterSeconds: number
}

/**
 * A continuously refilled token bucket.
 *
 * @since 0.1.0
 * @category constructors
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = options.capacity
    this.last = now
  }

  /** Takes one token if there is one. */
  take(now: number): TokenBucketTake {
    const { capacity, refillPerSecond } = this.options
    this.tokens = Math.min(capacity, this.tokens + (Math.max(0, now - this.last) / 1000) * refillPerSecond)
    this.last = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return { allowed: true, limit: capacity, remaining: Math.floor(this.tokens), retryAfterSeconds: 0 }
    }
    const wait = refillPerSecond > 0 ? Math.ceil((1 - this.tokens) / refillPerSecond) : 3600
    return { allowed: false, limit: capacity, remaining: 0, retryAfterSeconds: Math.max(1, wait) }
  }

  /** Fills the bucket again (used by `resetStats`-style test helpers). */
  refill(now: number): void {
    this.tokens = this.options.capacity
    this.last = now
  }
}
