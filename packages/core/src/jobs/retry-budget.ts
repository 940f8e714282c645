import type { RetrySettings } from '../config/types.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import { backoffDelay } from '../util/backoff.js'

/**
 * A retry budget (as Envoy and Finagle keep one): retries across the balancer stay under a share of
 * recent submissions plus a small floor, so a cluster that fails every request does not turn each
 * job into several. Memory is bounded by the window.
 */
export class RetryBudget {
  readonly #submissions: number[] = []
  readonly #retries: number[] = []

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly settings: () => RetrySettings,
  ) {}

  /** A new submission (not a retry) started. */
  submitted(): void {
    const now = this.clock.now()
    this.#submissions.push(now)
    // Pruned here too: a run without retries would otherwise keep one timestamp per job forever.
    if (this.#submissions.length % 64 === 0) prune(this.#submissions, now - this.settings().retryWindowMs)
  }

  /** Submissions remembered now (at most those of one window, give or take 64). */
  get remembered(): number {
    return this.#submissions.length
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    const { retryRatio, retryMin, retryWindowMs } = this.settings()
    const now = this.clock.now()
    prune(this.#submissions, now - retryWindowMs)
    prune(this.#retries, now - retryWindowMs)
    const allowed = Math.max(retryMin, Math.floor(retryRatio * this.#submissions.length))
    if (this.#retries.length >= allowed) return false
    this.#retries.push(now)
    return true
  }

  /** How long to wait before retry number `n` (1-based): full jitter, exponential, capped. */
  backoffMs(n: number): number {
    const { retryBackoffMs, retryBackoffCapMs } = this.settings()
    const step = { attempt: n, baseMs: retryBackoffMs, maxMs: retryBackoffCapMs, jitter: 'full' } as const
    return backoffDelay(step, this.random)
  }
}

function prune(times: number[], before: number): void {
  let drop = 0
  while (drop < times.length && times[drop]! <= before) drop++
  if (drop > 0) times.splice(0, drop)
}
