import { describe, expect, it } from 'vitest'
import { LONG_TTL, rejection, type SuiteContext } from './state-store-context'
import type { StateStoreUnderTest } from './state-store-types'

/** Name, availability, argument checks and disposal. */
export function lifecycleCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('lifecycle', () => {
    it('has a name and is available once an operation succeeded', async () => {
      const store = await ctx.create()
      expect(typeof store.name).toBe('string')
      expect(store.name.length).toBeGreaterThan(0)
      const unsubscribe = store.onStatus(() => undefined)
      expect(typeof unsubscribe).toBe('function')
      await store.readInFlight()
      expect(store.status).toEqual({ state: 'available' })
      unsubscribe()
      unsubscribe() // idempotent
    })

    it('rejects bad arguments with INVALID_ARGUMENT before touching anything', async () => {
      const store = await ctx.create()
      const bad: Array<Promise<unknown>> = [
        store.addInFlight('gpu-a', 'one', 1, 0),
        store.addInFlight('gpu-a', 'one', 1, -5),
        store.addInFlight('gpu-a', 'one', 1, Number.NaN),
        store.addInFlight('gpu-a', 'one', 1, Number.POSITIVE_INFINITY),
        store.addInFlight('gpu-a', 'one', 1.5, LONG_TTL),
        store.addInFlight('', 'one', 1, LONG_TTL),
        store.tryLock({ serverId: 'gpu-a', ownerId: '', ttlMs: LONG_TTL }),
        store.tryLease('gpu-a', 'one', 0),
        store.setOwner('p-1', 'gpu-a', -1),
        store.getOwner(''),
      ]
      for (const call of bad) expect((await rejection(call)).code).toBe('INVALID_ARGUMENT')
      expect(await store.readInFlight()).toEqual({})
    })

    it('rejects every operation with STATE_STORE_UNAVAILABLE after dispose, which is idempotent', async () => {
      const store = await ctx.create()
      await store.addInFlight('gpu-a', 'one', 1, LONG_TTL)
      await store.dispose()
      await store.dispose()
      const calls: Array<Promise<unknown>> = [
        store.addInFlight('gpu-a', 'one', 1, LONG_TTL),
        store.readInFlight(),
        store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: LONG_TTL }),
        store.readLock(),
        store.releaseLock('one'),
        store.readMarks(),
        store.readProbes(),
        store.tryLease('gpu-a', 'one', LONG_TTL),
        store.getOwner('p-1'),
        store.deleteOwner('p-1'),
      ]
      for (const call of calls) {
        const error = await rejection(call)
        expect(error.code).toBe('STATE_STORE_UNAVAILABLE')
        expect(error.message).toContain(store.name)
      }
      expect(store.status.state).toBe('unavailable')
      expect(typeof store.subscribeProbes(() => undefined)).toBe('function')
    })
  })
}
