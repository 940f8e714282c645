import type { TimerHandle } from '../clock'
import type { ModelClock } from '../model/types'

/**
 * A view of `clock` that remembers its pending timers, so a server can cancel all of them when it
 * closes (a shared cluster clock cannot be cleared as a whole).
 */
export class TrackedClock implements ModelClock {
  readonly #clock: ModelClock
  readonly #pending = new Set<TimerHandle>()

  constructor(clock: ModelClock) {
    this.#clock = clock
  }

  now(): number {
    return this.#clock.now()
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = this.#clock.setTimeout(() => {
      this.#pending.delete(handle)
      callback()
    }, ms)
    this.#pending.add(handle)
    return handle
  }

  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle)
    this.#clock.clearTimeout(handle)
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms))
  }

  /** Cancels every timer set through this view that has not fired. */
  clearAll(): void {
    for (const handle of this.#pending) this.#clock.clearTimeout(handle)
    this.#pending.clear()
  }
}
