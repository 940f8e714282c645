/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown

/**
 * The balancer's only source of time. Inject a test clock to drive cache expiry, timeouts,
 * backoff and background refresh exactly, without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin, for test clocks). */
  now(): number
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void
}

/**
 * The real clock. It looks the globals up on every call, so fake timers installed after the
 * balancer was created still take effect.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms)
    // A background probe must never keep a Node process alive on its own.
    ;(handle as { unref?: () => void }).unref?.()
    return handle
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
}

/** A source of uniform random numbers in [0, 1), like `Math.random`. Inject a seeded one in tests. */
export type RandomSource = () => number
