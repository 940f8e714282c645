import { describe, expect, it } from 'vitest'
import { JobError, type JobEvent, type JobResult, UnknownJobError } from '../index.js'
import { drive, EARLY, FOUR, harness, runsOf, useMsw, work } from './harness.js'

useMsw()

const [A, B] = FOUR as [string, string, string, string]

describe('result and run: following a job to its outputs', () => {
  it('runs a prompt to its outputs on the owner and learns that server’s job time', async () => {
    const h = harness({ servers: [{ url: A, speed: 2 }, B] })
    const events: JobEvent[] = []
    const outcome = await drive(h.clock, h.balancer.run(work(3_000), { onEvent: (e) => events.push(e) }))
    expect(outcome.ok).toBe(true)
    const result = (outcome as { value: JobResult }).value
    expect(result.serverId).toBe('gpu-a.test:8188')
    expect(result.durationMs).toBe(1_500)
    expect(result.attempts).toBe(1)
    const images = result.outputs['1']?.images as { filename: string; subfolder: string; type: string }[]
    expect(images[0]?.filename).toMatch(/\.png$/)
    expect(events.map((e) => e.type)).toEqual(['queued', 'started'])
    expect(h.balancer.getSnapshot().servers[0]?.jobMs).toBe(1_500)
    // Outputs live on the owner only: the link goes there, and it serves the file.
    const link = h.balancer.viewUrl(result, images[0]!)
    expect(link.startsWith(`${A}/view?filename=`)).toBe(true)
    expect((await fetch(link)).status).toBe(200)
  })

  it('reports an execution error with the failing node', async () => {
    const h = harness({ servers: [A] })
    const prompt = { '1': { class_type: 'SimWork', inputs: { ms: 100, fail: true } } }
    const outcome = await drive(h.clock, h.balancer.run(prompt))
    expect(outcome.ok).toBe(false)
    expect((outcome as { error: JobError }).error).toBeInstanceOf(JobError)
    expect((outcome as { error: JobError }).error.reason).toBe('execution_error')
    expect((outcome as { error: Error }).error.message).toMatch(/SimWork \(node 1\)/)
  })

  it('without a socket, a prompt its restarted server no longer has may have run: JOB_LOST, or placed again once with rerunIfLost: true', async () => {
    for (const rerunIfLost of [undefined, true]) {
      const h = harness({ servers: [A, B] })
      h.model(A).submit({ prompt: work(600_000) }) // A is busy: our job waits in its queue
      h.model(B).submit({ prompt: work(600_000) })
      h.model(B).submit({ prompt: work(600_000) })
      const submission = await h.balancer.submit(work(1_000), rerunIfLost ? { ...EARLY, rerunIfLost } : EARLY)
      expect(submission.serverId).toBe('gpu-a.test:8188')
      const events: JobEvent[] = []
      const result = h.balancer.result(submission.promptId, { onEvent: (e) => events.push(e) })
      await h.clock.advance(2_000)
      h.model(A).crash() // loses its queue and history, as a restart does
      const outcome = await drive(h.clock, result, { stepMs: 1_000, maxMs: 3_600_000 })
      if (rerunIfLost === undefined) {
        // Polls alone cannot tell "never ran" from "ran, then the restart wiped its result".
        expect((outcome as { error: JobError }).error).toMatchObject({ code: 'JOB_LOST' })
        expect((outcome as { error: JobError }).error.message).toMatch(/cannot be known/)
        expect(runsOf(h, submission.promptId)).toEqual([])
        continue
      }
      expect(outcome.ok).toBe(true)
      expect((outcome as { value: JobResult }).value).toMatchObject({
        serverId: 'gpu-b.test:8188',
        attempts: 2,
      })
      expect(events.map((e) => e.type)).toEqual(['queued', 'resubmitted', 'queued', 'started'])
      expect(runsOf(h, submission.promptId)).toEqual([`${B}:success`])
    }
  })

  it('without a socket, never runs again a job that was seen running when its server dies', async () => {
    const h = harness({ servers: [A, B] })
    const submission = await h.balancer.submit(work(10_000))
    const result = h.balancer.result(submission.promptId)
    await h.clock.advance(3_000)
    h.model(A).crash()
    const outcome = await drive(h.clock, result, { stepMs: 1_000 })
    expect(outcome.ok).toBe(false)
    const error = (outcome as { error: JobError }).error
    expect(error.code).toBe('JOB_LOST')
    expect(error.message).toMatch(/whether it finished there first cannot be known.*not run again/)
    expect(runsOf(h, submission.promptId)).toEqual([`${A}:lost`])
    expect(h.model(B).log).toEqual([])
  })

  it('interrupts a queued job by removing it, and a running one on its server', async () => {
    const h = harness({ servers: [A] })
    const first = await h.balancer.submit(work(10_000), EARLY)
    const second = await h.balancer.submit(work(10_000), EARLY)
    await h.clock.advance(100)
    expect(await h.balancer.interrupt(second.promptId)).toBe(true)
    expect(h.model(A).queueRemaining).toBe(1)
    expect(await h.balancer.interrupt(first.promptId)).toBe(true)
    const outcome = await drive(h.clock, h.balancer.result(first.promptId))
    expect((outcome as { error: JobError }).error.reason).toBe('interrupted')
  })

  it('rejects unknown prompt ids and forgets a job once its result was read', async () => {
    const h = harness({ servers: [A] })
    await expect(h.balancer.result('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
      UnknownJobError,
    )
    const submission = await h.balancer.submit(work(100))
    await drive(h.clock, h.balancer.result(submission.promptId))
    expect(h.balancer.ownerOf(submission.promptId)).toBeUndefined()
  })

  it('stops waiting when aborted', async () => {
    const h = harness({ servers: [A] })
    const controller = new AbortController()
    const submission = await h.balancer.submit(work(60_000))
    const result = h.balancer.result(submission.promptId, { signal: controller.signal })
    await h.clock.advance(2_000)
    controller.abort()
    const outcome = await drive(h.clock, result)
    expect((outcome as { error: JobError }).error.reason).toBe('aborted')
  })
})
