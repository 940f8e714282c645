import type { TimerHandle } from '../clock'
import type { ModelClock } from '../model/types'

/** A real clock running `1 / timeScale` times faster than the wall clock; see {@link createScaledClock}. */
export interface ScaledClock extends ModelClock {
  /** Wall-clock milliseconds per simulated millisecond: 0.01 runs a 300 ms job in 3 ms. */
  readonly timeScale: number
  /** Simulated epoch milliseconds. */
  now(): number
  /** Runs `callback` after `ms` simulated milliseconds (`ms * timeScale` of wall time). */
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  /** Resolves after `ms` simulated milliseconds. */
  sleep(ms: number): Promise<void>
}

/** Options of {@link createScaledClock}. */
export interface ScaledClockOptions {
  /** Simulated epoch milliseconds at creation; default `Date.now()`. */
  start?: number
}

/**
 * A clock on real time, sped up (or slowed down) by `timeScale`: `now()` reports simulated
 * milliseconds, which advance `1 / timeScale` times as fast as the wall clock, and timers fire after
 * `ms * timeScale` wall milliseconds. It has core's `Clock` shape, so a balancer can run on the same
 * simulated time as the servers. Timers are ordinary Node timers (1 ms resolution).
 *
 * @example
 * ```ts
 * const clock = createScaledClock(0.01)
 * await clock.sleep(300) // about 3 ms of wall time; clock.now() moved about 300
 * ```
 */
export function createScaledClock(timeScale = 1, options: ScaledClockOptions = {}): ScaledClock {
  if (!(timeScale > 0 && Number.isFinite(timeScale))) {
    throw new RangeError(`timeScale must be a positive number, got ${timeScale}`)
  }
  const start = options.start ?? Date.now()
  const wallStart = performance.now()
  const now = (): number => start + (performance.now() - wallStart) / timeScale
  const clock: ScaledClock = {
    timeScale,
    now,
    setTimeout(callback, ms) {
      const due = now() + toDelay(ms)
      const timer: ScaledTimer = { wall: undefined }
      // Node timers have 1 ms resolution and may fire up to 1 ms early, which a small timeScale
      // magnifies; re-arm until simulated time has really reached `due`.
      const arm = (): void => {
        timer.wall = globalThis.setTimeout(
          () => {
            if (now() < due) arm()
            else callback()
          },
          (due - now()) * timeScale,
        )
      }
      arm()
      return timer
    },
    clearTimeout(handle) {
      const timer = handle as ScaledTimer | undefined
      if (timer?.wall !== undefined) globalThis.clearTimeout(timer.wall)
    },
    sleep: (ms) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)),
  }
  return clock
}

interface ScaledTimer {
  wall: ReturnType<typeof globalThis.setTimeout> | undefined
}

function toDelay(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0
}
