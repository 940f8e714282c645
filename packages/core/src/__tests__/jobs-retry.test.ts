import { describe, expect, it } from 'vitest'
import { JobError, type JobEvent, type JobResult, PromptRejectedError } from '../index.js'
import { drive, EARLY, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]
const id = (url: string) => url.replace('http://', '')
const fast = { jobs: { pollIntervalMs: 100 }, probe: { cacheMs: 100 } }
const FIRST = '00000000-0000-4000-8000-0000000000f1'

/** Every prompt id each server ran, with how it ended. */
function runs(h: ReturnType<typeof harness>) {
  return [...h.cluster.models].flatMap(([url, model]) =>
    model.log.map((entry) => ({ server: id(url), promptId: entry.promptId, outcome: entry.outcome })),
  )
}

/** A prompt whose only node fails on every server (a broken workflow). */
const broken = { '1': { class_type: 'SimWork', inputs: { ms: 500, fail: true } } }

describe.each([
  ['late binding', {}],
  ['early binding', EARLY],
] as const)('run() retries a job that failed on its server (%s)', (_name, binding) => {
  it('runs it again under a new prompt id on another server: the caller gets the image, not the error', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const events: JobEvent[] = []
    // Pinned to A, so the first run surely fails there.
    const outcome = await drive(
      h.clock,
      h.balancer.run(work(1_000), {
        ...binding,
        server: id(A),
        promptId: FIRST,
        onEvent: (event) => events.push(event),
      }),
      { stepMs: 100 },
    )
    expect(outcome.ok).toBe(true)
    const result = (outcome as { value: JobResult }).value
    expect(result.serverId).toBe(id(B))
    expect(result.promptId).not.toBe(FIRST)
    expect(result.attempts).toBe(2)
    expect(runs(h)).toEqual([
      { server: id(A), promptId: FIRST, outcome: 'error' },
      { server: id(B), promptId: result.promptId, outcome: 'success' },
    ])
    const resubmitted = events.find((event) => event.type === 'resubmitted')
    expect(resubmitted).toMatchObject({ promptId: FIRST, from: id(A) })
    expect((resubmitted as { reason: string }).reason).toMatch(/RuntimeError: the worker is broken/)
  })

  it('rejects a workflow that fails on two different servers, with each server’s exception', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    const outcome = await drive(h.clock, h.balancer.run(broken, { ...binding, promptId: FIRST }), {
      stepMs: 100,
    })
    const error = (outcome as { error: JobError }).error
    expect(error).toBeInstanceOf(JobError)
    expect(error.reason).toBe('execution_error')
    expect(error.failures.map((f) => f.serverId).sort()).toEqual([id(A), id(B)])
    for (const failure of error.failures)
      expect(failure).toMatchObject({
        exceptionType: 'RuntimeError',
        exceptionMessage: 'SimWork failed because inputs.fail is true',
        nodeId: '1',
        nodeType: 'SimWork',
      })
    expect(error.message).toMatch(/failed on 2 different servers, so the workflow itself fails/)
    // Two runs, not maxAttempts (3): a third server would fail it too.
    expect(runs(h)).toHaveLength(2)
  })

  it('with retryFailed: false, rejects after the first failure and runs nothing again', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const outcome = await drive(
      h.clock,
      h.balancer.run(work(1_000), { ...binding, server: id(A), retryFailed: false }),
      { stepMs: 100 },
    )
    const error = (outcome as { error: JobError }).error
    expect(error).toBeInstanceOf(JobError)
    expect(error.failures).toHaveLength(1)
    expect(runs(h)).toHaveLength(1)
  })
})

describe('run() does not retry what another server would refuse or what the caller stopped', () => {
  it('never retries a 400 (invalid workflow)', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    // A required input is missing: every server would refuse it.
    const invalid = { '1': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } } }
    const outcome = await drive(h.clock, h.balancer.run(invalid), { stepMs: 100 })
    expect((outcome as { error: unknown }).error).toBeInstanceOf(PromptRejectedError)
    // Refused at the POST on the first server: nothing queued anywhere, no second POST.
    expect(runs(h)).toEqual([])
    expect([...h.cluster.models.values()].map((model) => model.queueRemaining)).toEqual([0, 0])
  })

  it('does not retry a job the caller interrupted, but does one another client interrupted', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    const mine = h.balancer.run(work(60_000), { server: id(A), promptId: FIRST })
    mine.catch(() => undefined)
    await h.clock.advance(1_000)
    expect(await h.balancer.interrupt(FIRST)).toBe(true)
    const stopped = await drive(h.clock, mine, { stepMs: 100 })
    expect((stopped as { error: JobError }).error.reason).toBe('interrupted')
    expect(runs(h)).toHaveLength(1)

    // Someone else (ComfyUI's own page, say) interrupts our next job on A: it runs again on B.
    const theirs = h.balancer.run(work(2_000), { server: id(A) })
    await h.clock.advance(500)
    h.model(A).interrupt()
    const outcome = await drive(h.clock, theirs, { stepMs: 100 })
    expect(outcome).toMatchObject({ ok: true, value: { serverId: id(B), attempts: 2 } })
  })

  it('interrupt() with the first prompt id reaches the job where it runs again', async () => {
    const h = harness({ servers: [A, B], config: fast })
    await h.balancer.refresh()
    h.model(A).setWorkerFault('black-hole')
    const job = h.balancer.run(work(60_000), { server: id(A), promptId: FIRST })
    job.catch(() => undefined)
    await drive(h.clock, new Promise<void>((resolve) => h.clock.setTimeout(resolve, 3_000)), { stepMs: 100 })
    const rerun = runs(h).find((r) => r.server === id(B))
    expect(rerun?.promptId).toBeDefined()
    expect(await h.balancer.interrupt(FIRST)).toBe(true)
    const outcome = await drive(h.clock, job, { stepMs: 100 })
    expect((outcome as { error: JobError }).error.reason).toBe('interrupted')
    expect(runs(h).find((r) => r.server === id(B))?.outcome).toBe('interrupted')
  })
})
