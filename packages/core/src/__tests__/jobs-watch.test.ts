import { describe, expect, it } from 'vitest'
import type { JobUpdate } from '../index.js'
import { drive, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

describe('watch(): a job as an async iterator', () => {
  it('yields the job events, then the result, then ends', async () => {
    const h = harness({ servers: FOUR.slice(0, 1) })
    const { promptId } = await h.balancer.submit(work(2_000))
    const seen: string[] = []
    const consume = (async () => {
      for await (const update of h.balancer.watch(promptId)) {
        seen.push(update.type === 'event' ? update.event.type : `result:${update.result.serverId}`)
      }
    })()
    const outcome = await drive(h.clock, consume)
    expect(outcome.ok).toBe(true)
    expect(seen).toEqual(['queued', 'started', 'result:gpu-a.test:8188'])
  })

  it('throws the job error, and stops following when the loop breaks', async () => {
    const h = harness({ servers: FOUR.slice(0, 1) })
    const failing = await h.balancer.submit({
      '1': { class_type: 'SimWork', inputs: { ms: 100, fail: true } },
    })
    const errors: unknown[] = []
    const consume = (async () => {
      try {
        for await (const _update of h.balancer.watch(failing.promptId)) {
          // Only the error matters here.
        }
      } catch (error) {
        errors.push(error)
      }
    })()
    await drive(h.clock, consume)
    expect(errors).toHaveLength(1)
    expect((errors[0] as { code: string }).code).toBe('JOB_FAILED')

    const long = await h.balancer.submit(work(60_000))
    const first: JobUpdate[] = []
    for await (const update of h.balancer.watch(long.promptId)) {
      first.push(update)
      break
    }
    expect(first.map((u) => u.type)).toEqual(['event'])
    const polls = h.model(FOUR[0]!).requestCounts.jobs
    await h.clock.advance(10_000)
    // Breaking out aborted the follow: no more status polls for that job.
    expect(h.model(FOUR[0]!).requestCounts.jobs).toBe(polls)
  })
})
