import { type StateStore, silentLogger } from '@comfy-balancer/core'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'
import { eventually } from './wait.js'

let redis: RedisServer
let raw: Redis
const stores: StateStore[] = []

beforeAll(async () => {
  redis = await startRedisServer()
  raw = new Redis(redis.url)
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.dispose()
})
afterAll(async () => {
  raw.disconnect()
  await redis.close()
})

function store(prefix: string): StateStore {
  const made = createRedisStateStore({ url: redis.url, prefix, logger: silentLogger })
  stores.push(made)
  return made
}

/** Every key under `prefix`, with its PTTL. */
async function keysOf(prefix: string): Promise<Map<string, number>> {
  const keys = await raw.keys(`${prefix}*`)
  return new Map(await Promise.all(keys.map(async (key) => [key, await raw.pttl(key)] as const)))
}

describe('atomicity across two clients', () => {
  it('counts 2 × 250 concurrent increments exactly', async () => {
    const [a, b] = [store('atomic:'), store('atomic:')]
    // Two clients, three owners each, all at once.
    const jobs = [a, b].flatMap((client, c) =>
      Array.from({ length: 250 }, (_, i) => ({ client, owner: `owner-${c}-${i % 3}` })),
    )
    const totals = await Promise.all(
      jobs.map(({ client, owner }) => client.addInFlight('gpu-a', owner, 1, 60_000)),
    )
    // Each add saw a distinct total: no two read-modify-writes interleaved.
    expect(new Set(totals).size).toBe(500)
    expect(await a.readInFlight()).toEqual({ 'gpu-a': 500 })
    await Promise.all(jobs.map(({ client, owner }) => client.addInFlight('gpu-a', owner, -1, 60_000)))
    expect(await b.readInFlight()).toEqual({})
  })

  it('gives the lock and a lease to exactly one of two clients racing 50 times each', async () => {
    const [a, b] = [store('race:'), store('race:')]
    const locks = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? a : b).tryLock({ serverId: `gpu-${i}`, ownerId: `owner-${i}`, ttlMs: 60_000 }),
      ),
    )
    expect(locks.filter(Boolean)).toHaveLength(1)
    const leases = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).tryLease('gpu-a', `owner-${i}`, 60_000)),
    )
    expect(leases.filter(Boolean)).toHaveLength(1)
  })
})

describe('keys', () => {
  it('keeps two prefixes apart on one Redis', async () => {
    const [a, b] = [store('app-a:'), store('app-b:')]
    await a.addInFlight('gpu-a', 'one', 3, 60_000)
    await a.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: 60_000 })
    await a.tryLease('gpu-a', 'one', 60_000)
    await a.setOwner('p-1', 'gpu-a', 60_000)
    await a.setMark({ serverId: 'gpu-a', kind: 'failed', reason: 'x', ownerId: 'one', at: 1 }, 60_000)
    const heard: unknown[] = []
    b.subscribeProbes((record) => heard.push(record))
    const sameGroup: unknown[] = []
    store('app-a:').subscribeProbes((record) => sameGroup.push(record))
    const probe = {
      serverId: 'gpu-a',
      ownerId: 'one',
      startedAt: 1,
      at: 2,
      health: 'healthy',
      queue: 'unknown',
    } as const
    await eventually(async () => {
      await a.publishProbe(probe, 60_000)
      return sameGroup.length > 0
    }, 'the same prefix to hear the probe')
    expect(await b.readInFlight()).toEqual({})
    expect(await b.readLock()).toBeUndefined()
    expect(await b.tryLease('gpu-a', 'two', 60_000)).toBe(true)
    expect(await b.getOwner('p-1')).toBeUndefined()
    expect(await b.readMarks()).toEqual([])
    expect(await b.readProbes()).toEqual([])
    expect(heard).toEqual([])
  })

  it('writes only under its prefix, and every key has a TTL no longer than the longest asked for', async () => {
    const a = store('bounded:')
    await a.addInFlight('gpu-a', 'one', 1, 20_000)
    await a.addInFlight('gpu-b', 'two', 1, 30_000)
    await a.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: 30_000 })
    await a.tryLease('gpu-a', 'one', 15_000)
    await a.setOwner('p-1', 'gpu-a', 30_000)
    await a.setMark({ serverId: 'gpu-a', kind: 'ejected', reason: 'x', ownerId: 'one', at: 1 }, 30_000)
    await a.publishProbe(
      { serverId: 'gpu-a', ownerId: 'one', startedAt: 1, at: 2, health: 'healthy', queue: 'unknown' },
      30_000,
    )
    const keys = await keysOf('bounded:')
    expect([...keys.keys()].sort()).toEqual(
      [
        'bounded:inflight',
        'bounded:inflight:expiry',
        'bounded:job:p-1',
        'bounded:lease:gpu-a',
        'bounded:lock',
        'bounded:marks',
        'bounded:marks:expiry',
        'bounded:probes',
        'bounded:probes:expiry',
      ].sort(),
    )
    for (const [key, pttl] of keys) {
      expect(pttl, key).toBeGreaterThan(0)
      expect(pttl, key).toBeLessThanOrEqual(30_000)
    }
    // The in-flight hash lives as long as its longest-lived owner, not the last one written.
    expect(keys.get('bounded:inflight')).toBeGreaterThan(20_000)
    expect((await raw.keys('*')).every((key) => /^(bounded|app-a|app-b|atomic|race):/.test(key))).toBe(true)
  })

  it('deletes a lapsing map once its last entry is gone', async () => {
    const a = store('drained:')
    await a.addInFlight('gpu-a', 'one', 2, 60_000)
    await a.addInFlight('gpu-a', 'one', -2, 60_000)
    expect([...(await keysOf('drained:')).keys()]).toEqual([])
    await a.setOwner('p-1', 'gpu-a', 40)
    await eventually(async () => (await keysOf('drained:')).size === 0, 'the job key to expire')
  })
})
