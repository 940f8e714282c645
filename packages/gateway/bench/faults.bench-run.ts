import { poissonWorkload, summarize } from '@comfy-balancer/testkit'
import type { SimCluster } from '@comfy-balancer/testkit/sim'
import { afterAll, expect, it } from 'vitest'
// comfy-balancer's fault figures and oracle are bench files of that package, exported by none:
// imported by path (nothing factored out, nothing copied).
import { type FaultWindow, faultFigures } from '../../comfy-balancer/bench/faults/fault-figures.js'
import { oracleLatencies } from '../../comfy-balancer/bench/oracle.js'
import { mean, round, table, writeResults } from './results-file.js'
import { closeGatewayTransport, runThroughGateway } from './run-through-gateway.js'

/**
 * `npm run bench:faults -w @comfy-balancer/gateway` (issue 17, item 2): issue 11/15's fault scenarios
 * of `bench:faults` (comfy-balancer), with naive clients through the gateway instead of
 * `balancer.run()` in process: simulated servers of speeds 1, 1, 2, 4; 300 Poisson jobs at 80 %
 * load, lognormal work with a mean of 15 s at speed 1; a clock 50× faster than the wall clock
 * (BENCH_TIME_SCALE 0.02); seeds 7, 8, 9. The fault is injected on one server for a window of the
 * run. Each scenario's oracle knows the window. A prompt counts as succeeded only when its client
 * saw `execution_success` and then `executing: null`; duplicates and runs at once are read off the
 * servers' logs, per gateway prompt (every server prompt id it ran as).
 */
const SPEEDS = [1, 1, 2, 4]
const MEAN_WORK_MS = 15_000
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.02)
const JOBS = Number(process.env.BENCH_JOBS ?? 300)
const SEEDS = (process.env.BENCH_SEEDS ?? '7,8,9').split(',').map(Number)
const ONLY = process.env.BENCH_SCENARIOS?.split(',')
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8)
const capacityPerMs = SPEEDS.reduce((a, b) => a + b, 0) / MEAN_WORK_MS

type Sim = SimCluster['sims'][number]

/** The scenarios of comfy-balancer's `bench/faults/faults.bench-run.ts`, same windows and faults (indexes too). */
interface Scenario {
  readonly name: string
  readonly faulty: boolean
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

const rows: Array<Record<string, unknown> & { scenario: string; ratio: number }> = []

afterAll(async () => {
  await closeGatewayTransport()
  if (rows.length === 0) return
  const summary = scenarios.flatMap((scenario) => {
    const mine = rows.filter((row) => row.scenario === scenario.name)
    if (mine.length === 0) return []
    const sum = (key: string) => mine.reduce((n, row) => n + (row[key] as number), 0)
    const max = (key: string) => Math.max(...mine.map((row) => (row[key] as number | null) ?? Number.NaN))
    return [
      {
        scenario: scenario.name,
        ratios: mine.map((row) => row.ratio),
        meanRatio: round(mean(mine.map((row) => row.ratio)), 3),
        succeeded: sum('ok'),
        total: sum('jobs'),
        clientErrors: sum('clientErrors'),
        unfinished: sum('unfinished'),
        duplicated: sum('duplicated'),
        runTwiceAtOnce: sum('runTwiceAtOnce'),
        startedTwice: sum('startedTwice'),
        clientSawTwoStarts: sum('clientSawTwoStarts'),
        shareToFaulty: scenario.faulty ? max('shareToFaulty') : null,
        recoveryJobTimes: scenario.faulty ? max('recoveryJobTimes') : null,
      },
    ]
  })
  writeResults('faults', {
    settings: {
      speeds: SPEEDS,
      meanWorkMs: MEAN_WORK_MS,
      jobs: JOBS,
      timeScale: TIME_SCALE,
      clients: CLIENTS,
    },
    summary,
    rows,
  })
  console.log(
    `\n${table(
      [
        'Scenario',
        '× oracle (per seed)',
        'mean',
        'succeeded / total',
        'errors at client',
        'unfinished',
        'duplicates',
        'run twice at once',
        'rerun (started twice)',
        'share to faulty',
        'recovery (job times)',
      ],
      summary.map((line) => [
        line.scenario,
        line.ratios.join(' / '),
        `**${line.meanRatio.toFixed(3)}**`,
        `${line.succeeded} / ${line.total}`,
        line.clientErrors,
        line.unfinished,
        line.duplicated,
        line.runTwiceAtOnce,
        line.startedTwice,
        line.shareToFaulty === null ? '—' : `≤ ${line.shareToFaulty}`,
        line.recoveryJobTimes === null ? '—' : `≤ ${line.recoveryJobTimes}`,
      ]),
    )}\n`,
  )
})

for (const seed of SEEDS) {
  const items = poissonWorkload(JOBS, 0.8 * capacityPerMs, MEAN_WORK_MS, seed)
  const arrivalAt = (share: number) => items[Math.floor(items.length * share)]!.arrivalMs
  for (const [index, scenario] of scenarios.entries()) {
    if (ONLY && !ONLY.includes(String(index))) continue
    it(`${scenario.name}, seed ${seed}: naive clients through the gateway`, {
      timeout: 600_000,
    }, async () => {
      const window = scenario.window(arrivalAt)
      const ideal = oracleLatencies(items, SPEEDS, scenario.faulty ? window : undefined)
      const oracle = summarize(
        ideal,
        items.map((item, i) => item.arrivalMs + ideal[i]!),
      )
      let figures: ReturnType<typeof faultFigures> | undefined
      const outcome = await runThroughGateway(items, SPEEDS, {
        timeScale: TIME_SCALE,
        clients: CLIENTS,
        schedule: [
          { atMs: window.fromMs, run: (sims) => scenario.start(sims[window.server]!) },
          { atMs: window.toMs, run: (sims) => scenario.stop(sims[window.server]!) },
        ],
        observe: (sims, t0, jobIds) => {
          figures = faultFigures(sims, t0, jobIds, window, MEAN_WORK_MS / SPEEDS[window.server]!)
        },
      })
      const row = {
        scenario: scenario.name,
        seed,
        mean: Math.round(outcome.mean),
        p95: Math.round(outcome.p95),
        oracleMean: Math.round(oracle.mean),
        oracleP95: Math.round(oracle.p95),
        ratio: round(outcome.mean / oracle.mean, 2),
        serverSideRatio: round(outcome.serverMean / oracle.mean, 2),
        jobs: outcome.jobs,
        ok: outcome.succeeded,
        clientErrors: outcome.clientErrors,
        unfinished: outcome.unfinished,
        duplicated: outcome.duplicated,
        startedTwice: outcome.startedTwice,
        runTwiceAtOnce: outcome.runTwiceAtOnce,
        clientSawTwoStarts: outcome.clientSawTwoStarts,
        shareToFaulty: round(figures?.shareToFaulty ?? 0, 3),
        recoveryJobTimes: figures?.recoveryJobTimes === undefined ? null : round(figures.recoveryJobTimes, 1),
        worstWaitOverOracleP95: round(outcome.maxLatency / oracle.p95, 2),
        postMs: Math.round(outcome.postMs),
        relayMs: Math.round(outcome.relayMs),
        resultMs: Math.round(outcome.resultMs),
        forwardMs: Math.round(outcome.forwardMs),
        problems: outcome.gatewayProblems,
      }
      rows.push(row)
      console.log(`FAULTS ${JSON.stringify(row)}`)
      expect(outcome.unfinished).toBe(0)
      expect(outcome.succeeded).toBe(items.length)
      expect(outcome.duplicated).toBe(0)
      expect(outcome.runTwiceAtOnce).toBe(0)
    })
  }
}
