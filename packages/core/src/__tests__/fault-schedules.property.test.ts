import type { Fault, FaultKind, WorkerFault } from '@comfy-balancer/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ComfyBalancerError, type JobResult } from '../index.js'
import { drive, FOUR, harness, useMsw, work } from './harness.js'

useMsw()

/**
 * Random fault schedules over a four-server cluster: jobs arrive while servers refuse, hang, answer
 * 500 or garbage, slow down, crash, turn into black holes or stall. `lostAfterMs` is longer than
 * any outage a schedule can string together: a server that answers nothing useful for longer may
 * have run a prompt the balancer then placed elsewhere — the case the design leaves to that knob
 * (found by this test with a 20 s `lostAfterMs`: 8 s of 500s, then 12 s of garbage, after a POST
 * that was queued although it was answered with a 500).
 */
type Step =
  | { readonly type: 'job'; readonly workMs: number }
  | { readonly type: 'wait'; readonly ms: number }
  | { readonly type: 'fault'; readonly server: number; readonly fault: Fault; readonly forMs: number }
  | { readonly type: 'worker'; readonly server: number; readonly fault: WorkerFault; readonly forMs: number }
  | { readonly type: 'crash'; readonly server: number }

const KINDS: FaultKind[] = ['refuse', 'hang', 'http500', 'malformed', 'wrongShape', 'slow']
const server = fc.integer({ min: 0, max: 3 })
const forMs = fc.integer({ min: 500, max: 15_000 })

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant('job'), workMs: fc.integer({ min: 100, max: 3_000 }) }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('wait'), ms: fc.integer({ min: 0, max: 5_000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('fault'),
      server,
      fault: fc.record({
        kind: fc.constantFrom(...KINDS),
        delayMs: fc.integer({ min: 100, max: 3_000 }),
        process: fc.boolean(),
      }),
      forMs,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('worker'),
      server,
      fault: fc.constantFrom<WorkerFault>('black-hole', 'stall'),
      forMs,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('crash'), server }) },
) as fc.Arbitrary<Step>

const totals = { ok: 0, failed: 0, ejections: 0, codes: new Set<string>() }
let replacedAfterCrash = 0
// FC_RUNS and FC_SEED widen the search by hand (e.g. FC_RUNS=1000 FC_SEED=7 npx vitest run <this file>).
describe('random fault schedules (fast-check)', () => {
  it('every job settles once, no prompt runs on two servers, no held-out server is chosen outside panic', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 60 }),
        fc.integer(),
        async (steps, seed) => {
          const h = harness({
            seed,
            config: {
              // Longer than any outage a schedule can string together (see the note at the top).
              jobs: {
                lostAfterMs: 600_000,
                submitTimeoutMs: 10_000,
                requestTimeoutMs: 4_000,
                pollIntervalMs: 500,
              },
            },
          })
          const models = FOUR.map((url) => h.model(url))
          const crashes: { server: string; at: number }[] = []
          const runsOf = (promptId: string) =>
            models
              .flatMap((m, i) =>
                m.log
                  .filter((e) => e.promptId === promptId)
                  .map((e) => ({
                    server: FOUR[i]!.replace('http://', ''),
                    startedAt: e.startedAt,
                    outcome: e.outcome,
                  })),
              )
              .sort((a, b) => a.startedAt - b.startedAt)
          const misplaced: string[] = []
          h.balancer.on('selected', (event) => {
            const now = h.clock.now()
            const heldOut = event.server.ejectedUntil !== undefined && event.server.ejectedUntil > now
            const healthyLeft = h.balancer.getSnapshot().servers.some((s) => s.health === 'healthy')
            if (heldOut && healthyLeft && event.reason !== 'panic')
              misplaced.push(`${event.server.id} ${event.reason}`)
          })
          h.balancer.start()
          const runs: Promise<JobResult>[] = []
          for (const s of steps) {
            if (s.type === 'job') {
              const run = h.balancer.run(work(s.workMs))
              run.catch(() => undefined)
              runs.push(run)
            } else if (s.type === 'wait') {
              await h.clock.advance(s.ms)
            } else if (s.type === 'crash') {
              models[s.server]!.crash()
              crashes.push({ server: FOUR[s.server]!.replace('http://', ''), at: h.clock.now() })
            } else if (s.type === 'fault') {
              const model = models[s.server]!
              model.setFault(s.fault)
              h.clock.setTimeout(() => model.setFault(undefined), s.forMs)
            } else {
              const model = models[s.server]!
              model.setWorkerFault(s.fault)
              h.clock.setTimeout(() => model.setWorkerFault(undefined), s.forMs)
            }
          }
          const outcome = await drive(h.clock, Promise.allSettled(runs), { stepMs: 500, maxMs: 900_000 })
          expect(outcome.ok).toBe(true)
          const settled = (outcome as { value: PromiseSettledResult<JobResult>[] }).value
          for (const result of settled) {
            if (result.status === 'rejected') {
              expect(ComfyBalancerError.isInstance(result.reason)).toBe(true)
              continue
            }
            const runs = runsOf(result.value.promptId)
            // The caller's outputs come from the last run (earlier ones are checked below).
            expect(runs.at(-1)).toMatchObject({ server: result.value.serverId, outcome: 'success' })
          }
          // A prompt runs on a second server only when the first crashed after it started, taking
          // the prompt's history with it before the balancer read it: in probe mode `prompt` it cannot
          // tell "ran" from "never ran" then (the README's reliability section says so).
          const promptIds = new Set(models.flatMap((m) => m.log.map((e) => e.promptId)))
          for (const promptId of promptIds) {
            const runs = runsOf(promptId)
            for (const [i, run] of runs.entries()) {
              if (i === runs.length - 1) break
              const crashed = crashes.some((c) => c.server === run.server && c.at >= run.startedAt)
              expect({ promptId, runs, crashed }).toEqual({ promptId, runs, crashed: true })
              replacedAfterCrash++
            }
          }
          totals.ok += settled.filter((r) => r.status === 'fulfilled').length
          totals.failed += settled.filter((r) => r.status === 'rejected').length
          for (const r of settled)
            if (r.status === 'rejected') totals.codes.add((r.reason as ComfyBalancerError).code)
          totals.ejections += h.balancer
            .getSnapshot()
            .servers.filter((s) => s.ejectedUntil !== undefined).length
          expect(misplaced).toEqual([])
          h.balancer.dispose()
        },
      ),
      {
        numRuns: Number(process.env.FC_RUNS ?? 60),
        seed: Number(process.env.FC_SEED ?? 20261129),
        endOnFailure: true,
      },
    )
    // Not vacuous: most jobs ran, some failed for a fault, outlier logic had work to do, and some
    // crashes made the balancer re-place a prompt it could not know had run.
    expect(totals.ok).toBeGreaterThan(totals.failed * 2)
    expect(totals.failed).toBeGreaterThan(0)
    expect(totals.ejections).toBeGreaterThan(0)
    expect(replacedAfterCrash).toBeGreaterThan(0)
    expect([...totals.codes].sort()).toEqual(expect.arrayContaining(['JOB_FAILED']))
  }, 120_000)
})

describe('cases the property test found', () => {
  it('a POST answered with a 500 although queued, then refused connections (a proxy down): waits, runs once', async () => {
    const [A, B] = FOUR as [string, string]
    const h = harness({ servers: [A, B], config: { jobs: { lostAfterMs: 60_000, pollIntervalMs: 500 } } })
    await h.balancer.refresh()
    h.model(A).setFault({ kind: 'http500', process: true })
    const run = h.balancer.run(work(2_000))
    await h.clock.advance(300)
    // The worker behind the proxy goes on; only the HTTP face refuses.
    h.model(A).setFault({ kind: 'refuse' })
    await h.clock.advance(10_000)
    h.model(A).setFault(undefined)
    const outcome = await drive(h.clock, run)
    expect(outcome).toMatchObject({ ok: true, value: { serverId: 'gpu-a.test:8188' } })
    expect(h.model(B).log).toEqual([])
    expect(h.model(A).log.map((e) => e.outcome)).toEqual(['success'])
  })
})
