import { inspect } from 'node:util'
import { type StateStore, type StateStoreStatus, silentLogger } from '@comfy-balancer/core'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'
import { eventually } from './wait.js'

const PASSWORD = 's3cret-Pa55'
let redis: RedisServer
const stores: StateStore[] = []

beforeAll(async () => {
  redis = await startRedisServer({ password: PASSWORD })
})
afterEach(async () => {
  for (const store of stores.splice(0)) await store.dispose()
})
afterAll(() => redis.close())

function store(url: string): StateStore {
  const made = createRedisStateStore({
    url,
    prefix: 'secret:',
    logger: silentLogger,
    maxReconnectDelayMs: 50,
  })
  stores.push(made)
  return made
}

describe('a Redis URL with a password', () => {
  it('connects, and names the store without the password', async () => {
    const a = store(redis.url)
    expect(await a.addInFlight('gpu-a', 'one', 1, 60_000)).toBe(1)
    expect(a.name).toContain('***')
    expect(a.name).not.toContain(PASSWORD)
  })

  it('never shows a wrong password in errors, causes or status reasons', async () => {
    const wrong = 'wr0ng-Pa55'
    const a = store(redis.url.replace(encodeURIComponent(PASSWORD), wrong))
    const seen: StateStoreStatus[] = []
    a.onStatus((status) => seen.push(status))
    const error = await a.readInFlight().then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect((error as { code?: string }).code).toBe('STATE_STORE_UNAVAILABLE')
    await eventually(() => a.status.state === 'unavailable' && a.status.reason !== 'connecting', 'a reason')
    const shown = [a.name, inspect(error, { depth: 5 }), JSON.stringify(a.status), JSON.stringify(seen)].join(
      '\n',
    )
    expect(shown).not.toContain(wrong)
    expect(shown).not.toContain(PASSWORD)
  })
})
