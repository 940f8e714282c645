import type { FaultKind } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { ComfyBalancerError, type JobResult } from '../index.js'
import { drive, FOUR, harness, runsOf, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]
const FAULTS: FaultKind[] = ['refuse', 'hang', 'http500', 'malformed', 'wrongShape', 'slow']
const quick = {
  jobs: { lostAfterMs: 20_000, submitTimeoutMs: 10_000, requestTimeoutMs: 5_000, pollIntervalMs: 500 },
}

/** Every prompt the cluster ran to success, as `server:promptId`, to prove each ran exactly once. */
function successes(h: ReturnType<typeof harness>): string[] {
  return [...h.cluster.models].flatMap(([url, model]) =>
    model.log.filter((e) => e.outcome === 'success').map((e) => `${url}:${e.promptId}`),
  )
}

describe('each fault at each step: every run settles, no prompt runs twice', () => {
  for (const kind of FAULTS) {
    for (const processed of kind === 'refuse' || kind === 'slow' ? [false] : [false, true]) {
      const what = processed ? 'after queueing the prompt' : 'without queueing it'
      it(`${kind} on POST /prompt ${what}`, async () => {
        const h = harness({ servers: [A, B], config: quick })
        await h.balancer.refresh()
        h.model(A).setFault({ kind, delayMs: 2_000, process: processed, endpoints: ['prompt'] })
        const outcome = await drive(h.clock, h.balancer.run(work(1_000)), { stepMs: 250, maxMs: 600_000 })
        expect(outcome.ok).toBe(true)
        const result = (outcome as { value: JobResult }).value
        // Queued on A despite the bad answer: A keeps it. Not queued: B gets it. Never both.
        const expected = processed || kind === 'slow' ? 'gpu-a.test:8188' : 'gpu-b.test:8188'
        expect(result.serverId).toBe(expected)
        expect(successes(h)).toEqual([`${expected === 'gpu-a.test:8188' ? A : B}:${result.promptId}`])
      })
    }

    it(`${kind} on the owner while following the result`, async () => {
      const h = harness({ servers: [A, B], config: quick })
      const submission = await h.balancer.submit(work(5_000))
      expect(submission.serverId).toBe('gpu-a.test:8188')
      h.model(A).setFault({ kind, delayMs: 2_000, endpoints: ['jobs', 'queue', 'history'] })
      const result = h.balancer.result(submission.promptId)
      await h.clock.advance(8_000)
      h.model(A).setFault(undefined)
      const outcome = await drive(h.clock, result, { stepMs: 250, maxMs: 600_000 })
      // The job ran on A while its status calls failed: the balancer waits it out, never re-running it.
      expect(outcome.ok).toBe(true)
      expect((outcome as { value: JobResult }).value.serverId).toBe('gpu-a.test:8188')
      expect(runsOf(h, submission.promptId)).toEqual([`${A}:success`])
    })
  }

  it('a server that dies after accepting the POST: the job runs once, elsewhere, and settles', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'hang', process: true })
    const run = h.balancer.run(work(10_000))
    await h.clock.advance(1_000)
    h.model(A).crash() // the prompt it accepted, still running unseen, dies with it
    h.model(A).setFault({ kind: 'refuse' })
    const outcome = await drive(h.clock, run, { stepMs: 250, maxMs: 600_000 })
    expect(outcome.ok).toBe(true)
    expect((outcome as { value: JobResult }).value.serverId).toBe('gpu-b.test:8188')
    expect(successes(h)).toHaveLength(1)
  })

  it('every server refusing: run() rejects with a typed error naming the servers tried', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    for (const url of [A, B]) h.model(url).setFault({ kind: 'refuse' })
    const outcome = await drive(h.clock, h.balancer.run(work(1_000)), { stepMs: 250 })
    expect(outcome.ok).toBe(false)
    const error = (outcome as { error: ComfyBalancerError }).error
    expect(ComfyBalancerError.isInstance(error)).toBe(true)
    expect(error.code).toBe('SUBMIT_FAILED')
    expect(error.message).toMatch(/gpu-a\.test:8188/)
  })
})
