import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'
import { eventually } from './wait.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(() => redis.close())

// The README's quickstart, with the test server's URL.
it('runs the README example', async () => {
  const log: unknown[] = []
  const print = (...values: unknown[]) => log.push(values.length === 1 ? values[0] : values)

  // Two app instances (two processes in production), one Redis, one prefix.
  const a = createRedisStateStore({ url: redis.url, prefix: 'my-app:comfy:' })
  const b = createRedisStateStore({ url: redis.url, prefix: 'my-app:comfy:' })
  b.onStatus((status) => print('b:', status.state))

  // Each instance counts the jobs it sends; both see the total.
  await a.addInFlight('gpu-a', 'instance-a', 1, 20_000)
  print(await b.addInFlight('gpu-a', 'instance-b', 1, 20_000)) // 2

  // One instance probes each server per interval, and publishes what it saw for the others.
  b.subscribeProbes((record) => print('b heard', record.serverId, record.queue))
  print(await a.tryLease('gpu-a', 'instance-a', 15_000)) // true: a probes gpu-a
  print(await b.tryLease('gpu-a', 'instance-b', 15_000)) // false: b waits for a's result
  const probe = {
    serverId: 'gpu-a',
    ownerId: 'instance-a',
    startedAt: Date.now() - 40,
    at: Date.now(),
    health: 'healthy' as const,
    queue: { known: true as const, running: 1, pending: 2, source: 'prompt' as const },
  }
  await eventually(async () => {
    await a.publishProbe(probe, 30_000)
    return log.some((line) => Array.isArray(line) && line[0] === 'b heard')
  }, 'the subscription')

  await a.dispose()
  await b.dispose()

  expect(log).toContainEqual(2)
  expect(log).toContainEqual(true)
  expect(log).toContainEqual(false)
  expect(log).toContainEqual(['b:', 'available'])
  expect(log).toContainEqual(['b heard', 'gpu-a', { known: true, running: 1, pending: 2, source: 'prompt' }])
})
