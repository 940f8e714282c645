import type { Clock, RandomSource, TimerHandle } from '../contracts/clock.js'
import { jittered } from '../util/backoff.js'

/**
 * Background refresh: reference-counted `start()`/`stop()`, one round at a time, each next round
 * shifted by ±jitter so many balancers started together drift apart instead of probing in lockstep.
 */
export class BackgroundRefresher {
  #runCount = 0
  #generation = 0
  #timer: TimerHandle | undefined

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly timing: () => { intervalMs: number; jitter: number },
    private readonly refresh: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get running(): boolean {
    return this.#runCount > 0
  }

  /** Returns true when this call started probing (the first start). */
  start(): boolean {
    this.#runCount += 1
    if (this.#runCount > 1) return false
    this.#generation += 1
    this.#round(this.#generation)
    return true
  }

  /** Returns true when this call stopped probing (the last stop). */
  stop(): boolean {
    if (this.#runCount === 0) return false
    this.#runCount -= 1
    if (this.#runCount > 0) return false
    this.#clearTimer()
    return true
  }

  dispose(): void {
    this.#runCount = 0
    this.#clearTimer()
  }

  #round(generation: number): void {
    // A stop() (and maybe a new start()) since this round began makes it obsolete.
    const current = () => this.#runCount > 0 && this.#generation === generation
    const next = () => {
      if (!current()) return
      const { intervalMs, jitter } = this.timing()
      this.#timer = this.clock.setTimeout(
        () => this.#round(generation),
        jittered(intervalMs, jitter, this.random),
      )
    }
    if (!current()) return
    this.refresh().then(next, (error: unknown) => {
      this.onError(error)
      next()
    })
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
