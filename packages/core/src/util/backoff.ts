import type { RandomSource } from '../contracts/clock.js'

/**
 * How a delay is spread so that many balancers (or many jobs) do not retry in lockstep:
 * - `'none'`: the delay exactly; no random value is drawn.
 * - `'full'`: uniform in [0, delay) ("full jitter", as AWS recommends for contended retries).
 * - a share `j` in [0, 1]: delay × (1 ± j). One random value is always drawn, even for 0, so a
 *   caller's random sequence (often shared with strategies) does not depend on its setting.
 */
export type Jitter = 'none' | 'full' | number

/** An exponential backoff: `baseMs`, then doubling, never past `maxMs`. */
export interface BackoffPolicy {
  /** The delay of attempt 1 (ms, before jitter). */
  readonly baseMs: number
  /** The longest delay (ms, before jitter); it also bounds attempt 1 when `baseMs` is larger. */
  readonly maxMs: number
  /** How the delay is spread. Default `'none'`. */
  readonly jitter?: Jitter
}

/** One step of a {@link BackoffPolicy}. */
export interface BackoffStep extends BackoffPolicy {
  /** Which attempt this delay precedes, 1-based: attempt 1 waits `baseMs`. */
  readonly attempt: number
}

/** Past this exponent `2 ** n` stops being finite, and any finite base has long reached its cap. */
const MAX_EXPONENT = 1023

/**
 * The delay before attempt `attempt`: `min(maxMs, baseMs × 2^(attempt − 1))`, spread by `jitter`.
 * Pure: `random` is only called for jitter, once per call.
 */
export function backoffDelay(
  { attempt, baseMs, maxMs, jitter = 'none' }: BackoffStep,
  random: RandomSource = Math.random,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt) - 1), MAX_EXPONENT)
  // A zero base times an infinite power would be NaN; the exponent cap keeps the power finite.
  const ceiling = Math.max(0, Math.min(maxMs, baseMs * 2 ** exponent))
  if (jitter === 'none') return ceiling
  if (jitter === 'full') return Math.floor(random() * ceiling)
  return jittered(ceiling, jitter, random)
}

/**
 * Shifts `ms` randomly by up to ±`jitter` of itself (rounded to whole ms), so timers of many
 * balancers do not fire in lockstep. Draws one random value, even when `jitter` is 0.
 */
export function jittered(ms: number, jitter: number, random: RandomSource): number {
  return Math.max(0, Math.round(ms * (1 + (random() * 2 - 1) * jitter)))
}

/**
 * A running backoff for one retry loop: each {@link next} waits longer, {@link reset} starts over
 * after a success. The policy is read on every step, so a config change applies to the next one.
 */
export class Backoff {
  #attempt = 0

  constructor(
    private readonly policy: BackoffPolicy | (() => BackoffPolicy),
    private readonly random: RandomSource = Math.random,
  ) {}

  /** Attempts counted since the last reset. */
  get attempt(): number {
    return this.#attempt
  }

  /** Counts one more attempt and returns the delay before it (ms). */
  next(): number {
    this.#attempt++
    const policy = typeof this.policy === 'function' ? this.policy() : this.policy
    return backoffDelay({ ...policy, attempt: this.#attempt }, this.random)
  }

  /** A success: the next delay is the base one again. */
  reset(): void {
    this.#attempt = 0
  }
}
