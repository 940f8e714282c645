import {
  type ProbeRecord,
  type StateStore,
  StateStoreError,
  type StateStoreStatus,
  silentLogger,
} from '@comfy-balancer/core'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'
import { eventually } from './wait.js'

let redis: RedisServer
const stores: StateStore[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  redis = await startRedisServer()
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.dispose()
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await redis.close()
})

function store(prefix: string): StateStore {
  const made = createRedisStateStore({
    url: redis.url,
    prefix,
    logger: silentLogger,
    maxReconnectDelayMs: 50,
    commandTimeoutMs: 500,
  })
  stores.push(made)
  return made
}

const record = (pending: number): ProbeRecord => ({
  serverId: 'gpu-a',
  ownerId: 'one',
  startedAt: 1,
  at: 2,
  health: 'healthy',
  queue: { known: true, running: 1, pending, source: 'prompt' },
})

describe('Redis going away and coming back', () => {
  it('rejects with StateStoreError and reports unavailable while Redis is down, and recovers', async () => {
    const a = store('outage:')
    const b = store('outage:')
    const seen: StateStoreStatus[] = []
    a.onStatus((status) => seen.push(status))
    const heard: ProbeRecord[] = []
    b.subscribeProbes((r) => heard.push(r))
    expect(await a.addInFlight('gpu-a', 'one', 2, 60_000)).toBe(2)
    await eventually(async () => {
      await a.publishProbe(record(0), 60_000)
      return heard.length > 0
    }, 'the subscription to start')
    expect(a.status).toEqual({ state: 'available' })

    await redis.stop()
    await eventually(() => a.status.state === 'unavailable', 'the store to notice')
    // Told once it connected, then once it lost Redis (not once per failed reconnection attempt).
    expect(seen).toEqual([{ state: 'available' }, expect.objectContaining({ state: 'unavailable' })])
    const calls = [
      a.addInFlight('gpu-a', 'one', 1, 60_000),
      a.readInFlight(),
      a.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: 1_000 }),
      a.publishProbe(record(1), 60_000),
      a.tryLease('gpu-a', 'one', 1_000),
      a.getOwner('p-1'),
    ]
    for (const call of calls) {
      const error = await call.then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(StateStoreError)
      expect((error as StateStoreError).code).toBe('STATE_STORE_UNAVAILABLE')
      expect((error as StateStoreError).store).toBe(a.name)
    }
    const reason = a.status.state === 'unavailable' ? a.status.reason : ''
    expect(reason.length).toBeGreaterThan(0)

    await redis.start()
    await eventually(() => a.status.state === 'available' && b.status.state === 'available', 'reconnection')
    expect(seen.map((s) => s.state)).toEqual(['available', 'unavailable', 'available'])
    // A fresh server holds nothing: counts start again (persistence is off in this test server).
    expect(await a.addInFlight('gpu-a', 'one', 1, 60_000)).toBe(1)
    heard.length = 0
    await eventually(async () => {
      await a.publishProbe(record(5), 60_000)
      return heard.some((r) => r.queue !== 'unknown' && r.queue.known && r.queue.pending === 5)
    }, 'the subscription to resume')
    expect(unhandled).toEqual([])
  })

  it('rejects fast when created while Redis is down, and connects once it is up', async () => {
    await redis.stop()
    try {
      const a = store('late:')
      const error = await a.readInFlight().then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(StateStoreError.isInstance(error)).toBe(true)
      // Failed on the refused connection itself, not after waiting out a connect or command timeout.
      expect((error as Error).message).toMatch(/ECONNREFUSED/)
      expect((error as Error).message).not.toMatch(/time/i)
      expect(a.status.state).toBe('unavailable')
    } finally {
      await redis.start()
    }
    const a = stores.at(-1)!
    await eventually(() => a.status.state === 'available', 'the first connection')
    expect(await a.readInFlight()).toEqual({})
    expect(unhandled).toEqual([])
  })
})
