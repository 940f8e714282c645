import { seededRandom, seededUuid, TEST_AUTH_HEADERS } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import {
  type BalancerConfigInput,
  createLoadBalancer,
  createMemoryStateStore,
  type LoadBalancer,
  type StateStore,
  silentLogger,
} from '../index.js'
import { drive, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]
const id = (url: string) => url.replace('http://', '')

/**
 * Two app instances on one simulated cluster and one clock, sharing a memory store: instance `one`
 * comes from the harness, `two` is built the same way with its own prompt ids.
 */
function twoInstances(config: Partial<BalancerConfigInput> = {}, servers: readonly string[] = FOUR) {
  const h = harness({ servers, config })
  const store = createMemoryStateStore({ clock: h.clock, logger: silentLogger })
  h.balancer.dispose()
  const make = (seed: number): LoadBalancer => {
    return createLoadBalancer({
      config: { servers: servers.map((url) => ({ url, headers: TEST_AUTH_HEADERS })), ...config },
      clock: h.clock,
      random: seededRandom(seed),
      createPromptId: seededUuid(seed + 1000),
      logger: silentLogger,
      stateStore: store,
    })
  }
  return { ...h, store, one: make(1), two: make(2) }
}

const probesOf = (h: ReturnType<typeof harness>) =>
  FOUR.reduce((n, url) => n + h.model(url).requestCounts.system_stats, 0)

describe('a shared state store between app instances', () => {
  it('counts the other instance’s jobs in flight, so two instances do not herd onto one server', async () => {
    const h = twoInstances({ probe: { cacheMs: 60_000 } })
    await h.one.refresh()
    await h.two.refresh()
    const picks: string[] = []
    for (let i = 0; i < 4; i++) {
      picks.push(await h.one.getOptimalServer())
      await h.clock.flush()
      picks.push(await h.two.getOptimalServer())
      await h.clock.flush()
    }
    // Eight bare choices over four idle servers: two each, as one balancer would spread them, and
    // never the server the other instance has just taken.
    expect(FOUR.map((url) => picks.filter((p) => p === url).length)).toEqual([2, 2, 2, 2])
    expect(picks.slice(0, 4)).toEqual([A, B, FOUR[2], FOUR[3]])
    expect(h.two.getSnapshot().servers.map((s) => s.inFlight)).toEqual([2, 2, 2, 2])
  })

  it('without the store, the same two instances pile onto the same servers', async () => {
    const h = harness({ config: { probe: { cacheMs: 60_000 } } })
    const other = createLoadBalancer({
      config: { servers: FOUR, probe: { cacheMs: 60_000 } },
      clock: h.clock,
      random: seededRandom(2),
      logger: silentLogger,
    })
    await h.balancer.refresh()
    await other.refresh()
    const picks: string[] = []
    for (let i = 0; i < 4; i++) {
      picks.push(await h.balancer.getOptimalServer())
      await h.clock.flush()
      picks.push(await other.getOptimalServer())
      await h.clock.flush()
    }
    // Each takes the server that looks emptiest to it: the same one, every time.
    expect(picks).toEqual([A, A, B, B, FOUR[2], FOUR[2], FOUR[3], FOUR[3]])
    other.dispose()
  })

  it('probes each server once per interval across instances: the lease holder publishes, the other reads', async () => {
    const h = twoInstances({ probe: { intervalMs: 5_000, cacheMs: 5_000, jitter: 0 } })
    h.one.start()
    h.two.start()
    await h.clock.advance(60_000)
    const shared = probesOf(h)
    // One instance alone probes each of four servers every 5 s: 4 × (1 + 12) = 52.
    expect(shared).toBeLessThanOrEqual(4 * 13 + 4)
    expect(
      h.two.getSnapshot().servers.every((s) => s.health === 'healthy' && s.checkedAt !== undefined),
    ).toBe(true)
    // The other instance still sees fresh readings: a queue change shows up in both.
    await h.one.submit(work(30_000), { job: { include: [id(A)] } })
    await h.clock.advance(5_000)
    expect(h.two.getSnapshot().servers[0]?.queue).toMatchObject({ known: true, running: 1 })
    h.one.dispose()
    h.two.dispose()
  })

  it('shares a failure one instance saw and an ejection, so the other stops sending there too', async () => {
    const h = twoInstances({ probe: { jitter: 0 }, jobs: { retryMin: 100 } })
    await h.one.refresh()
    await h.two.refresh()
    h.one.recordFailure(A, 'HTTP 503 from the job')
    h.model(B).setWorkerFault('black-hole')
    for (let i = 0; i < 3; i++) {
      await drive(
        h.clock,
        h.one.run(work(100), { job: { include: [id(B)] } }).catch(() => undefined),
      )
    }
    expect(h.one.getSnapshot().servers[1]?.ejectedUntil).toBeDefined()
    await h.clock.advance(16_000)
    await h.two.refresh()
    const [a, b] = h.two.getSnapshot().servers
    expect(a?.health).toBe('healthy') // A answered probes since: the failure mark is older than that
    expect(b?.health).toBe('unhealthy')
    expect(b?.healthReason).toMatch(
      /^held out by another instance: ejected until a canary prompt runs there \(at most 300 s\): a job failed/,
    )
    // The other instance cannot see this one's canaries: it holds the server out for the timed length.
    const ejectedAt = h.one.getSnapshot().servers[1]!.failures.at(-1)!.at
    expect(b?.ejectedUntil).toBe(ejectedAt + 30_000)
    expect(h.one.getSnapshot().servers[1]?.ejectedUntil).toBe(ejectedAt + 300_000)
  })

  it('lets any instance follow a job another one submitted', async () => {
    const h = twoInstances()
    const submission = await drive(h.clock, h.one.submit(work(1_000)))
    expect(submission.ok).toBe(true)
    const { promptId, serverId } = (submission as { value: { promptId: string; serverId: string } }).value
    expect(h.two.ownerOf(promptId)).toBeUndefined()
    const result = await drive(h.clock, h.two.result(promptId))
    expect(result).toMatchObject({ ok: true, value: { promptId, serverId } })
    await expect(h.two.result('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'UNKNOWN_JOB',
    })
  })

  it('keeps working alone on a store that fails, and says so only through its view', async () => {
    const h = twoInstances()
    await h.store.dispose() // every operation now rejects with STATE_STORE_UNAVAILABLE
    await h.one.refresh()
    expect(await h.one.getOptimalServer()).toBe(A)
    const outcome = await drive(h.clock, h.one.run(work(100)))
    expect(outcome.ok).toBe(true)
  })
})

// The store is typed by its contract only: a Redis-backed one is tested in @comfy-balancer/redis.
export type { StateStore }
