import { describe, expect, it } from 'vitest'
import {
  fallback,
  filter,
  leastExpectedWait,
  minQueue,
  powerOfTwo,
  roundRobin,
  sticky,
  weighted,
  withTags,
} from '../index.js'
import { rig, URLS, useMsw } from './harness.js'

useMsw()

const [A, B, C, D] = URLS as [string, string, string, string]
const three = [A, B, C]
const prioritized = {
  servers: [
    { url: A, priority: 0 },
    { url: B, priority: 2 },
    { url: C, priority: 1 },
  ],
}

describe('strategies through the real LoadBalancer', () => {
  it('minQueue: queues 3/0/0 and priorities 0/2/1 → the priority-1 server', async () => {
    const r = rig(minQueue(), prioritized, three)
    r.fill(A, 3)
    expect(await r.balancer.getOptimalServer()).toBe(C)
  })

  it('sticky(minQueue): keeps the choice for 30 s of clock even when others are emptier, then chooses anew', async () => {
    const r = rig(sticky(minQueue()), prioritized, three)
    r.fill(A, 3)
    expect(await r.pick(4)).toEqual([C, C, C, C])
    await r.clock.advance(29_999)
    expect(await r.balancer.getOptimalServer()).toBe(C)
    await r.clock.advance(1)
    // The lock lapsed. The probe at 29,999 ms saw none of the four choices queued (they were never
    // sent), but the fifth is still in flight on C: queues A 3, B 0, C 1 → B, locked afresh.
    expect(r.balancer.getSnapshot().lock?.until).toBeLessThanOrEqual(r.clock.now())
    expect(await r.balancer.getOptimalServer()).toBe(B)
    expect(r.balancer.getSnapshot().lock).toEqual({
      serverId: 'gpu-b.test:8188',
      until: r.clock.now() + 30_000,
    })
  })

  it('sticky(minQueue): a failed server is unlocked and never returned', async () => {
    const r = rig(sticky(minQueue()), prioritized, three)
    r.fill(A, 3)
    expect(await r.balancer.getOptimalServer()).toBe(C)
    r.cluster.model(C).setFault({ kind: 'refuse' })
    r.balancer.recordFailure(C, 'ECONNREFUSED')
    expect(r.balancer.getSnapshot().lock).toBeUndefined()
    expect(await r.pick(3)).toEqual([B, B, B])
    expect(r.balancer.getSnapshot().lock?.serverId).toBe('gpu-b.test:8188')
  })

  it('sticky with maxExtraWaitMs breaks the lock when staying costs too much', async () => {
    const r = rig(sticky(minQueue(), { maxExtraWaitMs: 2_500 }), {}, [A, B])
    for (const url of [A, B]) r.balancer.recordJobDuration(url, 1_000)
    // A is locked; each choice adds one in flight to A. With three ahead, a job would finish 3 s
    // later on A than on the empty B (4 s vs 1 s): over 2.5 s, so the lock breaks and B is locked.
    expect(await r.pick(5)).toEqual([A, A, A, B, B])
    expect(r.balancer.getSnapshot().lock?.serverId).toBe('gpu-b.test:8188')
  })

  it('roundRobin rotates over healthy servers and skips a failed one', async () => {
    const r = rig(roundRobin())
    expect(await r.pick(5)).toEqual([A, B, C, D, A])
    r.balancer.recordFailure(B, 'down')
    expect(await r.pick(3)).toEqual([C, D, A])
  })

  it('weighted shares by weight', async () => {
    const r = rig(
      weighted(),
      {
        servers: [
          { url: A, weight: 3 },
          { url: B, weight: 1 },
        ],
      },
      [A, B],
    )
    const picks = await r.pick(400)
    expect(picks.filter((u) => u === A)).toHaveLength(300)
  })

  it('leastExpectedWait sends work to the fast GPU in proportion to its speed', async () => {
    const r = rig(leastExpectedWait(), {}, [A, B])
    r.balancer.recordJobDuration(A, 4_000)
    r.balancer.recordJobDuration(B, 1_000)
    const picks = await r.pick(10)
    // Expected finish times stay level: B takes about four jobs for each of A's.
    expect(picks.filter((u) => u === B).length).toBeGreaterThanOrEqual(7)
    expect(picks.filter((u) => u === A).length).toBeGreaterThanOrEqual(1)
  })

  it('powerOfTwo(minQueue) never chooses the busiest of three', async () => {
    const r = rig(powerOfTwo(minQueue()), { probe: { cacheMs: 1 } }, three)
    r.fill(A, 9)
    r.fill(B, 1)
    for (let i = 0; i < 30; i++) {
      await r.clock.advance(1)
      const lease = await r.balancer.acquire()
      lease.release()
      expect(lease.url).not.toBe(A)
    }
  })

  it('filter and fallback: prefer tagged servers, else anything healthy', async () => {
    const tagged = { servers: [A, { url: B, tags: ['a100'] }, C] }
    const r = rig(fallback(filter(withTags('a100'), minQueue()), minQueue()), tagged, three)
    expect(await r.pick(2)).toEqual([B, B])
    r.balancer.recordFailure(B, 'down')
    expect(await r.balancer.getOptimalServer()).toBe(A)
  })
})
