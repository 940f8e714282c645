import { consoleLogger, type StateStore } from '@comfy-balancer/core'
import { redactUrl, systemClock } from '@comfy-balancer/core/internal'
import { Redis } from 'ioredis'
import { defineCommands } from './commands.js'
import { Connection, describe } from './connection.js'
import { DEFAULT_PREFIX, keyLayout } from './keys.js'
import { clientOptions, DEFAULT_URL, type RedisStateStoreOptions } from './options.js'
import { RedisStateStore } from './redis-store.js'
import { ProbeSubscriber } from './subscriber.js'

/**
 * A `StateStore` on Redis, shared by every balancer instance given the same Redis and prefix. It
 * connects at once and reconnects by itself; while Redis is down every operation rejects at once
 * with `StateStoreError` (code `STATE_STORE_UNAVAILABLE`) and `status` says `unavailable` with the
 * reason, until Redis answers again. Call `dispose()` to close its connections.
 *
 * @example
 * ```ts
 * import { createRedisStateStore } from '@comfy-balancer/redis'
 *
 * const store = createRedisStateStore({ url: process.env.REDIS_URL, prefix: 'my-app:comfy:' })
 * store.onStatus((status) => console.log('shared state', status))
 * await store.tryLease('gpu-a', 'instance-1', 15_000) // true: this instance probes gpu-a for 15 s
 * await store.dispose()
 * ```
 */
export function createRedisStateStore(options: RedisStateStoreOptions = {}): StateStore {
  const url = options.url ?? DEFAULT_URL
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const logger = options.logger ?? consoleLogger('warn')
  const name = `redis:${redactUrl(url)} (prefix ${prefix})`
  const keys = keyLayout(prefix)
  const client = new Redis(url, clientOptions(options))
  const connection = new Connection(client, name, (error) =>
    logger.error('a state store status listener threw; the store carried on', { error: describe(error) }),
  )
  // A subscribed connection must wait for Redis rather than fail: its SUBSCRIBE is replayed on reconnect.
  const subscriber = new ProbeSubscriber(
    keys.probeChannel,
    () =>
      new Redis(
        url,
        clientOptions(options, {
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          commandTimeout: undefined,
        }),
      ),
    logger,
  )
  return new RedisStateStore(
    connection,
    defineCommands(client),
    subscriber,
    keys,
    options.clock ?? systemClock,
    logger,
  )
}
