import { describe, expect, it } from 'vitest'
import type { BalancerConfigInput, BalancerEvents, JobResult } from '../index.js'
import { drive, EARLY, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B, C, D] = FOUR as [string, string, string, string]
const id = (url: string) => url.replace('http://', '')

/** Exact timings (no jitter), and a retry budget that never runs out, so only outlier rules act. */
const exact: Partial<BalancerConfigInput> = {
  probe: { jitter: 0 },
  jobs: { retryMin: 1_000, retryBackoffMs: 0, pollIntervalMs: 250, lostAfterMs: 20_000 },
}

function recordEjections(h: ReturnType<typeof harness>): BalancerEvents['ejected'][] {
  const seen: BalancerEvents['ejected'][] = []
  h.balancer.on('ejected', (event) => seen.push(event))
  return seen
}

/** Runs `count` jobs on one server, one after another, ignoring how they end (a black hole fails them). */
async function failJobsOn(h: ReturnType<typeof harness>, url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await drive(
      h.clock,
      h.balancer.run(work(100), { job: { include: [id(url)] } }).catch(() => undefined),
    )
  }
}

describe('outlier ejection', () => {
  it('a black hole (every job fails at once, probes fine) gets under 2 % of 400 jobs, ejected after 1; its failed jobs run again elsewhere', async () => {
    const h = harness({ config: exact })
    const ejections = recordEjections(h)
    h.balancer.start()
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const runs: Promise<JobResult>[] = []
    const jobIds = new Set<string>()
    for (let i = 0; i < 400; i++) {
      const run = h.balancer.run(work(1_000), { onEvent: (e) => jobIds.add(e.promptId) })
      run.catch(() => undefined)
      runs.push(run)
      await h.clock.advance(500)
    }
    const outcomes = await drive(h.clock, Promise.allSettled(runs), { stepMs: 500 })
    expect(outcomes.ok).toBe(true)
    const settled = (outcomes as { value: PromiseSettledResult<JobResult>[] }).value
    const failed = settled.filter((o) => o.status === 'rejected').length
    const onBlackHole = h.model(A).log.filter((entry) => jobIds.has(entry.promptId))
    const canaries = h.model(A).log.filter((entry) => !jobIds.has(entry.promptId))
    // Every job settled and succeeded: the one the black hole failed ran again on another server.
    expect(settled).toHaveLength(400)
    expect(failed).toBe(0)
    const results = settled.map((o) => (o as PromiseFulfilledResult<JobResult>).value)
    expect(results.filter((r) => r.serverId === id(A))).toEqual([])
    expect(results.filter((r) => r.attempts > 1)).toHaveLength(onBlackHole.length)
    expect(onBlackHole.length / 400).toBeLessThan(0.02)
    expect(onBlackHole).toHaveLength(1)
    expect(ejections).toHaveLength(1)
    expect(ejections[0]).toMatchObject({ server: { id: id(A) }, ejections: 1 })
    expect(ejections[0]?.reason).toMatch(/^a job failed; last: Job /)
    // While it stays broken, only canaries (every 5 s, all failing) ran there: no user job.
    expect(canaries.length).toBeGreaterThan(30)
    expect(canaries.every((entry) => entry.outcome === 'error')).toBe(true)
    h.balancer.dispose()
  })

  it('holds a black hole out until a canary runs there, then takes it back on probation', async () => {
    const h = harness({ servers: [A, B], config: exact })
    h.balancer.start()
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const ejections = recordEjections(h)
    await failJobsOn(h, A, 1)
    expect(ejections).toHaveLength(1)
    const t0 = ejections[0]!.server.failures.at(-1)!.at
    // At most 300 s: a canary prompt ends it sooner.
    expect(ejections[0]!.until - t0).toBe(300_000)
    expect(ejections[0]!.server.healthReason).toMatch(/^ejected until a canary prompt runs there/)
    const health = () => h.balancer.getSnapshot().servers[0]!.health
    const logged = h.model(A).log.length
    await h.clock.advance(60_000)
    expect(health()).toBe('unhealthy')
    // A canary 5 s after the last one ended (each takes a 500 ms history read to judge), each failing
    // at once; the probes that answer meanwhile change nothing.
    const canaries = h.model(A).log.slice(logged)
    expect(canaries).toHaveLength(11)
    expect(canaries.every((entry) => entry.outcome === 'error')).toBe(true)
    // Fixed: the next canary runs, and one answered probe brings it back.
    h.model(A).setWorkerFault(undefined)
    const fixedAt = h.clock.now()
    await h.clock.advance(6_000)
    expect(health()).toBe('healthy')
    expect(h.model(A).log.at(-1)).toMatchObject({ outcome: 'success' })
    expect(h.model(A).log.at(-1)!.startedAt - fixedAt).toBeLessThanOrEqual(5_500)
    expect(h.logger.text()).toContain('ran a canary prompt: its ejection ends (on probation)')
    // On probation: a single failed job ejects it again.
    h.model(A).setWorkerFault('black-hole')
    await failJobsOn(h, A, 1)
    expect(ejections).toHaveLength(2)
    h.balancer.dispose()
  })

  it('judges a server by time once a canary passed there but the next real job failed', async () => {
    const h = harness({ servers: [A, B], config: exact })
    h.balancer.start()
    await h.balancer.refresh()
    const ejections = recordEjections(h)
    // Jobs that raise (a fault of these jobs on this server) while the canary runs fine.
    const failing = { '1': { class_type: 'SimWork', inputs: { ms: 100, fail: true } } }
    const failOnA = () =>
      drive(
        h.clock,
        h.balancer.run(failing, { job: { include: [id(A)] }, retryFailed: false }).catch(() => undefined),
      )
    await failOnA()
    expect(ejections).toHaveLength(1)
    await h.clock.advance(6_000)
    expect(h.balancer.getSnapshot().servers[0]!.health).toBe('healthy')
    await failOnA()
    expect(ejections).toHaveLength(2)
    const second = ejections[1]!
    expect(second.until - second.server.failures.at(-1)!.at).toBe(60_000)
    expect(second.server.healthReason).toMatch(/^ejected for 60 s: 2 failed jobs in a row/)
    h.balancer.dispose()
  })

  it('a server that refuses the canary prompt, or canary: false, is held out for the timed length', async () => {
    const noOutputs = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    }
    for (const canary of [noOutputs, false] as const) {
      const h = harness({ servers: [A, B], config: { ...exact, outlier: { canary } } })
      h.balancer.start()
      await h.balancer.refresh()
      h.model(A).setWorkerFault('black-hole')
      const ejections = recordEjections(h)
      await failJobsOn(h, A, 1)
      const t0 = ejections[0]!.server.failures.at(-1)!.at
      await h.clock.advance(6_000)
      const until = h.balancer.getSnapshot().servers[0]!.ejectedUntil!
      if (canary !== false) {
        // 30 s from the refused canary, which came 5 s in.
        expect(h.logger.text()).toContain('the server refused the canary prompt: ')
        expect(until - t0).toBe(35_000)
      } else {
        expect(until - t0).toBe(30_000)
        expect(ejections[0]!.server.healthReason).toMatch(/^ejected for 30 s: a job failed/)
      }
      h.balancer.dispose()
    }
  })

  it('five error answers in a row eject a server; the sixth submission does not try it', async () => {
    const h = harness({ servers: [A, B], config: exact })
    const ejections = recordEjections(h)
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'http500', endpoints: ['prompt'] })
    for (let i = 0; i < 8; i++) {
      const outcome = await drive(h.clock, h.balancer.submit(work(100), EARLY))
      expect(outcome).toMatchObject({ ok: true, value: { serverId: id(B) } })
    }
    // GET /prompt (probes) is faulted too, so count the POSTs from the failures A remembers.
    const snapshot = h.balancer.getSnapshot().servers[0]!
    expect(snapshot.health).toBe('unhealthy')
    expect(snapshot.ejectedUntil).toBe(ejections[0]?.until)
    expect(ejections).toHaveLength(1)
    expect(ejections[0]?.reason).toMatch(/^5 error answers in a row; last: .*500/)
    expect(snapshot.failures.filter((f) => f.kind === 'observed')).toHaveLength(5)
  })

  it('a refused connection takes a server out at once (it is down, not an outlier)', async () => {
    const h = harness({ servers: [A, B], config: exact })
    const ejections = recordEjections(h)
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'refuse', endpoints: ['prompt'] })
    const outcome = await drive(h.clock, h.balancer.submit(work(100)))
    expect(outcome).toMatchObject({ ok: true, value: { serverId: id(B) } })
    const a = h.balancer.getSnapshot().servers[0]!
    expect(a.health).toBe('unhealthy')
    expect(a.ejectedUntil).toBeUndefined()
    expect(a.failures.at(-1)?.kind).toBe('observed')
    expect(ejections).toEqual([])
  })

  it('without a canary, holds an ejected server out for 30 s although probes answer, then 60 s after a relapse', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...exact, outlier: { canary: false, consecutiveJobFailures: 3 } },
    })
    h.balancer.start()
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const ejections = recordEjections(h)
    await failJobsOn(h, A, 3)
    expect(ejections).toHaveLength(1)
    const t0 = ejections[0]!.server.failures.at(-1)!.at
    expect(ejections[0]!.until - t0).toBe(30_000)
    const health = () => h.balancer.getSnapshot().servers[0]!.health
    expect(h.balancer.getServerStats()[0]).toMatchObject({ healthy: false, ejectedUntil: t0 + 30_000 })
    await h.clock.advance(t0 + 29_000 - h.clock.now())
    await h.balancer.probe(A)
    expect(health()).toBe('unhealthy')
    // After the ejection: two answered probes (healthyAfter) bring it back.
    await h.clock.advance(t0 + 32_500 - h.clock.now())
    expect(health()).toBe('healthy')
    // On probation: a single failed job ejects it again, for twice as long.
    await failJobsOn(h, A, 1)
    expect(ejections).toHaveLength(2)
    expect(ejections[1]!.until - ejections[1]!.server.failures.at(-1)!.at).toBe(60_000)
    expect(ejections[1]!.ejections).toBe(2)
    h.balancer.dispose()
  })

  it('never holds out more than max(1, 10 %) of the servers by outlier logic', async () => {
    const h = harness({ config: exact })
    const ejections = recordEjections(h)
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    h.model(B).setWorkerFault('black-hole')
    for (const server of [A, B]) {
      await failJobsOn(h, server, 3)
    }
    expect(ejections.map((e) => e.server.id)).toEqual([id(A)])
    expect(h.balancer.getSnapshot().servers.map((s) => s.health)).toEqual([
      'unhealthy',
      'healthy',
      'healthy',
      'healthy',
    ])
    expect(h.logger.text()).toContain('gpu-b.test:8188 not ejected (a job failed; last: Job ')
  })

  it('with outlier detection off, an error answer takes a server out at once and failed jobs count for nothing', async () => {
    const h = harness({ servers: [A, B], config: { ...exact, outlier: { enabled: false } } })
    await h.balancer.refresh()
    h.model(B).setWorkerFault('black-hole')
    await failJobsOn(h, B, 4)
    expect(h.balancer.getSnapshot().servers[1]!.health).toBe('healthy')
    h.model(A).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const outcome = await drive(h.clock, h.balancer.submit(work(100)))
    expect(outcome).toMatchObject({ ok: true, value: { serverId: id(B) } })
    expect(h.balancer.getSnapshot().servers[0]!.health).toBe('unhealthy')
  })
})

describe('panic mode', () => {
  /** D is a black hole, held out; A, B and C then stop answering. */
  async function mostlyDown(config: Partial<BalancerConfigInput>) {
    const h = harness({ config: { ...exact, ...config } })
    await h.balancer.refresh()
    h.model(D).setWorkerFault('black-hole')
    await failJobsOn(h, D, 3)
    expect(h.balancer.getSnapshot().servers[3]!.ejectedUntil).toBeDefined()
    for (const url of [A, B, C]) h.model(url).setFault({ kind: 'refuse' })
    for (const url of [A, B, C]) h.balancer.recordFailure(url, 'connection refused')
    await h.balancer.refresh()
    return h
  }

  it('below half healthy, chooses among the servers that still answer, held-out ones included', async () => {
    const h = await mostlyDown({})
    const reasons: string[] = []
    h.balancer.on('selected', (e) => reasons.push(`${e.server.id} ${e.reason}`))
    expect(await h.balancer.getOptimalServer()).toBe(D)
    expect(reasons).toEqual([`${id(D)} panic`])
  })

  it('with panicThreshold 0, falls back to the (dead) primary as the original design did', async () => {
    const h = await mostlyDown({ outlier: { panicThreshold: 0 } })
    const reasons: string[] = []
    h.balancer.on('selected', (e) => reasons.push(`${e.server.id} ${e.reason}`))
    expect(await h.balancer.getOptimalServer()).toBe(A)
    expect(reasons).toEqual([`${id(A)} fallback-primary`])
  })

  it('is not entered while half or more are healthy', async () => {
    const h = harness({ config: exact })
    await h.balancer.refresh()
    h.model(D).setWorkerFault('black-hole')
    await failJobsOn(h, D, 3)
    h.model(A).setFault({ kind: 'refuse' })
    h.balancer.recordFailure(A, 'connection refused')
    const chosen = new Set<string>()
    for (let i = 0; i < 20; i++) chosen.add(await h.balancer.getOptimalServer())
    expect([...chosen].sort()).toEqual([B, C])
  })
})

describe('stalls and flapping', () => {
  it('holds out a server whose queue has not moved for stallAfterMs, and takes it back once it moves', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...exact, outlier: { stallAfterMs: 60_000 }, probe: { jitter: 0, intervalMs: 5_000 } },
    })
    const ejections = recordEjections(h)
    h.balancer.start()
    await h.balancer.refresh()
    h.model(A).setWorkerFault('stall')
    const stuck = h.balancer.submit(work(1_000), { job: { include: [id(A)] } })
    await drive(h.clock, stuck)
    await h.clock.advance(59_000)
    expect(ejections).toEqual([])
    await h.clock.advance(7_000)
    expect(ejections).toHaveLength(1)
    expect(ejections[0]?.reason).toMatch(/^stalled: 1 prompt\(s\) queued and none finished for 6\d s/)
    expect(await h.balancer.getOptimalServer()).toBe(B)
    h.model(A).setWorkerFault(undefined)
    await h.clock.advance(40_000)
    expect(h.balancer.getSnapshot().servers[0]!.health).toBe('healthy')
    h.balancer.dispose()
  })

  it('holds out a server that went down three times in ten minutes, longer each time it relapses', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...exact, probe: { jitter: 0, intervalMs: 5_000, unhealthyAfter: 1, healthyAfter: 1 } },
    })
    const ejections = recordEjections(h)
    h.balancer.start()
    await h.balancer.refresh()
    const health = () => h.balancer.getSnapshot().servers[0]!.health
    async function flap() {
      h.model(A).setFault({ kind: 'refuse' })
      await h.clock.advance(6_000)
      expect(health()).toBe('unhealthy')
      h.model(A).setFault(undefined)
      await h.clock.advance(6_000)
    }
    await flap()
    await flap()
    expect(health()).toBe('healthy')
    await flap()
    // The third comeback within the window is not trusted: held out for the base ejection time.
    expect(health()).toBe('unhealthy')
    expect(ejections.map((e) => e.reason)).toEqual(['flapping: down 3 times in 600 s'])
    await h.clock.advance(30_000)
    expect(health()).toBe('healthy')
    // One more fall right after: held out again at once, for twice as long.
    await flap()
    expect(health()).toBe('unhealthy')
    expect(ejections).toHaveLength(2)
    expect(ejections[1]!.ejections).toBe(2)
    h.balancer.dispose()
  })
})
