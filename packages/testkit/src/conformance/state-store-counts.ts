import { describe, expect, it } from 'vitest'
import { LONG_TTL, type SuiteContext } from './state-store-context'
import type { StateStoreUnderTest } from './state-store-types'

/** In-flight counters: sums over owners, floors at zero, atomic under concurrency, lapsing per owner. */
export function inFlightCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('in-flight counts', () => {
    it('adds and subtracts per owner and answers the server total over all owners', async () => {
      const store = await ctx.create()
      expect(await store.readInFlight()).toEqual({})
      expect(await store.addInFlight('gpu-a', 'one', 1, LONG_TTL)).toBe(1)
      expect(await store.addInFlight('gpu-a', 'one', 2, LONG_TTL)).toBe(3)
      expect(await store.addInFlight('gpu-a', 'two', 4, LONG_TTL)).toBe(7)
      expect(await store.addInFlight('gpu-b', 'two', 1, LONG_TTL)).toBe(1)
      expect(await store.addInFlight('gpu-a', 'one', -1, LONG_TTL)).toBe(6)
      expect(await store.readInFlight()).toEqual({ 'gpu-a': 6, 'gpu-b': 1 })
    })

    it('never lets an owner go below zero, and leaves servers at zero out', async () => {
      const store = await ctx.create()
      await store.addInFlight('gpu-a', 'one', 2, LONG_TTL)
      await store.addInFlight('gpu-a', 'two', 1, LONG_TTL)
      // "one" releases more than it took (a ticket released twice): "two"'s job still counts.
      expect(await store.addInFlight('gpu-a', 'one', -5, LONG_TTL)).toBe(1)
      expect(await store.addInFlight('gpu-a', 'two', -1, LONG_TTL)).toBe(0)
      expect(await store.addInFlight('gpu-a', 'one', 1, LONG_TTL)).toBe(1)
      await store.addInFlight('gpu-a', 'one', -1, LONG_TTL)
      expect(await store.readInFlight()).toEqual({})
    })

    it("sets an owner's count (idempotent, 0 removes it) next to the other owners' counts", async () => {
      const store = await ctx.create()
      await store.addInFlight('gpu-a', 'two', 2, LONG_TTL)
      expect(await store.setInFlight('gpu-a', 'one', 3, LONG_TTL)).toBe(5)
      expect(await store.setInFlight('gpu-a', 'one', 3, LONG_TTL)).toBe(5)
      expect(await store.addInFlight('gpu-a', 'one', 1, LONG_TTL)).toBe(6)
      expect(await store.setInFlight('gpu-a', 'one', 1, LONG_TTL)).toBe(3)
      expect(await store.setInFlight('gpu-a', 'one', 0, LONG_TTL)).toBe(2)
      expect(await store.setInFlight('gpu-b', 'one', 0, LONG_TTL)).toBe(0)
      expect(await store.readInFlight()).toEqual({ 'gpu-a': 2 })
      await expect(store.setInFlight('gpu-a', 'one', -1, LONG_TTL)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      })
    })

    it('counts every concurrent add from two instances exactly', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      const adds = Array.from({ length: 100 }, (_, i) =>
        (i % 2 === 0 ? store : other).addInFlight('gpu-a', i % 4 < 2 ? 'one' : 'two', 1, LONG_TTL),
      )
      const totals = await Promise.all(adds)
      // Each add saw a distinct total: no two read-modify-writes interleaved.
      expect(new Set(totals).size).toBe(100)
      expect(Math.max(...totals)).toBe(100)
      expect(await other.readInFlight()).toEqual({ 'gpu-a': 100 })
    })

    for (const write of ['addInFlight', 'setInFlight'] as const) {
      it(`lapses an owner's count after its TTL (${write}), keeping the other owners' counts`, async () => {
        const store = await ctx.create()
        await store.addInFlight('gpu-a', 'long', 2, LONG_TTL)
        await store[write]('gpu-a', 'crashed', 3, ctx.shortTtl)
        await ctx.expectLapse(async () => (await store.readInFlight())['gpu-a'] === 5)
        expect(await store.readInFlight()).toEqual({ 'gpu-a': 2 })
      })
    }
  })
}

/** The sticky lock: taken only when free, released only by its owner, lapsing after its TTL. */
export function lockCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('sticky lock', () => {
    it('is taken only when free and reads back with its owner and end time', async () => {
      const store = await ctx.create()
      expect(await store.readLock()).toBeUndefined()
      const before = ctx.now()
      expect(await store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: LONG_TTL })).toBe(true)
      const after = ctx.now()
      expect(await store.tryLock({ serverId: 'gpu-b', ownerId: 'two', ttlMs: LONG_TTL })).toBe(false)
      expect(await store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: LONG_TTL })).toBe(false)
      const lock = await store.readLock()
      expect(lock).toMatchObject({ serverId: 'gpu-a', ownerId: 'one' })
      expect(lock?.until).toBeGreaterThan(before)
      expect(lock?.until).toBeLessThanOrEqual(after + LONG_TTL + ctx.slackMs)
    })

    it('is released only by its owner', async () => {
      const store = await ctx.create()
      await store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: LONG_TTL })
      expect(await store.releaseLock('two')).toBe(false)
      expect(await store.readLock()).toMatchObject({ ownerId: 'one' })
      expect(await store.releaseLock('one')).toBe(true)
      expect(await store.releaseLock('one')).toBe(false)
      expect(await store.readLock()).toBeUndefined()
      expect(await store.tryLock({ serverId: 'gpu-b', ownerId: 'two', ttlMs: LONG_TTL })).toBe(true)
    })

    it('goes to exactly one of many racing instances', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      const attempts = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? store : other).tryLock({
          serverId: `gpu-${i}`,
          ownerId: `owner-${i}`,
          ttlMs: LONG_TTL,
        }),
      )
      const won = (await Promise.all(attempts)).flatMap((ok, i) => (ok ? [i] : []))
      expect(won).toHaveLength(1)
      expect(await other.readLock()).toMatchObject({ ownerId: `owner-${won[0]}`, serverId: `gpu-${won[0]}` })
    })

    it('lapses after its TTL, and is free to take again', async () => {
      const store = await ctx.create()
      await store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: ctx.shortTtl })
      await ctx.expectLapse(async () => (await store.readLock()) !== undefined)
      expect(await store.tryLock({ serverId: 'gpu-b', ownerId: 'two', ttlMs: LONG_TTL })).toBe(true)
    })
  })
}

/** Probe leases: one holder per server, renewable by it, free again after the TTL. */
export function leaseCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('probe leases', () => {
    it('has one holder per server, who may renew it', async () => {
      const store = await ctx.create()
      expect(await store.tryLease('gpu-a', 'one', LONG_TTL)).toBe(true)
      expect(await store.tryLease('gpu-a', 'two', LONG_TTL)).toBe(false)
      expect(await store.tryLease('gpu-a', 'one', LONG_TTL)).toBe(true)
      expect(await store.tryLease('gpu-b', 'two', LONG_TTL)).toBe(true)
    })

    it('goes to exactly one of many racing instances', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      const attempts = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? store : other).tryLease('gpu-a', `owner-${i}`, LONG_TTL),
      )
      expect((await Promise.all(attempts)).filter(Boolean)).toHaveLength(1)
    })

    it('is free for another instance once its TTL lapsed without renewal', async () => {
      const store = await ctx.create()
      await store.tryLease('gpu-a', 'one', ctx.shortTtl)
      await ctx.expectLapse(async () => !(await store.tryLease('gpu-a', 'probe-only', LONG_TTL)))
      // The call that found it free took it.
      expect(await store.tryLease('gpu-a', 'two', LONG_TTL)).toBe(false)
      expect(await store.tryLease('gpu-a', 'probe-only', LONG_TTL)).toBe(true)
    })
  })
}
