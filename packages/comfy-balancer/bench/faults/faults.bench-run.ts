import { writeFileSync } from 'node:fs'
import { poissonWorkload, summarize, type WorkItem } from '@comfy-balancer/testkit'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { afterAll, expect, it } from 'vitest'
import { biomeJson } from '../biome-json.js'
import { oracleLatencies } from '../oracle.js'
import { closeTransport, type Mode, runMode } from '../run-mode.js'
import { type FaultWindow, faultFigures, traceWindow } from './fault-figures.js'

/**
 * `npm run bench:faults`: issue 15's fault scenarios on real simulated servers of speeds 1, 1, 2, 4;
 * 300 Poisson jobs at 80 % load (lognormal work, mean 15 s at speed 1), through `balancer.run()` with
 * every default, on a simulated clock running 1/TIME_SCALE times faster than the wall clock (so every
 * default timing meets jobs of the length it was chosen for). Each scenario's oracle knows the fault
 * window (the faulty server runs nothing in it). One run varies by a few per cent with the event
 * loop's timing on two cores, so each scenario runs over several seeds (BENCH_SEEDS).
 */
const SPEEDS = [1, 1, 2, 4]
const MEAN_WORK_MS = 15_000
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.02)
const JOBS = Number(process.env.BENCH_JOBS ?? 300)
const SEEDS = (process.env.BENCH_SEEDS ?? '7,8,9').split(',').map(Number)
const ONLY = process.env.BENCH_SCENARIOS?.split(',')
const capacityPerMs = SPEEDS.reduce((a, b) => a + b, 0) / MEAN_WORK_MS
const mode: Mode = { name: 'balancer.run(), every default', binding: 'late', probe: {}, jobs: {} }

type Sim = SimCluster['sims'][number]

interface Scenario {
  readonly name: string
  /** False for the reference run: its window only marks where figures are read. */
  readonly faulty: boolean
  /** The fault's server and window for a workload (shares of its arrivals). */
  window(arrivalAt: (share: number) => number): FaultWindow
  start(sim: Sim): void
  stop(sim: Sim): void
}

const scenarios: Scenario[] = [
  {
    name: 'no fault (reference)',
    faulty: false,
    window: (at) => ({ server: 2, fromMs: at(0.3), toMs: at(0.7) }),
    start: () => undefined,
    stop: () => undefined,
  },
  {
    name: 'black hole: x4 fails every job for the middle 40 % of arrivals',
    faulty: true,
    window: (at) => ({ server: 3, fromMs: at(0.3), toMs: at(0.7) }),
    start: (sim) => sim.setWorkerFault('black-hole'),
    stop: (sim) => sim.setWorkerFault(undefined),
  },
  {
    name: 'crash + restart: x2 dies mid-run, back empty after 30 s',
    faulty: true,
    window: (at) => ({ server: 2, fromMs: at(0.5), toMs: at(0.5) + 30_000 }),
    start: (sim) => void sim.restart({ downMs: 30_000 }),
    stop: () => undefined,
  },
  {
    name: 'hang: x2 stops answering HTTP for 40 % of the run',
    faulty: true,
    window: (at) => ({ server: 2, fromMs: at(0.3), toMs: at(0.7) }),
    start: (sim) => sim.setFault({ kind: 'hang' }),
    stop: (sim) => sim.setFault(undefined),
  },
]

const rows: Array<Record<string, unknown>> = []
afterAll(async () => {
  await closeTransport()
  writeFileSync(new URL('../results/faults.json', import.meta.url), biomeJson(rows))
  const lines = [
    '| Scenario | × oracle (per seed) | mean | ok | errors | lost | run twice at once | share to faulty | recovery (job times) | worst wait / oracle p95 |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const scenario of scenarios) {
    const mine = rows.filter((row) => row.scenario === scenario.name)
    if (mine.length === 0) continue
    const ratios = mine.map((row) => row.ratio as number)
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length
    const sum = (key: string) => mine.reduce((n, row) => n + (row[key] as number), 0)
    const max = (key: string) => Math.max(...mine.map((row) => (row[key] as number | null) ?? Number.NaN))
    lines.push(
      `| ${scenario.name} | ${ratios.join(' / ')} | **${mean.toFixed(3)}** | ${sum('ok')} | ${sum('errors')} | ${sum('lost')} | ${sum('runTwiceAtOnce')} | ${scenario.faulty ? `≤ ${max('shareToFaulty')}` : '—'} | ${scenario.faulty ? `≤ ${max('recoveryJobTimes')}` : '—'} | ${max('worstWaitOverOracleP95')} |`,
    )
  }
  console.log(`\n${lines.join('\n')}\n`)
})

for (const seed of SEEDS) {
  const items = poissonWorkload(JOBS, 0.8 * capacityPerMs, MEAN_WORK_MS, seed)
  const arrivalAt = (share: number) => items[Math.floor(items.length * share)]!.arrivalMs
  for (const [index, scenario] of scenarios.entries()) {
    if (ONLY && !ONLY.includes(String(index))) continue
    it(`${scenario.name}, seed ${seed}`, { timeout: 600_000 }, async () => {
      const window = scenario.window(arrivalAt)
      const ideal = oracleLatencies(items, SPEEDS, scenario.faulty ? window : undefined)
      const oracle = summarize(
        ideal,
        items.map((item: WorkItem, i) => item.arrivalMs + ideal[i]!),
      )
      let figures: ReturnType<typeof faultFigures> | undefined
      const outcome = await runMode(mode, items, SPEEDS, {
        timeScale: TIME_SCALE,
        schedule: [
          { atMs: window.fromMs, run: (sims) => scenario.start(sims[window.server]!) },
          { atMs: window.toMs, run: (sims) => scenario.stop(sims[window.server]!) },
        ],
        observe: (sims, t0, jobIds) => {
          figures = faultFigures(sims, t0, jobIds, window, MEAN_WORK_MS / SPEEDS[window.server]!)
          if (process.env.BENCH_TRACE) {
            for (const line of traceWindow(sims, t0, window)) console.log(line)
            // And the three minutes after it: how the cluster catches up.
            const after = { ...window, fromMs: window.toMs, toMs: window.toMs + 180_000 }
            for (const line of traceWindow(sims, t0, after)) console.log(`after: ${line}`)
          }
        },
      })
      const errors = Object.values(outcome.typedErrors).reduce((a, b) => a + b, 0)
      const row = {
        scenario: scenario.name,
        seed,
        mean: Math.round(outcome.mean),
        p95: Math.round(outcome.p95),
        oracleMean: Math.round(oracle.mean),
        oracleP95: Math.round(oracle.p95),
        ratio: Number((outcome.mean / oracle.mean).toFixed(2)),
        ok: outcome.succeeded,
        errors,
        lost: outcome.typedErrors.JOB_LOST ?? 0,
        duplicated: outcome.duplicated,
        startedTwice: outcome.startedTwice,
        runTwiceAtOnce: outcome.runTwiceAtOnce,
        shareToFaulty: Number((figures?.shareToFaulty ?? 0).toFixed(3)),
        recoveryJobTimes:
          figures?.recoveryJobTimes === undefined ? null : Number(figures.recoveryJobTimes.toFixed(1)),
        worstWaitOverOracleP95: Number((outcome.maxLatency / oracle.p95).toFixed(2)),
      }
      rows.push(row)
      console.log(`FAULTS ${JSON.stringify(row)}`)
      expect(outcome.settled).toBe(items.length)
      expect(outcome.duplicated).toBe(0)
      expect(outcome.runTwiceAtOnce).toBe(0)
    })
  }
}
