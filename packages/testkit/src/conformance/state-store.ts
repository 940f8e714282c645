import { afterEach, describe } from 'vitest'
import { suiteContext } from './state-store-context'
import { inFlightCases, leaseCases, lockCases } from './state-store-counts'
import { lifecycleCases } from './state-store-lifecycle'
import { markCases, ownerCases, probeCases } from './state-store-records'
import type { StateStoreHarness, StateStoreUnderTest } from './state-store-types'

/**
 * Runs the `StateStore` conformance suite: in-flight counts add up exactly under concurrency from
 * two instances and lapse per owner; the sticky lock and probe leases go to exactly one of many
 * racing instances, are released or renewed only by their owner and lapse after their TTL; marks,
 * probe records and job ownership are shared, replaced and lapse; probe publications reach every
 * subscriber until it unsubscribes, and a throwing listener does not stop the others; bad arguments
 * reject with `INVALID_ARGUMENT`; a disposed store rejects with `STATE_STORE_UNAVAILABLE`. Call it at
 * the top level of a vitest file.
 *
 * @example
 * ```ts
 * import { createMemoryStateStore } from '@comfy-balancer/core'
 * import { createTestClock } from '@comfy-balancer/testkit'
 * import { describeStateStore } from '@comfy-balancer/testkit/conformance'
 *
 * const clock = createTestClock()
 * describeStateStore('memory', {
 *   create: () => createMemoryStateStore({ clock }),
 *   advance: (ms) => clock.advance(ms),
 *   now: () => clock.now(),
 * })
 * ```
 */
export function describeStateStore<S extends StateStoreUnderTest>(
  title: string,
  harness: StateStoreHarness<S>,
): void {
  const ctx = suiteContext(title, harness)
  describe(`StateStore conformance: ${title}`, () => {
    afterEach(() => ctx.cleanup())
    lifecycleCases(ctx)
    inFlightCases(ctx)
    lockCases(ctx)
    leaseCases(ctx)
    markCases(ctx)
    probeCases(ctx)
    ownerCases(ctx)
  })
}
