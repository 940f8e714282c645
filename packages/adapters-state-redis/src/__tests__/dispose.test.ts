import { silentLogger } from '@comfy-balancer/core'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(() => redis.close())

/** Open sockets and timers of this process, by kind. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'Timeout') counts[kind] = (counts[kind] ?? 0) + 1
  }
  return counts
}

/** Nothing of the store is left: at most the sockets and timers (vitest's own) open before it. */
function expectNoMoreThan(before: Record<string, number>): void {
  const after = handles()
  expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0)
  expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
}

describe('dispose()', () => {
  it('closes both connections and every timer, with a subscription open', async () => {
    const before = handles()
    const store = createRedisStateStore({ url: redis.url, prefix: 'dispose:', logger: silentLogger })
    store.subscribeProbes(() => undefined)
    await store.addInFlight('gpu-a', 'one', 1, 60_000)
    expect(handles().TCPSocketWrap ?? 0).toBeGreaterThan(before.TCPSocketWrap ?? 0)
    await store.dispose()
    await store.dispose()
    expectNoMoreThan(before)
  })

  it('stops reconnecting when disposed while Redis is down', async () => {
    const before = handles()
    const store = createRedisStateStore({
      url: redis.url,
      prefix: 'dispose:',
      logger: silentLogger,
      maxReconnectDelayMs: 50,
    })
    store.subscribeProbes(() => undefined)
    await store.readInFlight()
    await redis.stop()
    try {
      await store.readInFlight().catch(() => undefined)
      await store.dispose()
      expectNoMoreThan(before)
    } finally {
      await redis.start()
    }
  })
})
