import { type ScheduledTimer, TimerHeap } from './internal/timer-heap'

/** An opaque handle returned by {@link TestClock.setTimeout}; structurally the same as core's. */
export type TimerHandle = unknown

/**
 * A deterministic clock for tests. It is structurally compatible with core's `Clock`, so it can be
 * injected into a balancer, and it also drives the simulated servers. Time moves only when a test
 * calls {@link TestClock.advance}.
 */
export interface TestClock {
  /** Current clock time in epoch milliseconds. */
  now(): number
  /** Runs `callback` once, when {@link TestClock.advance} reaches `now() + ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void
  /**
   * Moves time forward by `ms`, firing due timers in time order (ties in creation order). Timers
   * that callbacks schedule inside the window fire too. Pending promises and I/O are flushed first
   * (so requests already sent arrive at the current time), after each timer and at the end, so
   * work started by a timer (an msw-intercepted `fetch`, say) settles before the next timer fires. Calls made while an advance runs wait for it and then continue.
   * A throwing callback rejects the advance, leaving the clock at that callback's time.
   */
  advance(ms: number): Promise<void>
  /** Lets pending promises and I/O settle without moving time or firing timers. */
  flush(): Promise<void>
  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number
  /** Resolves after `ms` of clock time, i.e. when an advance passes that point. */
  sleep(ms: number): Promise<void>
}

/** Options for {@link createTestClock}. */
export interface TestClockOptions {
  /**
   * How many macrotask turns one flush waits. Each turn drains all microtasks first. The default
   * of 20 is enough for an msw-intercepted `fetch` to deliver its response and body.
   */
  flushRounds?: number
}

/** The clock's start time when none is given: 2023-11-14T22:13:20Z, a round, recognisable value. */
export const DEFAULT_CLOCK_START = 1_700_000_000_000

// Captured at load time so that fake timers installed later by a test cannot stall a flush.
const realSetImmediate: (callback: () => void) => void =
  typeof globalThis.setImmediate === 'function'
    ? globalThis.setImmediate.bind(globalThis)
    : (callback) => globalThis.setTimeout(callback, 0)

/**
 * Creates a {@link TestClock} starting at `start` epoch milliseconds.
 *
 * @example
 * ```ts
 * const clock = createTestClock()
 * const woke = clock.sleep(1_000)
 * await clock.advance(1_000) // `woke` is now resolved
 * ```
 */
export function createTestClock(
  start: number = DEFAULT_CLOCK_START,
  options: TestClockOptions = {},
): TestClock {
  const flushRounds = Math.max(1, options.flushRounds ?? 20)
  const heap = new TimerHeap()
  const live = new Map<number, ScheduledTimer>()
  let now = start
  let nextId = 1
  let advancing: Promise<void> = Promise.resolve()

  const flush = async (): Promise<void> => {
    for (let round = 0; round < flushRounds; round++) {
      await new Promise<void>((resolve) => realSetImmediate(resolve))
    }
  }

  // Cleared timers stay in the heap until popped; rebuild it when they dominate, because a
  // balancer sets and clears a timeout on every probe.
  const compact = (): void => {
    if (heap.size < 64 || heap.size < live.size * 2) return
    heap.clear()
    for (const timer of live.values()) heap.push(timer)
  }

  const nextDue = (until: number): ScheduledTimer | undefined => {
    for (;;) {
      const top = heap.peek()
      if (top === undefined || top.at > until) return undefined
      heap.pop()
      if (live.delete(top.id)) return top
    }
  }

  const run = async (ms: number): Promise<void> => {
    // Work already in flight happens at the current time, before time moves.
    await flush()
    const target = now + toDelay(ms)
    for (let timer = nextDue(target); timer !== undefined; timer = nextDue(target)) {
      now = timer.at
      timer.callback()
      await flush()
    }
    now = target
    await flush()
  }

  const clock: TestClock = {
    now: () => now,
    setTimeout(callback, ms) {
      const timer: ScheduledTimer = { id: nextId++, at: now + toDelay(ms), callback }
      live.set(timer.id, timer)
      heap.push(timer)
      return timer.id
    },
    clearTimeout(handle) {
      if (typeof handle === 'number' && live.delete(handle)) compact()
    },
    advance(ms) {
      const result = advancing.then(() => run(ms))
      // A failed advance must not poison the ones queued behind it.
      advancing = result.catch(() => undefined)
      return result
    },
    flush,
    pendingTimers: () => live.size,
    sleep: (ms) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)),
  }
  return clock
}

// Like the platform's setTimeout: negative, NaN or missing delays mean "as soon as possible".
function toDelay(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0
}
