import { writeFileSync } from 'node:fs'
import { poissonWorkload, summarize, type WorkItem } from '@comfy-balancer/testkit'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { afterAll, expect, it } from 'vitest'
import { oracleLatencies } from '../oracle.js'
import { closeTransport, type Mode, type ModeOutcome, runMode } from '../run-mode.js'

/**
 * `npm run bench:faults`: issue 15's fault scenarios on real simulated servers of speeds 1, 1, 2, 4;
 * 300 Poisson jobs at 80 % load (lognormal work, mean 15 s at speed 1, fixed seed), through
 * `balancer.run()` with every default, on a simulated clock running 1/TIME_SCALE times faster than
 * the wall clock (so every default timing meets jobs of the length it was chosen for). Each
 * scenario's oracle knows the fault window (the faulty server runs nothing in it).
 */
const SPEEDS = [1, 1, 2, 4]
const MEAN_WORK_MS = 15_000
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.02)
const JOBS = Number(process.env.BENCH_JOBS ?? 300)
const SEED = Number(process.env.BENCH_SEED ?? 7)
const capacityPerMs = SPEEDS.reduce((a, b) => a + b, 0) / MEAN_WORK_MS
const items = poissonWorkload(JOBS, 0.8 * capacityPerMs, MEAN_WORK_MS, SEED)
const arrivalAt = (share: number) => items[Math.floor(items.length * share)]!.arrivalMs
const mode: Mode = { name: 'balancer.run(), every default', binding: 'late', probe: {}, jobs: {} }
const ONLY = process.env.BENCH_SCENARIOS?.split(',')

interface Scenario {
  readonly name: string
  readonly server: number
  readonly fromMs: number
  readonly toMs: number
  start(sim: SimCluster['sims'][number]): void
  stop(sim: SimCluster['sims'][number]): void
}

const scenarios: Scenario[] = [
  {
    name: 'black hole: the x4 server fails every job for the middle 40 % of arrivals',
    server: 3,
    fromMs: arrivalAt(0.3),
    toMs: arrivalAt(0.7),
    start: (sim) => sim.setWorkerFault('black-hole'),
    stop: (sim) => sim.setWorkerFault(undefined),
  },
  {
    name: 'crash and restart: the x2 server dies mid-run and comes back empty after 30 s',
    server: 2,
    fromMs: arrivalAt(0.5),
    toMs: arrivalAt(0.5) + 30_000,
    start: (sim) => void sim.restart({ downMs: 30_000 }),
    stop: () => undefined,
  },
  {
    name: 'hang: the x2 server stops answering for 40 % of the run',
    server: 2,
    fromMs: arrivalAt(0.3),
    toMs: arrivalAt(0.7),
    start: (sim) => sim.setFault({ kind: 'hang' }),
    stop: (sim) => sim.setFault(undefined),
  },
]

interface FaultFigures {
  /** Runs started on the faulty server while faulty, as a share of all runs started then. */
  readonly shareToFaulty: number
  /** From the end of the fault to the faulty server's first successful run, in its mean job times. */
  readonly recoveryJobTimes: number | undefined
}

function faultFigures(
  sims: SimCluster['sims'],
  t0: number,
  jobIds: ReadonlySet<string>,
  scenario: Scenario,
): FaultFigures {
  const from = t0 + scenario.fromMs
  const to = t0 + scenario.toMs
  let during = 0
  let onFaulty = 0
  let firstSuccessAfter: number | undefined
  sims.forEach((sim, i) => {
    for (const entry of sim.log) {
      if (!jobIds.has(entry.promptId)) continue
      if (entry.startedAt >= from && entry.startedAt < to) {
        during += 1
        if (i === scenario.server) onFaulty += 1
      }
      if (i === scenario.server && entry.outcome === 'success' && entry.startedAt >= to)
        firstSuccessAfter = Math.min(firstSuccessAfter ?? Number.POSITIVE_INFINITY, entry.startedAt)
    }
  })
  const jobMs = MEAN_WORK_MS / SPEEDS[scenario.server]!
  if (process.env.BENCH_TRACE) {
    for (const entry of sims[scenario.server]!.log)
      console.log(`trace ${Math.round(entry.startedAt - t0)}-${Math.round((entry.endedAt ?? 0) - t0)} ${entry.promptId.slice(0, 6)} ${entry.outcome} ${jobIds.has(entry.promptId) ? "job" : "other"} ${Math.round(scenario.fromMs)}-${Math.round(scenario.toMs)}`)
  }
  return {
    shareToFaulty: during === 0 ? 0 : onFaulty / during,
    recoveryJobTimes: firstSuccessAfter === undefined ? undefined : (firstSuccessAfter - to) / jobMs,
  }
}

const rows: Array<Record<string, unknown>> = []
afterAll(async () => {
  await closeTransport()
  writeFileSync(new URL('../results/faults.json', import.meta.url), `${JSON.stringify(rows, null, 2)}\n`)
})

for (const scenario of scenarios.filter((_, i) => !ONLY || ONLY.includes(String(i)))) {
  it(scenario.name, { timeout: 600_000 }, async () => {
    const outage = { server: scenario.server, fromMs: scenario.fromMs, toMs: scenario.toMs }
    const ideal = oracleLatencies(items, SPEEDS, outage)
    const oracle = summarize(
      ideal,
      items.map((item: WorkItem, i) => item.arrivalMs + ideal[i]!),
    )
    let figures: FaultFigures | undefined
    const outcome: ModeOutcome = await runMode(mode, items, SPEEDS, {
      timeScale: TIME_SCALE,
      schedule: [
        { atMs: scenario.fromMs, run: (sims) => scenario.start(sims[scenario.server]!) },
        { atMs: scenario.toMs, run: (sims) => scenario.stop(sims[scenario.server]!) },
      ],
      observe: (sims, t0, jobIds) => {
        figures = faultFigures(sims, t0, jobIds, scenario)
      },
    })
    const row = {
      scenario: scenario.name,
      mean: Math.round(outcome.mean),
      p95: Math.round(outcome.p95),
      oracleMean: Math.round(oracle.mean),
      oracleP95: Math.round(oracle.p95),
      ratio: Number((outcome.mean / oracle.mean).toFixed(2)),
      ok: outcome.succeeded,
      errors: outcome.typedErrors,
      duplicated: outcome.duplicated,
      startedTwice: outcome.startedTwice,
      shareToFaulty: Number((figures?.shareToFaulty ?? 0).toFixed(3)),
      recoveryJobTimes:
        figures?.recoveryJobTimes === undefined ? null : Number(figures.recoveryJobTimes.toFixed(1)),
    }
    rows.push(row)
    console.log(`FAULTS ${JSON.stringify(row)}`)
    expect(outcome.settled).toBe(items.length)
    expect(outcome.duplicated).toBe(0)
  })
}
