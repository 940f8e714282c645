import { describe, expect, it } from 'vitest'
import { createDispatcher, type JobResult } from '../index.js'
import { planDispatch } from '../jobs/dispatch-plan.js'
import { drive, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]
const fastConfig = { jobs: { pollIntervalMs: 100 }, probe: { cacheMs: 100 } }

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
})

describe('createDispatcher through the real balancer', () => {
  it('keeps every server to one prompt at a time and gives the fast GPU more of the work', async () => {
    const h = harness({
      servers: [
        { url: A, speed: 1 },
        { url: B, speed: 4 },
      ],
      config: fastConfig,
    })
    h.balancer.recordJobDuration(A, 2_000)
    h.balancer.recordJobDuration(B, 500)
    const dispatcher = createDispatcher(h.balancer, { tickMs: 100 })
    const runs = Array.from({ length: 10 }, () => dispatcher.run(work(2_000)))
    let maxQueue = 0
    const all = Promise.all(runs)
    const watch = setInterval(() => {
      for (const url of [A, B]) maxQueue = Math.max(maxQueue, h.model(url).queueRemaining)
    }, 0)
    const outcome = await drive(h.clock, all, { stepMs: 50, maxMs: 120_000 })
    clearInterval(watch)
    expect(outcome.ok).toBe(true)
    const results = (outcome as { value: JobResult[] }).value
    expect(maxQueue).toBe(1)
    const onFast = results.filter((r) => r.serverId === 'gpu-b.test:8188').length
    expect(onFast).toBeGreaterThanOrEqual(7)
    expect(dispatcher.waiting).toBe(0)
    dispatcher.close()
  })

  it('serves higher priority first', async () => {
    const h = harness({ servers: [A], config: fastConfig })
    const dispatcher = createDispatcher(h.balancer, { tickMs: 100 })
    const order: string[] = []
    const track = (name: string, priority: number) =>
      dispatcher.run(work(1_000), { priority }).then(() => order.push(name))
    const first = track('low-1', 0)
    await h.clock.advance(200) // low-1 is running; the next two wait client-side
    expect(h.model(A).queueRemaining).toBe(1)
    const jobs = [first, track('low-2', 0), track('urgent', 5)]
    await drive(h.clock, Promise.all(jobs), { stepMs: 50, maxMs: 60_000 })
    expect(order).toEqual(['low-1', 'urgent', 'low-2'])
  })

  it('puts a job back after a failed submission on the retry budget: retries are paced, none is lost', async () => {
    const h = harness({
      servers: [A, B],
      config: { ...fastConfig, jobs: { ...fastConfig.jobs, retryRatio: 0.2, retryMin: 2, maxAttempts: 1 } },
    })
    await h.balancer.refresh()
    for (const url of [A, B]) h.model(url).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const dispatcher = createDispatcher(h.balancer, { tickMs: 100 })
    const posts = () =>
      [A, B].reduce(
        (n, url) => n + h.model(url).requestCounts.prompt - h.model(url).requestCounts.system_stats,
        0,
      )
    const runs = Array.from({ length: 10 }, () => dispatcher.run(work(300)))
    const all = Promise.allSettled(runs)
    // GET /prompt probes count on the same endpoint as the POSTs: subtract one per /system_stats.
    await h.clock.advance(9_000)
    // Within one 10 s window: ten first tries and at most max(2, 20 % of 10) = 2 retries.
    expect(posts()).toBeLessThanOrEqual(10 + 2)
    const outcome = await drive(h.clock, all, { stepMs: 100, maxMs: 300_000 })
    const settled = (outcome as { value: PromiseSettledResult<JobResult>[] }).value
    // Each job gets its three tries in the end, and fails with a typed error naming them.
    expect(settled.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(
      Array(10).fill('SUBMIT_FAILED'),
    )
    expect(posts()).toBe(30)
    dispatcher.close()
  })

  it('rejects waiting jobs when closed', async () => {
    const h = harness({ servers: [A], config: fastConfig })
    const dispatcher = createDispatcher(h.balancer)
    const first = dispatcher.run(work(60_000))
    const second = dispatcher.run(work(60_000))
    await h.clock.advance(200)
    dispatcher.close()
    await expect(second).rejects.toThrow(/closed before this job was sent/)
    expect(h.model(A).queueRemaining).toBe(1)
    void first.catch(() => undefined)
  })
})
