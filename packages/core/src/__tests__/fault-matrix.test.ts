import { type FaultKind, flap } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { ComfyBalancerError, type JobResult } from '../index.js'
import { drive, FOUR, type Harness, harness, runsOf, useMsw, work } from './harness.js'

/**
 * Issue 8's fault matrix, the columns and rows jobs-faults.test.ts does not cover: the `probe` and
 * `interrupt` columns for every fault, and the `flapping` and `dies mid-job` rows for `submit` and
 * `result`. Each case says where the job ended up and checks, from the servers' own execution logs,
 * that it ended exactly once.
 */
useMsw()

const [A, B] = FOUR as [string, string, string, string]
const A_ID = 'gpu-a.test:8188'
const B_ID = 'gpu-b.test:8188'
const HTTP_FAULTS: FaultKind[] = ['refuse', 'hang', 'http500', 'malformed', 'wrongShape', 'slow']
const quick = {
  jobs: { lostAfterMs: 20_000, submitTimeoutMs: 10_000, requestTimeoutMs: 5_000, pollIntervalMs: 500 },
}

/** Every run of every prompt across the cluster, as `server:promptId:outcome`. */
function executions(h: Harness): string[] {
  return [...h.cluster.models].flatMap(([url, model]) =>
    model.log.map((entry) => `${url}:${entry.promptId}:${entry.outcome ?? 'running'}`),
  )
}

/** Settles `promise` on the test clock; fails if it is still pending after `maxMs` of clock time. */
async function settle<T>(h: Harness, promise: Promise<T>, maxMs = 600_000) {
  return drive(h.clock, promise, { stepMs: 250, maxMs })
}

/** Records every `selected` event as `server id:health at the choice`. */
function selections(h: Harness): string[] {
  const seen: string[] = []
  h.balancer.on('selected', (event) => seen.push(`${event.server.id}:${event.server.health}`))
  return seen
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** A promise's outcome as a value, so a rejection is handled the moment it happens. */
function outcomeOf<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

/** Counts how often each job's promise settled (a job must settle exactly once). */
function counted<T>(promise: Promise<T>, settlements: { count: number }): Promise<T> {
  return promise.then(
    (value) => {
      settlements.count += 1
      return value
    },
    (error: unknown) => {
      settlements.count += 1
      throw error
    },
  )
}

/** Probes until `id` reaches `health`, stepping the clock; returns how many refreshes it took. */
async function refreshUntil(h: Harness, id: string, health: string, max = 10): Promise<number> {
  for (let round = 1; round <= max; round++) {
    await settle(h, h.balancer.refresh(), 60_000)
    if (h.balancer.getSnapshot().servers.find((s) => s.id === id)?.health === health) return round
    await h.clock.advance(1_000)
  }
  throw new Error(`${id} did not become ${health} within ${max} refreshes`)
}

describe('probe column: a fault on the health probe decides health, and no job is placed on a bad server', () => {
  const matrix: Array<{ fault: FaultKind; health: 'healthy' | 'unhealthy' }> = [
    { fault: 'refuse', health: 'unhealthy' },
    { fault: 'hang', health: 'unhealthy' },
    { fault: 'http500', health: 'unhealthy' },
    { fault: 'malformed', health: 'unhealthy' },
    { fault: 'wrongShape', health: 'unhealthy' },
    // Slow but inside the 10 s health timeout: a slow server is still a server.
    { fault: 'slow', health: 'healthy' },
  ]
  for (const { fault, health } of matrix) {
    it(`${fault} on GET /system_stats: ${health} after two probes; jobs go ${health === 'healthy' ? 'to both' : 'only to B'}; readmitted after two good ones`, async () => {
      const h = harness({ servers: [A, B], config: quick })
      await h.balancer.refresh()
      h.model(A).setFault({ kind: fault, delayMs: 2_000, endpoints: ['system_stats'] })
      // One missed probe is a second look, not a verdict; the second one decides.
      await settle(h, h.balancer.refresh(), 60_000)
      expect(h.balancer.getSnapshot().servers[0]?.health).toBe('healthy')
      await settle(h, h.balancer.refresh(), 60_000)
      const a = h.balancer.getSnapshot().servers[0]!
      expect(a.health).toBe(health)
      if (health === 'unhealthy') expect(a.consecutiveFailures).toBeGreaterThanOrEqual(2)
      // Its probes took 2 s each: the latency estimate shows it.
      else expect(a.latencyMs).toBeGreaterThan(500)

      const chosen = selections(h)
      const settlements = { count: 0 }
      const jobs = [1, 2, 3, 4].map(() => counted(h.balancer.run(work(500)), settlements))
      const outcome = await settle(h, Promise.all(jobs))
      expect(outcome.ok).toBe(true)
      const results = (outcome as { value: JobResult[] }).value
      expect(settlements.count).toBe(4)
      if (health === 'unhealthy') {
        // While A is bad nothing is placed there: every choice was B, A ran nothing.
        expect(results.map((r) => r.serverId)).toEqual([B_ID, B_ID, B_ID, B_ID])
        expect(chosen.every((c) => c === `${B_ID}:healthy`)).toBe(true)
        expect(h.model(A).log).toEqual([])
      } else {
        expect(new Set(results.map((r) => r.serverId))).toEqual(new Set([A_ID, B_ID]))
      }
      expect(executions(h).sort()).toEqual(
        results.map((r) => `${r.serverId === A_ID ? A : B}:${r.promptId}:success`).sort(),
      )

      h.model(A).setFault(undefined)
      if (health === 'unhealthy') {
        // Two answered probes in a row bring it back. A hung re-probe still under way when the fault
        // cleared is shared by the first refresh and fails: then it takes a third.
        expect(await refreshUntil(h, A_ID, 'healthy')).toBe(fault === 'hang' ? 3 : 2)
      }
      const back = await settle(h, Promise.all([h.balancer.run(work(500)), h.balancer.run(work(500))]))
      expect((back as { value: JobResult[] }).value.map((r) => r.serverId).sort()).toEqual([A_ID, B_ID])
    })
  }

  it('flapping: the server is unhealthy whenever a choice is made while it is down, and each job runs once', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    const chosen = selections(h)
    const stop = flap(h.model(A), h.clock, { downMs: 3_000, upMs: 3_000 })
    const settlements = { count: 0 }
    const jobs: Array<Promise<JobResult>> = []
    for (let i = 0; i < 12; i++) {
      await settle(h, h.balancer.refresh(), 60_000)
      jobs.push(counted(h.balancer.run(work(400)), settlements))
      await h.clock.advance(1_000)
    }
    const outcome = await settle(h, Promise.allSettled(jobs))
    stop()
    expect(settlements.count).toBe(12)
    const settled = (outcome as { value: PromiseSettledResult<JobResult>[] }).value
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true)
    const results = settled.map((s) => (s as PromiseFulfilledResult<JobResult>).value)
    // No choice ever fell on A while the balancer knew it was down.
    expect(chosen.filter((c) => c === `${A_ID}:unhealthy`)).toEqual([])
    const ran = executions(h).filter((e) => e.endsWith(':success'))
    expect(ran).toHaveLength(12)
    expect(new Set(results.map((r) => r.promptId)).size).toBe(12)
    for (const r of results) expect(ran).toContain(`${r.serverId === A_ID ? A : B}:${r.promptId}:success`)
  })

  it('dies mid-job (restarts at once): still healthy with an empty queue; its running job ends once, as JOB_LOST', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    const submission = await h.balancer.submit(work(20_000))
    expect(submission.serverId).toBe(A_ID)
    const result = h.balancer.result(submission.promptId)
    await h.clock.advance(2_000)
    h.model(A).crash()
    await settle(h, h.balancer.refresh(), 60_000)
    const a = h.balancer.getSnapshot().servers[0]!
    expect(a.health).toBe('healthy')
    expect(a.queue).toMatchObject({ known: true, running: 0, pending: 0 })
    const outcome = await settle(h, result)
    expect(outcome.ok).toBe(false)
    const error = (outcome as { error: ComfyBalancerError }).error
    expect(error.code).toBe('JOB_LOST')
    expect(runsOf(h, submission.promptId)).toEqual([`${A}:lost`])
  })

  it('dies after accepting the probe: a probe that hangs on a server that then goes down marks it unhealthy; jobs go to B', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'hang', process: true })
    const probing = h.balancer.refresh()
    await h.clock.advance(1_000)
    h.model(A).crash()
    h.model(A).setFault({ kind: 'refuse' })
    await settle(h, probing, 60_000)
    expect(await refreshUntil(h, A_ID, 'unhealthy')).toBe(1)
    const outcome = await settle(h, h.balancer.run(work(500)))
    expect((outcome as { value: JobResult }).value.serverId).toBe(B_ID)
    expect(h.model(A).log).toEqual([])
  })
})

describe('interrupt column: interrupt() settles (never hangs), never touches another server, and the job ends once', () => {
  /** A's job runs while B's runs too; `fault` hits A's job-status and interrupt endpoints. */
  async function interruptUnder(
    /** Injects the fault; may return what ends it (called once interrupt() has settled). */
    setUp: (h: Harness) => (() => void) | undefined,
    options: { rerunIfLost?: boolean } = {},
  ): Promise<{
    h: Harness
    interrupted: { ok: true; value: boolean } | { ok: false; error: unknown }
    onA: { ok: true; value: JobResult } | { ok: false; error: unknown }
    onB: { ok: true; value: JobResult } | { ok: false; error: unknown }
    promptA: string
    promptB: string
  }> {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    const a = await h.balancer.submit(work(30_000), options)
    const b = await h.balancer.submit(work(30_000))
    expect([a.serverId, b.serverId]).toEqual([A_ID, B_ID])
    const settlements = { count: 0 }
    // Outcomes captured at once: a job may end while interrupt() is still being driven.
    const resultA = outcomeOf(counted(h.balancer.result(a.promptId), settlements))
    const resultB = outcomeOf(counted(h.balancer.result(b.promptId), settlements))
    await h.clock.advance(1_000)
    const end = setUp(h)
    // Bounded: a few request timeouts of clock time, never "until the job ends".
    const interrupted = await settle(h, h.balancer.interrupt(a.promptId), 30_000)
    end?.()
    const onA = ((await settle(h, resultA)) as { value: Outcome<JobResult> }).value
    const onB = ((await settle(h, resultB)) as { value: Outcome<JobResult> }).value
    expect(settlements.count).toBe(2)
    // B was never asked to interrupt anything, and its job ran to the end, once.
    expect(h.model(B).requestCounts.interrupt).toBe(0)
    expect(onB.ok).toBe(true)
    expect(runsOf(h, b.promptId)).toEqual([`${B}:success`])
    return { h, interrupted, onA, onB, promptA: a.promptId, promptB: b.promptId }
  }

  const interruptEndpoints = ['jobs', 'queue', 'history', 'interrupt'] as const
  for (const fault of ['refuse', 'hang', 'http500', 'malformed', 'wrongShape'] as const) {
    it(`${fault} on A's status and interrupt endpoints: interrupt() rejects with INTERRUPT_FAILED; A's job runs on to success`, async () => {
      const r = await interruptUnder((h) => {
        h.model(A).setFault({ kind: fault, endpoints: [...interruptEndpoints] })
        return () => h.model(A).setFault(undefined)
      })
      // It cannot tell where the job is: not "false" (which says it was neither queued nor running).
      expect(r.interrupted).toMatchObject({
        ok: false,
        error: { code: 'INTERRUPT_FAILED', serverId: 'gpu-a.test:8188' },
      })
      // Once the fault is gone, the follow reads the job's result.
      expect(r.onA.ok).toBe(true)
      expect(runsOf(r.h, r.promptA)).toEqual([`${A}:success`])
    })
  }

  it("slow on A: interrupt() resolves true after the delay; A's job ends once, interrupted (JOB_FAILED)", async () => {
    const r = await interruptUnder((h) => {
      h.model(A).setFault({ kind: 'slow', delayMs: 2_000, endpoints: [...interruptEndpoints] })
      return () => h.model(A).setFault(undefined)
    })
    expect(r.interrupted).toEqual({ ok: true, value: true })
    expect(r.onA.ok).toBe(false)
    const error = (r.onA as { error: ComfyBalancerError }).error
    expect(error.code).toBe('JOB_FAILED')
    expect(error).toMatchObject({ reason: 'interrupted' })
    expect(runsOf(r.h, r.promptA)).toEqual([`${A}:interrupted`])
  })

  it('flapping A: interrupt() settles whatever phase it meets; the job ends exactly once', async () => {
    const r = await interruptUnder((h) => flap(h.model(A), h.clock, { downMs: 700, upMs: 700 }))
    const runs = runsOf(r.h, r.promptA)
    expect(runs).toHaveLength(1)
    // Interrupted if the call got through; otherwise it ran to the end, and the caller learns that it
    // was not interrupted (false) or that it could not tell (INTERRUPT_FAILED) — never a wrong "true".
    if (r.interrupted.ok && r.interrupted.value) expect(runs).toEqual([`${A}:interrupted`])
    else {
      if (!r.interrupted.ok) expect(r.interrupted.error).toMatchObject({ code: 'INTERRUPT_FAILED' })
      expect(runs).toEqual([`${A}:success`])
    }
    expect(r.onA.ok).toBe(runs[0] === `${A}:success`)
  })

  it('dies mid-job: interrupt() of a job its server lost resolves false; the job ends once, as JOB_LOST', async () => {
    const r = await interruptUnder((h) => {
      h.model(A).crash()
      return undefined
    })
    expect(r.interrupted).toEqual({ ok: true, value: false })
    expect(r.onA.ok).toBe(false)
    expect((r.onA as { error: ComfyBalancerError }).error.code).toBe('JOB_LOST')
    expect(runsOf(r.h, r.promptA)).toEqual([`${A}:lost`])
  })

  it('hangs after acting on the interrupt POST: interrupt() looks again and reports true', async () => {
    const r = await interruptUnder((h) => {
      h.model(A).setFault({ kind: 'hang', process: true, endpoints: ['interrupt'] })
      return () => h.model(A).setFault(undefined)
    })
    // The POST timed out, but the job's history says it was interrupted: the call says so.
    expect(r.interrupted).toEqual({ ok: true, value: true })
    expect(runsOf(r.h, r.promptA)).toEqual([`${A}:interrupted`])
    expect(r.onA.ok).toBe(false)
    expect((r.onA as { error: ComfyBalancerError }).error).toMatchObject({
      code: 'JOB_FAILED',
      reason: 'interrupted',
    })
  })

  it('A down on every endpoint: interrupt() rejects with INTERRUPT_FAILED, and the job runs on once it is back', async () => {
    const r = await interruptUnder((h) => {
      h.model(A).setFault({ kind: 'refuse' })
      return () => h.model(A).setFault(undefined)
    })
    expect(r.interrupted).toMatchObject({ ok: false, error: { code: 'INTERRUPT_FAILED' } })
    expect(r.onA.ok).toBe(true)
    expect(runsOf(r.h, r.promptA)).toEqual([`${A}:success`])
  })

  it('an unknown prompt id: interrupt() rejects with the typed UNKNOWN_JOB error', async () => {
    const h = harness({ servers: [A, B], config: quick })
    const outcome = await settle(h, h.balancer.interrupt('0b7c3f52-3a5e-4d8e-9c1a-2f4b6d8e0a1c'), 1_000)
    expect(outcome.ok).toBe(false)
    expect(ComfyBalancerError.isInstance((outcome as { error: unknown }).error)).toBe(true)
    expect((outcome as { error: ComfyBalancerError }).error.code).toBe('UNKNOWN_JOB')
  })

  for (const fault of HTTP_FAULTS) {
    it(`${fault} on A only: interrupting B's job works and leaves A's job alone`, async () => {
      const h = harness({ servers: [A, B], config: quick })
      await h.balancer.refresh()
      const a = await h.balancer.submit(work(30_000))
      const b = await h.balancer.submit(work(30_000))
      await h.clock.advance(1_000)
      h.model(A).setFault({ kind: fault, delayMs: 2_000 })
      const interrupted = await settle(h, h.balancer.interrupt(b.promptId), 30_000)
      expect(interrupted).toEqual({ ok: true, value: true })
      h.model(A).setFault(undefined)
      const onA = await settle(h, h.balancer.result(a.promptId))
      expect(onA.ok).toBe(true)
      expect(runsOf(h, a.promptId)).toEqual([`${A}:success`])
      expect(runsOf(h, b.promptId)).toEqual([`${B}:interrupted`])
      expect(h.model(A).requestCounts.interrupt).toBe(0)
    })
  }
})

describe('flapping and dies-mid-job rows for submit and result', () => {
  it('flapping × submit: jobs submitted while A flaps each run exactly once, on whichever server took them', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    const stop = flap(h.model(A), h.clock, { downMs: 1_500, upMs: 1_500 })
    const settlements = { count: 0 }
    const jobs: Array<Promise<JobResult>> = []
    for (let i = 0; i < 10; i++) {
      jobs.push(counted(h.balancer.run(work(300)), settlements))
      await h.clock.advance(700)
    }
    const outcome = await settle(h, Promise.allSettled(jobs))
    stop()
    const settled = (outcome as { value: PromiseSettledResult<JobResult>[] }).value
    expect(settlements.count).toBe(10)
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([])
    const results = settled.map((s) => (s as PromiseFulfilledResult<JobResult>).value)
    const ran = executions(h)
    for (const r of results) {
      expect(ran.filter((e) => e.includes(r.promptId))).toEqual([
        `${r.serverId === A_ID ? A : B}:${r.promptId}:success`,
      ])
    }
    expect(ran).toHaveLength(10)
  })

  it('flapping × result: A flaps while running the job; the follow rides it out and the job ends once, on A', async () => {
    const h = harness({ servers: [A, B], config: quick })
    const submission = await h.balancer.submit(work(15_000))
    expect(submission.serverId).toBe(A_ID)
    const result = h.balancer.result(submission.promptId)
    await h.clock.advance(500)
    const stop = flap(h.model(A), h.clock, { downMs: 2_000, upMs: 1_000 })
    await h.clock.advance(12_000)
    stop()
    const outcome = await settle(h, result)
    expect(outcome.ok).toBe(true)
    expect((outcome as { value: JobResult }).value.serverId).toBe(A_ID)
    expect(runsOf(h, submission.promptId)).toEqual([`${A}:success`])
  })

  it('dies mid-job × submit: A crashes while holding the POST unanswered; the job runs once, on B', async () => {
    const h = harness({ servers: [A, B], config: quick })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'hang', endpoints: ['prompt'] })
    const run = h.balancer.run(work(1_000))
    await h.clock.advance(1_000)
    h.model(A).crash()
    h.model(A).setFault({ kind: 'refuse' })
    const outcome = await settle(h, run)
    expect(outcome.ok).toBe(true)
    const result = (outcome as { value: JobResult }).value
    expect(result.serverId).toBe(B_ID)
    expect(runsOf(h, result.promptId)).toEqual([`${B}:success`])
    // A comes back: nothing of this prompt runs there.
    h.model(A).setFault(undefined)
    await refreshUntil(h, A_ID, 'healthy')
    await h.clock.advance(5_000)
    expect(runsOf(h, result.promptId)).toEqual([`${B}:success`])
  })

  for (const rerunIfLost of [false, true]) {
    it(`dies mid-job × result, rerunIfLost ${rerunIfLost}: ${rerunIfLost ? 'run again once, elsewhere or on the restarted server' : 'JOB_LOST, never run again'}`, async () => {
      const h = harness({ servers: [A, B], config: quick })
      const submission = await h.balancer.submit(work(10_000), { rerunIfLost })
      expect(submission.serverId).toBe(A_ID)
      const settlements = { count: 0 }
      const result = counted(h.balancer.result(submission.promptId), settlements)
      await h.clock.advance(3_000)
      h.model(A).crash()
      const outcome = await settle(h, result)
      await h.clock.advance(30_000)
      expect(settlements.count).toBe(1)
      const runs = runsOf(h, submission.promptId)
      if (rerunIfLost) {
        expect(outcome.ok).toBe(true)
        const value = (outcome as { value: JobResult }).value
        expect(value.attempts).toBe(2)
        expect(runs).toEqual(
          value.serverId === A_ID ? [`${A}:lost`, `${A}:success`] : [`${A}:lost`, `${B}:success`],
        )
      } else {
        expect(outcome.ok).toBe(false)
        expect((outcome as { error: ComfyBalancerError }).error.code).toBe('JOB_LOST')
        expect(runs).toEqual([`${A}:lost`])
      }
    })
  }
})
