import { describe, expect, it } from 'vitest'
import { LONG_TTL, type SuiteContext } from './state-store-context'
import type { MarkUnderTest, ProbeUnderTest, StateStoreUnderTest } from './state-store-types'

const mark = (
  serverId: string,
  kind: MarkUnderTest['kind'],
  reason = 'connect ECONNREFUSED',
): MarkUnderTest => ({
  serverId,
  kind,
  reason,
  ownerId: 'one',
  at: 1_700_000_000_000,
})

const probe = (serverId: string, pending: number, ownerId = 'one'): ProbeUnderTest => ({
  serverId,
  ownerId,
  startedAt: 1_700_000_000_000,
  at: 1_700_000_000_040,
  health: 'healthy',
  queue: { known: true, running: 1, pending, source: 'prompt' },
  latencyMs: 40,
})

const byServer = <T extends { readonly serverId: string }>(list: readonly T[]) =>
  [...list].sort((a, b) => a.serverId.localeCompare(b.serverId))

/** Failure and ejection marks: one per server and kind, read by all, lapsing after their TTL. */
export function markCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('failure and ejection marks', () => {
    it('keeps one mark per server and kind, the latest write winning, for every instance', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      expect(await store.readMarks()).toEqual([])
      await store.setMark(mark('gpu-a', 'failed'), LONG_TTL)
      await store.setMark(mark('gpu-a', 'failed', 'HTTP 503'), LONG_TTL)
      await other.setMark(mark('gpu-a', 'ejected', '5 failed jobs in a row'), LONG_TTL)
      await other.setMark(mark('gpu-b', 'failed'), LONG_TTL)
      const marks = await store.readMarks()
      const without = marks.map(({ until: _until, ...rest }) => rest)
      expect(without).toHaveLength(3)
      expect(without).toEqual(
        expect.arrayContaining([
          mark('gpu-a', 'failed', 'HTTP 503'),
          mark('gpu-a', 'ejected', '5 failed jobs in a row'),
          mark('gpu-b', 'failed'),
        ]),
      )
      for (const { until } of marks) expect(until).toBeGreaterThan(ctx.now())
    })

    it('lapses a mark after its TTL, keeping the others', async () => {
      const store = await ctx.create()
      await store.setMark(mark('gpu-a', 'failed'), LONG_TTL)
      await store.setMark(mark('gpu-b', 'ejected'), ctx.shortTtl)
      await ctx.expectLapse(async () => (await store.readMarks()).length === 2)
      expect((await store.readMarks()).map((m) => m.serverId)).toEqual(['gpu-a'])
    })
  })
}

/** Probe records: the latest per server kept, published to every subscriber, lapsing after their TTL. */
export function probeCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('probe results', () => {
    it("keeps each server's latest record, readable by every instance", async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      expect(await store.readProbes()).toEqual([])
      await store.publishProbe(probe('gpu-a', 1), LONG_TTL)
      await store.publishProbe(probe('gpu-a', 3), LONG_TTL)
      const down: ProbeUnderTest = {
        ...probe('gpu-b', 0),
        health: 'unhealthy',
        queue: 'unknown',
        reason: 'timed out after 10000 ms',
      }
      const { latencyMs: _latency, ...downWithout } = down
      await store.publishProbe(downWithout, LONG_TTL)
      expect(byServer(await other.readProbes())).toEqual([probe('gpu-a', 3), downWithout])
    })

    it('delivers each publication to subscribers of every instance, until they unsubscribe', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      const heard: ProbeUnderTest[] = []
      const thrown: ProbeUnderTest[] = []
      const stopThrowing = other.subscribeProbes((record) => {
        thrown.push(record)
        throw new Error('a buggy listener')
      })
      const stop = other.subscribeProbes((record) => heard.push(record))
      // Let a store that subscribes over the network finish subscribing.
      await ctx.until(async () => {
        await store.publishProbe(probe('warm-up', 0), LONG_TTL)
        return heard.some((record) => record.serverId === 'warm-up')
      }, 'expected a subscriber to hear a publication')
      // Warm-ups still on their way may arrive late: count only what follows.
      const real = () => heard.filter((record) => record.serverId !== 'warm-up')
      await store.publishProbe(probe('gpu-a', 2, 'publisher'), LONG_TTL)
      await ctx.until(() => real().length > 0, 'expected the publication to be delivered')
      expect(real()).toEqual([probe('gpu-a', 2, 'publisher')])
      expect(thrown.length).toBeGreaterThan(0)
      stop()
      stop()
      stopThrowing()
      // A marker after the last one: once the publisher's own subscriber hears it, the other would have.
      const own: ProbeUnderTest[] = []
      const stopOwn = store.subscribeProbes((record) => own.push(record))
      await ctx.until(async () => {
        await store.publishProbe(probe('gpu-b', 0), LONG_TTL)
        return own.length > 0
      }, 'expected the publisher to hear its own publication')
      stopOwn()
      expect(real()).toHaveLength(1)
    })

    it('lapses a record after its TTL, keeping the others', async () => {
      const store = await ctx.create()
      await store.publishProbe(probe('gpu-a', 0), LONG_TTL)
      await store.publishProbe(probe('gpu-b', 0), ctx.shortTtl)
      await ctx.expectLapse(async () => (await store.readProbes()).length === 2)
      expect((await store.readProbes()).map((p) => p.serverId)).toEqual(['gpu-a'])
    })
  })
}

/** Job ownership: set, read by any instance, deleted, lapsing after its TTL. */
export function ownerCases<S extends StateStoreUnderTest>(ctx: SuiteContext<S>): void {
  describe('job ownership', () => {
    it('records, shares and forgets which server holds a prompt', async () => {
      const store = await ctx.create()
      const other = await ctx.peer(store)
      expect(await store.getOwner('p-1')).toBeUndefined()
      await store.setOwner('p-1', 'gpu-a', LONG_TTL)
      await store.setOwner('p-2', 'gpu-b', LONG_TTL)
      expect(await other.getOwner('p-1')).toBe('gpu-a')
      await other.setOwner('p-1', 'gpu-c', LONG_TTL) // resubmitted elsewhere
      expect(await store.getOwner('p-1')).toBe('gpu-c')
      await store.deleteOwner('p-1')
      await store.deleteOwner('unknown')
      expect(await other.getOwner('p-1')).toBeUndefined()
      expect(await other.getOwner('p-2')).toBe('gpu-b')
    })

    it('lapses after its TTL', async () => {
      const store = await ctx.create()
      await store.setOwner('p-1', 'gpu-a', ctx.shortTtl)
      await ctx.expectLapse(async () => (await store.getOwner('p-1')) !== undefined)
    })
  })
}
