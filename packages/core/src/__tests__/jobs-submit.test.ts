import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, PromptRejectedError, SubmitError } from '../index.js'
import { drive, EARLY, FOUR, harness, runsOf, useMsw, work } from './harness.js'

useMsw()

const [A, B, C] = FOUR as [string, string, string, string]
const received = (h: ReturnType<typeof harness>, url: string) =>
  h.model(url).log.length + h.model(url).queueRemaining

/** A retry waits a jittered backoff on the clock: move the clock until the promise settles. */
async function settled<T>(h: ReturnType<typeof harness>, promise: Promise<T>): Promise<T> {
  const outcome = await drive(h.clock, promise, { stepMs: 50 })
  if (!outcome.ok) throw outcome.error
  return outcome.value
}

describe('submit: placing a prompt safely', () => {
  it('queues the prompt on the best server under a client-made UUID, with the balancer client_id', async () => {
    const h = harness({ servers: [A, B] })
    h.model(A).submit({ prompt: work(60_000) })
    const submission = await h.balancer.submit(work(300))
    expect(submission.serverId).toBe('gpu-b.test:8188')
    expect(submission.url).toBe(B)
    expect(submission.promptId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    const [running] = h.model(B).queueSnapshot().queue_running
    expect(running?.[1]).toBe(submission.promptId)
    expect(running?.[3]).toMatchObject({ client_id: h.balancer.clientId })
    expect(h.balancer.ownerOf(submission.promptId)).toBe('gpu-b.test:8188')
  })

  it('surfaces a 400 with ComfyUI node_errors and never retries it elsewhere', async () => {
    const h = harness({ servers: [A, B] })
    const error = await h.balancer
      .submit({ '1': { class_type: 'LoadImage', inputs: {} } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PromptRejectedError)
    expect((error as PromptRejectedError).type).toBe('prompt_no_outputs')
    expect(h.model(B).requestCounts.prompt).toBe(1) // the probe only: no POST went to B
  })

  it('moves on when a server refuses the connection, and marks it unhealthy', async () => {
    const h = harness({ servers: [A, B] })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'refuse', endpoints: ['prompt', 'jobs', 'queue', 'history'] })
    const submission = await settled(h, h.balancer.submit(work(300)))
    expect(submission.serverId).toBe('gpu-b.test:8188')
    expect(h.balancer.getSnapshot().servers[0]?.health).toBe('unhealthy')
    expect(runsOf(h, submission.promptId).length + received(h, A)).toBe(1)
  })

  it('does not resubmit when the POST timed out but the server had queued the prompt', async () => {
    const h = harness({ servers: [A, B] })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'hang', endpoints: ['prompt'], process: true })
    const outcome = await drive(h.clock, h.balancer.submit(work(300)), { stepMs: 1_000 })
    expect(outcome.ok).toBe(true)
    const submission = (outcome as { value: { serverId: string; promptId: string } }).value
    expect(submission.serverId).toBe('gpu-a.test:8188')
    expect(received(h, B)).toBe(0)
    expect(h.logger.text()).toMatch(/holds .* although its answer was lost: not resubmitted/)
  })

  it('retries elsewhere when a 500 means the prompt was not queued', async () => {
    const h = harness({ servers: [A, B] })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const submission = await settled(h, h.balancer.submit(work(300)))
    expect(submission.serverId).toBe('gpu-b.test:8188')
    expect(received(h, A)).toBe(0)
  })

  it('gives up after maxAttempts, naming every server tried and why', async () => {
    const h = harness({ servers: [A, B, C], config: { jobs: { maxAttempts: 2 } } })
    await h.balancer.refresh()
    for (const url of [A, B, C]) h.model(url).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const error = await settled(h, h.balancer.submit(work(300))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SubmitError)
    expect((error as SubmitError).attempts.map((a) => a.serverId)).toEqual([
      'gpu-a.test:8188',
      'gpu-b.test:8188',
    ])
    expect((error as Error).message).toMatch(/gave up after 2 attempts.*HTTP 500/)
  })

  it('moves on after a server that took the POST stays silent past jobs.moveAfterMs, and removes its copy when it returns', async () => {
    const h = harness({ servers: [A, B], config: { jobs: { lostAfterMs: 20_000 } } })
    await h.balancer.refresh()
    // A accepts the prompt, then goes silent on every endpoint.
    h.model(A).setFault({ kind: 'hang', process: true })
    const outcome = await drive(h.clock, h.balancer.submit(work(120_000)), { stepMs: 1_000 })
    expect(outcome.ok).toBe(true)
    const { promptId, serverId } = (outcome as { value: { serverId: string; promptId: string } }).value
    expect(serverId).toBe('gpu-b.test:8188')
    // A comes back with its copy still queued; the balancer removes or interrupts it as soon as A answers.
    h.model(A).setFault(undefined)
    // Back after two answered probes (healthyAfter: 2); the sweep runs when it turns healthy. A
    // re-probe sent while A hung may still be under way: the first probe call shares it and fails.
    const health = () => h.balancer.getSnapshot().servers[0]?.health
    for (let probe = 0; probe < 3 && health() !== 'healthy'; probe++)
      await drive(h.clock, h.balancer.probe(A), { stepMs: 1_000 })
    expect(health()).toBe('healthy')
    await h.clock.flush()
    expect(runsOf(h, promptId).filter((run) => run.startsWith(A) && !run.endsWith(':interrupted'))).toEqual(
      [],
    )
    expect(h.model(A).queueRemaining).toBe(0)
  })

  it('keeps retries within the budget when the whole cluster fails (early binding fails fast)', async () => {
    const h = harness({
      servers: [A, B, C],
      config: { jobs: { retryRatio: 0.2, retryMin: 2, maxAttempts: 3 } },
    })
    await h.balancer.refresh()
    for (const url of [A, B, C]) h.model(url).setFault({ kind: 'http500', endpoints: ['prompt'] })
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => drive(h.clock, h.balancer.submit(work(300), EARLY), { stepMs: 50 })),
    )
    const messages = outcomes.map((o) => (o.ok ? 'ok' : (o.error as Error).message))
    // Five submissions may retry at most max(2, 20 % of 5) = 2 times in all, not 5 × 2.
    expect(messages.filter((m) => /retry budget is spent/.test(m)).length).toBeGreaterThanOrEqual(3)
    const posts = [A, B, C].reduce((n, url) => n + h.model(url).requestCounts.prompt, 0)
    // Each server: one probe GET /prompt; plus 5 first attempts and at most 2 retries.
    expect(posts).toBeLessThanOrEqual(3 + 5 + 2)
  })

  it('rejects bad prompt ids and a second submission of the same id', async () => {
    const h = harness({ servers: [A] })
    await expect(h.balancer.submit(work(1), { promptId: 'Job-1' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
    await expect(h.balancer.submit([] as never)).rejects.toThrow(/API format/)
    const id = '3f0c5a8e-6b1d-4c61-9a43-2d2f6a9d7b10'
    await h.balancer.submit(work(1), { promptId: id })
    await expect(h.balancer.submit(work(1), { promptId: id })).rejects.toThrow(/already submitted/)
  })
})
