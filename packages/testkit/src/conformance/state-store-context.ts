import { expect } from 'vitest'
import type { StateStoreHarness, StateStoreUnderTest } from './state-store-types'

// Captured at load time, so fake timers a test installs cannot stall the suite's real-time waits.
const realSetTimeout = globalThis.setTimeout.bind(globalThis)
const pause = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms))

/** A TTL long enough that nothing lapses while a test runs, on any clock. */
export const LONG_TTL = 60_000

/** What every group of cases gets: stores to test and time helpers that fit the harness. */
export interface SuiteContext<S extends StateStoreUnderTest> {
  /** A fresh store, disposed after the test. */
  create(): Promise<S>
  /** A second instance over `store`'s state, disposed after the test. */
  peer(store: S): Promise<S>
  /** The store clock's time. */
  now(): number
  /** The TTL to use where the test waits for an entry to lapse. */
  readonly shortTtl: number
  /**
   * How far a reported `until` may be off (ms): 0 on an exact clock; on real time, the rounding of
   * a remote TTL to whole milliseconds read at slightly different instants.
   */
  readonly slackMs: number
  /**
   * Checks that an entry set with {@link shortTtl} just now lapses: exactly at the TTL on an exact
   * clock (alive 1 ms before), or within the suite's bound on real time.
   */
  expectLapse(alive: () => Promise<boolean>): Promise<void>
  /** Waits (bounded) until `done()` holds, letting store time and I/O move. */
  until(done: () => boolean | Promise<boolean>, what: string): Promise<void>
  /** Disposes every store made since the last call. */
  cleanup(): Promise<void>
}

export function suiteContext<S extends StateStoreUnderTest>(
  title: string,
  harness: StateStoreHarness<S>,
): SuiteContext<S> {
  const timeoutMs = harness.timeoutMs ?? 5_000
  const exact = harness.advance
  const live: S[] = []
  const track = (store: S): S => {
    if (!live.includes(store)) live.push(store)
    return store
  }
  const until = async (done: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${title}: ${what} within ${timeoutMs} ms`)
      if (exact) await exact(1)
      await pause(5)
    }
  }
  const shortTtl = exact ? 1_000 : (harness.shortTtlMs ?? 60)
  return {
    create: async () => track(await harness.create()),
    peer: async (store) => track((await harness.peer?.(store)) ?? store),
    now: () => harness.now?.() ?? Date.now(),
    shortTtl,
    slackMs: exact ? 0 : 25,
    async expectLapse(alive) {
      if (exact) {
        await exact(shortTtl - 1)
        expect(await alive(), 'alive 1 ms before its TTL').toBe(true)
        await exact(1)
        expect(await alive(), 'gone at its TTL').toBe(false)
      } else {
        await until(async () => !(await alive()), 'expected the entry to lapse')
      }
    },
    until,
    async cleanup() {
      for (const store of live.splice(0)) {
        if (harness.dispose) await harness.dispose(store)
        else await store.dispose()
      }
    },
  }
}

/** The error a rejected promise carried, or a failed expectation when it resolved. */
export async function rejection(work: Promise<unknown>): Promise<{ code?: unknown; message: string }> {
  const outcome = await work.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(outcome, 'expected the call to reject').toBeInstanceOf(Error)
  return outcome as { code?: unknown; message: string }
}
