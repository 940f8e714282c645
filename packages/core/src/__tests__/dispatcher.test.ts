import { describe, expect, it } from 'vitest'
import type { ServerSnapshot } from '../contracts/server.js'
import { type JobResult, type Submission, SubmitError } from '../index.js'
import { planDispatch, planServers } from '../jobs/dispatch-plan.js'
import { drive, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]
const late = { binding: 'late' } as const
const fastConfig = { jobs: { pollIntervalMs: 100 }, probe: { cacheMs: 100 } }
/** Only idle servers get work, so a second job on a busy server waits in the app. */
const strict = { maxPendingPerServer: 0 }

describe('planDispatch (late binding)', () => {
  const job = (key: number, only?: string) => ({
    key,
    allowed: (id: string) => only === undefined || id === only,
  })
  const strict = { maxPending: 0, holdMargin: 0, leadMs: 0 }

  it('sends jobs to idle servers only, one each, where they finish first', () => {
    const servers = [
      { id: 'slow', ahead: 0, runningLeftMs: 0, jobMs: 4_000 },
      { id: 'fast', ahead: 0, runningLeftMs: 0, jobMs: 1_000 },
    ]
    // Jobs 2 and 3 finish sooner queued for fast (2 s, 3 s) than on slow (4 s): they wait.
    // Job 4 would finish at 4 s either way; the tie goes to the server free now.
    expect(
      planDispatch(
        [1, 2, 3, 4].map((k) => job(k)),
        servers,
        strict,
      ),
    ).toEqual([
      { key: 1, serverId: 'fast' },
      { key: 4, serverId: 'slow' },
    ])
  })

  it('waits for a fast server about to free rather than start on a slow idle one', () => {
    const servers = [
      { id: 'slow', ahead: 0, runningLeftMs: 0, jobMs: 4_000 },
      { id: 'fast', ahead: 1, runningLeftMs: 200, jobMs: 1_000 },
    ]
    // On fast it ends at 1.2 s, on slow at 4 s: hold it.
    expect(planDispatch([job(1)], servers, strict)).toEqual([])
    // Five: the fifth is better off on slow (4 s < 5.2 s), and goes now.
    expect(
      planDispatch(
        [1, 2, 3, 4, 5].map((k) => job(k)),
        servers,
        strict,
      ),
    ).toEqual([{ key: 4, serverId: 'slow' }])
  })

  it('holds only when waiting is at least holdMargin faster, so steady loads keep every GPU busy', () => {
    const servers = [
      { id: 'slow', ahead: 0, runningLeftMs: 0, jobMs: 4_000 },
      { id: 'fast', ahead: 1, runningLeftMs: 200, jobMs: 1_000 },
    ]
    const margin = { maxPending: 0, holdMargin: 0.5, leadMs: 0 }
    // Job 1: 1.2 s on fast vs 4 s on slow — more than 50 % sooner: hold. Job 2: 2.2 s vs 4 s — not
    // 50 % sooner: slow takes it now.
    expect(planDispatch([job(1), job(2)], servers, margin)).toEqual([{ key: 2, serverId: 'slow' }])
  })

  it('does not let a job held for one server block the rest', () => {
    const servers = [
      { id: 'a', ahead: 0, runningLeftMs: 0, jobMs: 1_000 },
      { id: 'b', ahead: 3, runningLeftMs: 500, jobMs: 1_000 },
    ]
    expect(planDispatch([job(1, 'b'), job(2)], servers, strict)).toEqual([{ key: 2, serverId: 'a' }])
  })

  it('allows up to maxPending queued prompts per server, and hands over early with leadMs', () => {
    const servers = [{ id: 'a', ahead: 1, runningLeftMs: 100, jobMs: 1_000 }]
    expect(planDispatch([job(1), job(2)], servers, strict)).toEqual([])
    expect(planDispatch([job(1), job(2)], servers, { ...strict, maxPending: 2 })).toEqual([
      { key: 1, serverId: 'a' },
      { key: 2, serverId: 'a' },
    ])
    expect(planDispatch([job(1), job(2)], servers, { ...strict, leadMs: 150 })).toEqual([
      { key: 1, serverId: 'a' },
    ])
  })

  it('queues nothing behind the running prompt of a server whose speed is still a guess', () => {
    const servers = [
      { id: 'timed', ahead: 1, runningLeftMs: 500, jobMs: 1_000 },
      { id: 'guessed', ahead: 1, runningLeftMs: 500, jobMs: 1_000, guessed: true },
    ]
    const jobs = [job(1, 'guessed'), job(2, 'timed')]
    expect(planDispatch(jobs, servers, { ...strict, maxPending: 1 })).toEqual([{ key: 2, serverId: 'timed' }])
  })
})

describe('planServers (what the planner knows of each server)', () => {
  const server = (jobMs: number | undefined, runningSince?: number) =>
    ({
      id: 'a',
      weight: 1,
      jobMs,
      runningSince,
      inFlight: 0,
      queue: { known: true, running: 1, pending: 0, source: 'ws' },
    }) as unknown as ServerSnapshot

  it('takes a timed server at its measured job time, the time its running prompt has left', () => {
    const [a] = planServers([{ server: server(2_000, 500), outstanding: 0, ourStartAt: undefined }], 1_000)
    expect(a).toEqual({ id: 'a', ahead: 1, runningLeftMs: 1_500, jobMs: 2_000, guessed: false })
  })

  it('counts a hand-over under way on top of the reading, and lets an untimed first job set a floor', () => {
    const [a] = planServers([{ server: server(undefined, 0), outstanding: 1, ourStartAt: undefined }], 3_000)
    // Nothing timed: the fleet default (1 s) would say it is nearly done; 3 s running says otherwise.
    expect(a).toMatchObject({ ahead: 2, jobMs: 3_000, guessed: true })
  })
})

describe('balancer.run() and submit(): late binding by default', () => {
  it.each([
    { dispatch: undefined, queued: 2, what: 'by default one prompt waits behind the running one' },
    { dispatch: strict, queued: 1, what: 'maxPendingPerServer 0: one prompt at a time' },
  ])('$what on every server, and the fast GPU gets more of the work', async ({ dispatch, queued }) => {
    const h = harness({
      servers: [
        { url: A, speed: 1 },
        { url: B, speed: 4 },
      ],
      config: fastConfig,
      ...(dispatch ? { dispatch } : {}),
    })
    h.balancer.recordJobDuration(A, 2_000)
    h.balancer.recordJobDuration(B, 500)
    const runs = Array.from({ length: 10 }, () => h.balancer.run(work(2_000), late))
    let maxQueue = 0
    const all = Promise.all(runs)
    const watch = setInterval(() => {
      for (const url of [A, B]) maxQueue = Math.max(maxQueue, h.model(url).queueRemaining)
    }, 0)
    const outcome = await drive(h.clock, all, { stepMs: 50, maxMs: 120_000 })
    clearInterval(watch)
    expect(outcome.ok).toBe(true)
    const results = (outcome as { value: JobResult[] }).value
    expect(maxQueue).toBe(queued)
    const onFast = results.filter((r) => r.serverId === 'gpu-b.test:8188').length
    expect(onFast).toBeGreaterThanOrEqual(7)
  })

  it('serves higher priority first', async () => {
    const h = harness({ servers: [A], config: fastConfig })
    const order: string[] = []
    const track = (name: string, priority: number) =>
      h.balancer.run(work(1_000), { ...late, job: { priority } }).then(() => order.push(name))
    const first = track('low-1', 0)
    await h.clock.advance(200) // low-1 is running; the next two wait client-side
    expect(h.model(A).queueRemaining).toBe(1)
    const jobs = [first, track('low-2', 0), track('urgent', 5)]
    await drive(h.clock, Promise.all(jobs), { stepMs: 50, maxMs: 60_000 })
    expect(order).toEqual(['low-1', 'urgent', 'low-2'])
  })

  it('submit() resolves once the prompt is on a server; binding: early POSTs at once behind the busy one', async () => {
    const h = harness({ servers: [A], config: fastConfig, dispatch: strict })
    const running = await drive(h.clock, h.balancer.submit(work(1_000), late), { stepMs: 50 })
    expect(running.ok).toBe(true)
    let handed: Submission | undefined
    void h.balancer.submit(work(1_000), late).then((submission) => {
      handed = submission
    })
    const early = await drive(h.clock, h.balancer.submit(work(1_000), { binding: 'early' }), { stepMs: 10 })
    expect(early.ok).toBe(true)
    // The early one is queued behind the running prompt; the late one still waits in the app.
    expect(h.model(A).queueRemaining).toBe(2)
    expect(handed).toBeUndefined()
    await drive(
      h.clock,
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (handed === undefined) return
          clearInterval(check)
          resolve()
        }, 0)
      }),
      { stepMs: 50, maxMs: 30_000 },
    )
    expect(handed?.serverId).toBe('gpu-a.test:8188')
    // Handed over only once the server had room: nothing ran twice.
    expect(h.model(A).log.filter((entry) => entry.promptId === handed?.promptId)).toHaveLength(1)
  })

  it('an aborted waiting job rejects with SUBMIT_FAILED and is never sent', async () => {
    const h = harness({ servers: [A], config: fastConfig, dispatch: strict })
    await drive(h.clock, h.balancer.submit(work(60_000), late), { stepMs: 50 })
    const controller = new AbortController()
    const waiting = h.balancer.run(work(1_000), { ...late, signal: controller.signal })
    await h.clock.advance(1_000)
    controller.abort()
    await expect(waiting).rejects.toBeInstanceOf(SubmitError)
    await expect(waiting).rejects.toThrow(/aborted while it waited/)
    expect(h.model(A).queueRemaining).toBe(1)
  })

  it('interrupt() takes a job still waiting in the app out of the line: its submit rejects, nothing is sent', async () => {
    const h = harness({ servers: [A], config: fastConfig, dispatch: strict })
    await drive(h.clock, h.balancer.submit(work(60_000), late), { stepMs: 50 })
    const waiting = h.balancer.submit(work(1_000), {
      ...late,
      promptId: '00000000-0000-4000-8000-00000000000a',
    })
    const rejection = waiting.catch((error: unknown) => error)
    await h.clock.advance(1_000)
    expect(await h.balancer.interrupt('00000000-0000-4000-8000-00000000000a')).toBe(true)
    const error = (await rejection) as SubmitError
    expect(error).toBeInstanceOf(SubmitError)
    expect(error.reason).toBe('aborted')
    expect(error.message).toMatch(/interrupted while it waited for a server/)
    await h.clock.advance(120_000)
    expect(h.model(A).log.map((entry) => entry.promptId)).not.toContain(
      '00000000-0000-4000-8000-00000000000a',
    )
  })

  it('a job that ended before any probe saw it no longer counts as in flight: the next one goes at once', async () => {
    // Probes far apart and slow: nothing but the job's own end tells the balancer the server is free.
    const h = harness({
      servers: [A],
      config: { jobs: { pollIntervalMs: 100 }, probe: { cacheMs: 600_000 } },
    })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'slow', delayMs: 5_000, endpoints: ['system_stats'] })
    const first = await drive(h.clock, h.balancer.run(work(200), late), { stepMs: 50 })
    expect(first.ok).toBe(true)
    expect(h.balancer.getSnapshot().servers[0]?.inFlight).toBe(0)
    const second = await drive(h.clock, h.balancer.submit(work(200), late), { stepMs: 50, maxMs: 1_000 })
    expect(second.ok).toBe(true)
  })

  it('with every server down after it failed there, a job waits calmly for lostAfterMs, then rejects naming them', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...fastConfig, jobs: { ...fastConfig.jobs, lostAfterMs: 5_000 } },
    })
    await h.balancer.refresh()
    for (const url of [A, B]) h.model(url).setFault({ kind: 'refuse' })
    const probes = () => h.model(A).requestCounts.system_stats + h.model(B).requestCounts.system_stats
    const before = probes()
    const outcome = await drive(h.clock, h.balancer.run(work(100), late), { stepMs: 100, maxMs: 30_000 })
    const error = (outcome as { error: SubmitError }).error
    expect(error).toBeInstanceOf(SubmitError)
    expect(error.reason).toBe('no-server')
    expect(error.message).toMatch(/healthy again within 5000 ms/)
    expect(error.attempts.map((attempt) => attempt.serverId).sort()).toEqual([
      'gpu-a.test:8188',
      'gpu-b.test:8188',
    ])
    // About one refresh a tick (500 ms) for 5 s, plus the monitor's own: not a storm of probes.
    expect(probes() - before).toBeLessThanOrEqual(2 * (5_000 / 500 + 10))
  })

  it('with no healthy server to wait for, a job takes the early path and its fallback policy', async () => {
    const h = harness({ servers: [A, B], config: { ...fastConfig, fallback: 'error' } })
    for (const url of [A, B]) h.model(url).setFault({ kind: 'refuse' })
    const outcome = await drive(h.clock, h.balancer.run(work(100), late), { stepMs: 50, maxMs: 30_000 })
    expect(outcome.ok).toBe(false)
    expect((outcome as { error: { code: string } }).error.code).toBe('SUBMIT_FAILED')
    expect((outcome as { error: Error }).error.message).toMatch(/no server left to try/)
  })

  it('puts a job back after a failed submission on the retry budget: retries are paced, none is lost', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...fastConfig, jobs: { ...fastConfig.jobs, retryRatio: 0.2, retryMin: 2 } },
    })
    await h.balancer.refresh()
    for (const url of [A, B]) h.model(url).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const posts = () =>
      [A, B].reduce(
        (n, url) => n + h.model(url).requestCounts.prompt - h.model(url).requestCounts.system_stats,
        0,
      )
    const runs = Array.from({ length: 10 }, () => h.balancer.run(work(300), late))
    const all = Promise.allSettled(runs)
    // GET /prompt probes count on the same endpoint as the POSTs: subtract one per /system_stats.
    await h.clock.advance(9_000)
    // Within one 10 s window: ten first tries and at most max(2, 20 % of 10) = 2 retries.
    expect(posts()).toBeLessThanOrEqual(10 + 2)
    const outcome = await drive(h.clock, all, { stepMs: 100, maxMs: 300_000 })
    const settled = (outcome as { value: PromiseSettledResult<JobResult>[] }).value
    // Each job gets its three hand-overs (jobs.maxAttempts) in the end, and a typed error naming them.
    const reasons = settled.map((r) => (r.status === 'rejected' ? (r.reason as SubmitError) : undefined))
    expect(reasons.map((error) => error?.code)).toEqual(Array(10).fill('SUBMIT_FAILED'))
    expect(reasons.map((error) => error?.attempts.length)).toEqual(Array(10).fill(3))
    expect(posts()).toBe(30)
  })

  it('rejects waiting jobs with DISPOSED when the balancer is disposed', async () => {
    const h = harness({ servers: [A], config: fastConfig, dispatch: strict })
    const first = h.balancer.run(work(60_000), late)
    const second = h.balancer.run(work(60_000), late)
    await h.clock.advance(200)
    h.balancer.dispose()
    await expect(second).rejects.toMatchObject({ code: 'DISPOSED' })
    expect(h.model(A).queueRemaining).toBe(1)
    void first.catch(() => undefined)
  })
})
