import { silentLogger } from '@comfy-balancer/core'
import { describeStateStore } from '@comfy-balancer/testkit/conformance'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, beforeAll } from 'vitest'
import { createRedisStateStore } from '../index.js'

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(() => redis.close())

const prefixes = new WeakMap<object, string>()
let next = 0

// Each test gets its own prefix: a fresh, empty shared state on the same server.
describeStateStore('redis', {
  create: () => {
    const prefix = `conformance-${next++}:`
    const store = createRedisStateStore({ url: redis.url, prefix, logger: silentLogger })
    prefixes.set(store, prefix)
    return store
  },
  peer: (store) =>
    createRedisStateStore({ url: redis.url, prefix: prefixes.get(store)!, logger: silentLogger }),
  shortTtlMs: 60,
})
