import {
  type BalancerConfigInput,
  type BalancerEvents,
  createLoadBalancer,
  type LoadBalancer,
  type ProbeRecord,
  type StateStore,
  silentLogger,
} from '@comfy-balancer/core'
import { driveClock, seededRandom, TEST_AUTH_HEADERS, type TestClock } from '@comfy-balancer/testkit'
import { useMswCluster } from '@comfy-balancer/testkit/msw'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStateStore } from '../index.js'
import { commandsProcessed } from './commands-processed.js'
import { eventually } from './wait.js'

/**
 * Two balancers (two app instances) on one simulated cluster, each with its own Redis store
 * (its own connections) on one real `redis-server` and one prefix. The cluster runs on a test
 * clock (exact request counts); Redis runs on real time, so every wait for it polls with a deadline.
 */

const FOUR = [
  'http://gpu-a.test:8188',
  'http://gpu-b.test:8188',
  'http://gpu-c.test:8188',
  'http://gpu-d.test:8188',
]
const IDS = FOUR.map((url) => url.replace('http://', ''))
const [A] = FOUR as [string, ...string[]]

const msw = useMswCluster()
let redis: RedisServer
const stores: StateStore[] = []
const balancers: LoadBalancer[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
let prefixes = 0

beforeAll(async () => {
  redis = await startRedisServer()
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  for (const balancer of balancers.splice(0)) balancer.dispose()
  for (const store of stores.splice(0)) await store.dispose()
  expect(unhandled).toEqual([])
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await redis.close()
})

type StoreEvent = BalancerEvents['state-store']

interface Instance {
  readonly balancer: LoadBalancer
  readonly store: StateStore
  /** Every `state-store` event this balancer emitted. */
  readonly events: StoreEvent[]
}

function redisStore(prefix: string, clock: TestClock): StateStore {
  const store = createRedisStateStore({
    url: redis.url,
    prefix,
    clock,
    logger: silentLogger,
    maxReconnectDelayMs: 50,
    commandTimeoutMs: 1_000,
  })
  stores.push(store)
  return store
}

/**
 * A cluster of four idle servers on a test clock, two balancers sharing a fresh prefix, and a third
 * store on the same prefix for the test to look at what Redis holds.
 */
async function twoInstances(config: Partial<BalancerConfigInput> = {}) {
  const cluster = msw.install(FOUR.map((url) => ({ url })))
  const clock = cluster.clock
  const prefix = `balancers-${++prefixes}:`
  const observer = redisStore(prefix, clock)
  const own = [redisStore(prefix, clock), redisStore(prefix, clock)] as const
  // Connected first, so the balancers share from the start (and emit no start-up event).
  await eventually(() => stores.every((s) => s.status.state === 'available'), 'the stores to connect')
  const make = (seed: number, store: StateStore): Instance => {
    const balancer = createLoadBalancer({
      config: { servers: FOUR.map((url) => ({ url, headers: TEST_AUTH_HEADERS })), ...config },
      clock,
      random: seededRandom(seed),
      logger: silentLogger,
      stateStore: store,
    })
    balancers.push(balancer)
    const events: StoreEvent[] = []
    balancer.on('state-store', (event) => events.push(event))
    return { balancer, store, events }
  }
  const one = make(1, own[0])
  const two = make(2, own[1])
  await subscribed(observer, two.store)
  await subscribed(observer, one.store)
  const requests = (endpoint: 'system_stats' | 'prompt') =>
    FOUR.map((url) => cluster.model(url).requestCounts[endpoint])
  return { clock, cluster, observer, one, two, requests }
}

/**
 * Waits until `listener`'s subscription delivers: the balancer listens on the same subscribed
 * connection, so from then on it hears every probe another instance publishes. The record names
 * no configured server, so balancers ignore it.
 */
async function subscribed(publisher: StateStore, listener: StateStore): Promise<void> {
  const heard: ProbeRecord[] = []
  const unsubscribe = listener.subscribeProbes((record) => heard.push(record))
  const record: ProbeRecord = {
    serverId: 'handshake',
    ownerId: 'test',
    startedAt: 0,
    at: 0,
    health: 'healthy',
    queue: 'unknown',
  }
  try {
    await eventually(async () => {
      // After a Redis restart each connection comes back on its own schedule: wait for the publisher's.
      if (publisher.status.state !== 'available') return false
      // A reconnect can still be under way: a failed publish is retried until the deadline.
      const sent = await publisher.publishProbe(record, 1_000).then(
        () => true,
        () => false,
      )
      return sent && heard.length > 0
    }, 'the probe subscription')
  } finally {
    unsubscribe()
  }
}

/** Until `instance` has applied every server's probe as `source` last saw it (a published record). */
async function heardProbes(instance: Instance, source: Instance): Promise<void> {
  const wanted = source.balancer.getSnapshot().servers.map((s) => s.checkedAt)
  expect(wanted.every((at) => at !== undefined)).toBe(true)
  await eventually(
    () => instance.balancer.getSnapshot().servers.every((s, i) => s.checkedAt === wanted[i]),
    'the other instance’s probe results',
  )
}

/** Until the in-flight totals Redis holds (over every instance) sum to `jobs`. */
async function inFlightSettles(observer: StateStore, jobs: number): Promise<Record<string, number>> {
  let totals: Readonly<Record<string, number>> = {}
  await eventually(async () => {
    totals = await observer.readInFlight()
    return Object.values(totals).reduce((a, b) => a + b, 0) === jobs
  }, `${jobs} jobs in flight in Redis`)
  return { ...totals }
}

const work = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

/** Drives the test clock until `promise` settles, yielding real time at each step for Redis round trips. */
async function drive<T>(clock: TestClock, promise: Promise<T>, maxMs = 120_000): Promise<T> {
  const outcome = await driveClock(clock, promise, { maxMs, realYieldMs: 2 })
  if (outcome.ok) return outcome.value
  throw outcome.error
}

describe('two balancers sharing one Redis', () => {
  it('do not herd: alternating bare choices spread over the idle servers', async () => {
    const h = await twoInstances({ probe: { cacheMs: 60_000 } })
    await h.one.balancer.refresh()
    await heardProbes(h.two, h.one)
    await h.two.balancer.refresh()
    const picks: string[] = []
    for (let i = 0; i < 4; i++) {
      for (const instance of [h.one, h.two]) {
        picks.push(await instance.balancer.getOptimalServer())
        // Reservations another instance gave back are subtracted asynchronously: wait for them.
        await inFlightSettles(h.observer, picks.length)
      }
    }
    // Eight choices over four idle servers: two each, the first four all different.
    expect(FOUR.map((url) => picks.filter((p) => p === url).length)).toEqual([2, 2, 2, 2])
    expect(new Set(picks.slice(0, 4)).size).toBe(4)
    expect(await h.observer.readInFlight()).toEqual(Object.fromEntries(IDS.map((id) => [id, 2])))
    expect(h.one.events).toEqual([])
  })

  it('probe once per round between them: the lease holder probes and publishes, the other reads', async () => {
    const h = await twoInstances({ probe: { intervalMs: 5_000, cacheMs: 5_000, jitter: 0 } })
    const rounds = 6
    for (let round = 0; round < rounds; round++) {
      // Alternate who refreshes first; from the first round on, `one` holds every lease.
      const [first, second] = round % 2 === 0 ? [h.one, h.two] : [h.two, h.one]
      await first.balancer.refresh()
      if (first === h.one) await heardProbes(h.two, h.one)
      await second.balancer.refresh()
      if (second === h.one) await heardProbes(h.two, h.one)
      await h.clock.advance(5_000)
    }
    // Twelve refreshes, six each: every server answered six probes, as for one balancer alone.
    expect(h.requests('system_stats')).toEqual([rounds, rounds, rounds, rounds])
    expect(h.requests('prompt')).toEqual([rounds, rounds, rounds, rounds])
    const seen = h.two.balancer.getSnapshot().servers
    expect(seen.every((s) => s.health === 'healthy' && s.queue !== 'unknown' && s.queue.known)).toBe(true)

    // A queue change one instance probes shows up in the other's view.
    const submission = await drive(
      h.clock,
      h.one.balancer.submit(work(30_000), { job: { include: [IDS[0]!] } }),
    )
    expect(submission.serverId).toBe(IDS[0])
    await h.clock.advance(1_000)
    await h.one.balancer.refresh()
    await heardProbes(h.two, h.one)
    expect(h.two.balancer.getSnapshot().servers[0]?.queue).toMatchObject({ known: true, running: 1 })
    // Two more probes of each server, both by `one`: before the submission (a stale cache) and after.
    expect(h.requests('system_stats')).toEqual([rounds + 2, rounds + 2, rounds + 2, rounds + 2])
  })

  it('without a store, the same two balancers probe every server twice as often', async () => {
    const cluster = msw.install(FOUR.map((url) => ({ url })))
    const clock = cluster.clock
    const alone = [1, 2].map((seed) => {
      const balancer = createLoadBalancer({
        config: { servers: FOUR, probe: { intervalMs: 5_000, cacheMs: 5_000, jitter: 0 } },
        clock,
        random: seededRandom(seed),
        logger: silentLogger,
      })
      balancers.push(balancer)
      return balancer
    })
    for (let round = 0; round < 6; round++) {
      for (const balancer of alone) await balancer.refresh()
      await clock.advance(5_000)
    }
    expect(FOUR.map((url) => cluster.model(url).requestCounts.system_stats)).toEqual([12, 12, 12, 12])
  })

  it('let one instance follow a job the other submitted', async () => {
    const h = await twoInstances()
    const submission = await drive(h.clock, h.one.balancer.submit(work(1_000)))
    const { promptId, serverId } = submission
    // Ownership is shared in the background: wait until Redis has it.
    await eventually(async () => (await h.observer.getOwner(promptId)) === serverId, 'the shared owner')
    expect(h.two.balancer.ownerOf(promptId)).toBeUndefined()
    const result = await drive(h.clock, h.two.balancer.result(promptId))
    expect(result).toMatchObject({ promptId, serverId })
    // Only the owner's server ran it, once.
    const runs = FOUR.map((url) => h.cluster.model(url).log.filter((entry) => entry.promptId === promptId))
    expect(runs.flat()).toHaveLength(1)
    expect(runs.flat()[0]).toMatchObject({ outcome: 'success' })
    await expect(h.two.balancer.result('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'UNKNOWN_JOB',
    })
  })

  it('keep choosing and running jobs on their local view while Redis is down, and share again when it is back', async () => {
    const h = await twoInstances({ probe: { jitter: 0 } })
    await h.one.balancer.refresh()
    await heardProbes(h.two, h.one)
    await h.two.balancer.refresh()

    await redis.stop()
    await eventually(
      () => h.one.events.length > 0 && h.two.events.length > 0,
      'both balancers to report the outage',
    )
    for (const instance of [h.one, h.two]) {
      expect(instance.events).toEqual([
        { store: instance.store.name, state: 'unavailable', reason: expect.any(String) },
      ])
    }
    // Alone, each probes for itself and sees only its own jobs: both pick the same idle server.
    await h.clock.advance(16_000)
    const probesBefore = h.requests('system_stats')
    await h.one.balancer.refresh()
    await h.two.balancer.refresh()
    expect(h.requests('system_stats')).toEqual(probesBefore.map((n) => n + 2))
    expect(await h.one.balancer.getOptimalServer()).toBe(A)
    expect(await h.two.balancer.getOptimalServer()).toBe(A)
    const results = await drive(
      h.clock,
      Promise.all([
        h.one.balancer.run(work(200)),
        h.two.balancer.run(work(200)),
        h.one.balancer.run(work(200)),
        h.two.balancer.run(work(200)),
      ]),
    )
    expect(results.map((r) => r.outputs)).toHaveLength(4)
    expect(h.one.events).toHaveLength(1)

    await redis.start()
    await eventually(
      () => h.one.events.length === 2 && h.two.events.length === 2,
      'both balancers to report Redis back',
    )
    for (const instance of [h.one, h.two]) {
      expect(instance.events.map((e) => e.state)).toEqual(['unavailable', 'available'])
      expect(instance.events[1]).toEqual({ store: instance.store.name, state: 'available' })
    }
    await subscribed(h.observer, h.two.store)

    // Probes are shared again: Redis came back empty, `one` takes the leases, `two` reads its results.
    await h.clock.advance(16_000)
    await h.one.balancer.refresh()
    await heardProbes(h.two, h.one)
    const probesAfter = h.requests('system_stats')
    await h.two.balancer.refresh()
    expect(h.requests('system_stats')).toEqual(probesAfter)
    // Every ticket from the outage was seen by those probes and released in Redis too.
    await inFlightSettles(h.observer, 0)

    // In-flight counts are shared again: the second choice avoids the first.
    const first = await h.one.balancer.getOptimalServer()
    await inFlightSettles(h.observer, 1)
    const second = await h.two.balancer.getOptimalServer()
    expect(second).not.toBe(first)
    await inFlightSettles(h.observer, 2)
    expect(h.one.events).toHaveLength(2)
  })

  it('leave a hung Redis alone after one timeout instead of waiting on it for every choice', async () => {
    const h = await twoInstances({ probe: { cacheMs: 600_000 } })
    await h.one.balancer.refresh()
    // What one choice sends Redis (the reading itself is one more command).
    const before = await commandsProcessed(redis.url)
    await h.one.balancer.getOptimalServer()
    const atPause = await commandsProcessed(redis.url)
    const perChoice = atPause - before - 1
    expect(perChoice).toBeGreaterThan(0)
    redis.pause() // connections stay open; nothing answers: commands time out (1 s)
    try {
      // The first choice waits for one command timeout, then the store is paused: the next 20
      // choices send Redis nothing (each would otherwise wait for its own timeout).
      await h.one.balancer.getOptimalServer()
      expect(h.one.events).toEqual([
        { store: h.one.store.name, state: 'unavailable', reason: expect.stringMatching(/failed/) },
      ])
      for (let i = 0; i < 20; i++) await h.one.balancer.getOptimalServer()
    } finally {
      redis.resume()
    }
    // Sent while Redis was frozen, processed now: at most the first choice's commands.
    const sentWhilePaused = (await commandsProcessed(redis.url)) - atPause - 1
    expect(sentWhilePaused).toBeLessThanOrEqual(perChoice)
    // After the pause (1 s of the balancer's clock) the next choice tries Redis again, and it answers.
    await h.clock.advance(1_000)
    await h.one.balancer.getOptimalServer()
    await eventually(() => h.one.events.length === 2, 'the balancer to report Redis back')
    expect(h.one.events[1]).toEqual({ store: h.one.store.name, state: 'available' })
  })
})
