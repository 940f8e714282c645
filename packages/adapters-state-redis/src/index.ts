/**
 * `@comfy-balancer/redis`: the balancer's shared `StateStore` on Redis, so that many app instances
 * count in-flight jobs, hold the sticky lock, mark failures, probe and own prompts as one.
 */
export { createRedisStateStore } from './create.js'
export { DEFAULT_PREFIX } from './keys.js'
export { type ClientOptions, DEFAULT_URL, type RedisStateStoreOptions } from './options.js'
