/** A real `redis-server` for tests and benchmarks (`@comfy-balancer/testkit/redis`). */
export { type RedisServer, startRedisServer } from './redis-server'
