import type { TestClock } from './clock'

/** How a promise settled. */
export type Settled<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown }

/** Options for {@link driveClock}. */
export interface DriveOptions {
  /** Clock time per step (ms); default 100. */
  readonly stepMs?: number
  /** Clock time after which it gives up (ms); default 600,000. */
  readonly maxMs?: number
  /**
   * Real time to yield at each step (ms), for work a test clock does not drive (a real Redis round
   * trip, say); default 0.
   */
  readonly realYieldMs?: number
}

/**
 * Advances a test clock in steps until `promise` settles, and returns how it settled — for flows
 * that poll or back off on the clock. Throws if it is still pending after `maxMs` of clock time.
 */
export async function driveClock<T>(
  clock: TestClock,
  promise: Promise<T>,
  options: DriveOptions = {},
): Promise<Settled<T>> {
  let outcome: Settled<T> | undefined
  promise.then(
    (value) => {
      outcome = { ok: true, value }
    },
    (error: unknown) => {
      outcome = { ok: false, error }
    },
  )
  const step = options.stepMs ?? 100
  const maxMs = options.maxMs ?? 600_000
  for (let elapsed = 0; elapsed <= maxMs; elapsed += step) {
    await clock.flush()
    if (options.realYieldMs) await new Promise((resolve) => setTimeout(resolve, options.realYieldMs))
    if (outcome) return outcome
    await clock.advance(step)
  }
  throw new Error(`still pending after ${maxMs} ms of clock time`)
}
