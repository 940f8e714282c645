import { burstWorkload, poissonWorkload, summarize, type WorkItem } from '@comfy-balancer/testkit'
import { afterAll, expect, it } from 'vitest'
// comfy-balancer's oracle and run-mode are bench files of that package, exported by none: imported
// by path (nothing factored out, nothing copied).
import { oracleLatencies } from '../../comfy-balancer/bench/oracle.js'
import { closeTransport, runMode } from '../../comfy-balancer/bench/run-mode.js'
import { mean, round, table, writeResults } from './results-file.js'
import { closeGatewayTransport, runThroughGateway } from './run-through-gateway.js'

/**
 * `npm run bench:cluster -w @comfy-balancer/gateway` (issue 17, item 1): naive clients through the
 * gateway on `bench:cluster`'s GPU-sized scenarios. Four simulated servers of speeds 1, 1, 2, 4;
 * work lognormal, mean 10 s at speed 1; 400 Poisson jobs at 80 % load (seeds 7, 8, 9) and a burst
 * of 120 (seeds 11, 12, 13); a simulated clock 1/BENCH_TIME_SCALE times faster than the wall clock
 * (0.03, as bench:cluster's GPU runs). Latency: from a client's POST /prompt to its `executing:
 * null`, on the simulated clock. The same seeds also run straight through `balancer.run()` in
 * process (comfy-balancer's `runMode`, every default; latency on the servers), to tell the gateway's
 * share from the balancer's.
 */
const SPEEDS = [1, 1, 2, 4]
const WORK_MS = 10_000
const JOBS = Number(process.env.BENCH_JOBS ?? 400)
const BURST = Number(process.env.BENCH_BURST ?? 120)
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.03)
const POISSON_SEEDS = (process.env.BENCH_SEEDS ?? '7,8,9').split(',').map(Number)
const BURST_SEEDS = (process.env.BENCH_BURST_SEEDS ?? '11,12,13').split(',').map(Number)
/** Naive clients (one socket each) sharing the prompts; 0: a client and socket per prompt. */
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8)
/** `0`: skip the in-process `balancer.run()` runs. */
const DIRECT = process.env.BENCH_DIRECT !== '0'
const capacityPerMs = SPEEDS.reduce((a, b) => a + b, 0) / WORK_MS

interface Row {
  readonly workload: string
  readonly seed: number
  readonly oracleMean: number
  readonly mean: number
  readonly p95: number
  readonly ratio: number
  readonly serverSideRatio: number
  readonly directRatio: number | null
  readonly ok: number
  readonly jobs: number
  readonly duplicated: number
  readonly runTwiceAtOnce: number
  readonly postMs: number
  readonly relayMs: number
  readonly resultMs: number
  readonly forwardMs: number
  readonly problems: readonly string[]
}
const rows: Row[] = []

afterAll(async () => {
  await closeGatewayTransport()
  await closeTransport()
  if (rows.length === 0) return
  const summary = ['poisson', 'burst'].flatMap((workload) => {
    const mine = rows.filter((row) => row.workload === workload)
    if (mine.length === 0) return []
    const direct = mine.flatMap((row) => (row.directRatio === null ? [] : [row.directRatio]))
    return [
      {
        workload,
        seeds: mine.map((row) => row.seed),
        ratios: mine.map((row) => row.ratio),
        meanRatio: round(mean(mine.map((row) => row.ratio)), 3),
        serverSideMeanRatio: round(mean(mine.map((row) => row.serverSideRatio)), 3),
        directMeanRatio: direct.length === 0 ? null : round(mean(direct), 3),
      },
    ]
  })
  writeResults('cluster', {
    settings: {
      speeds: SPEEDS,
      workMs: WORK_MS,
      jobs: JOBS,
      burst: BURST,
      timeScale: TIME_SCALE,
      clients: CLIENTS,
    },
    summary,
    rows,
  })
  console.log(
    `\n${table(
      [
        'Workload, seed',
        'oracle mean (ms)',
        'gateway mean (ms)',
        'p95 (ms)',
        '× oracle (client)',
        '× oracle (on servers)',
        'balancer.run() × oracle',
        'ok',
        'dup',
        'POST (ms)',
        'run end → client (ms): balancer + gateway',
      ],
      rows.map((row) => [
        `${row.workload}, seed ${row.seed}`,
        row.oracleMean,
        row.mean,
        row.p95,
        row.ratio.toFixed(3),
        row.serverSideRatio.toFixed(3),
        row.directRatio?.toFixed(3) ?? '—',
        `${row.ok}/${row.jobs}`,
        row.duplicated,
        row.postMs,
        `${row.relayMs}: ${row.resultMs} + ${row.forwardMs}`,
      ]),
    )}\n`,
  )
  for (const line of summary)
    console.log(
      `${line.workload}: × oracle ${line.ratios.join(', ')}; mean ${line.meanRatio} (on servers ${line.serverSideMeanRatio}; balancer.run() in process ${line.directMeanRatio ?? '—'}); target ≤ 1.10`,
    )
})

const scenarios: Array<readonly [workload: string, seed: number, items: readonly WorkItem[]]> = [
  ...POISSON_SEEDS.map(
    (seed) => ['poisson', seed, poissonWorkload(JOBS, 0.8 * capacityPerMs, WORK_MS, seed)] as const,
  ),
  ...BURST_SEEDS.map((seed) => ['burst', seed, burstWorkload(BURST, WORK_MS, seed)] as const),
]

for (const [workload, seed, items] of scenarios) {
  const name = workload === 'poisson' ? `${JOBS} Poisson jobs at 80 % load` : `burst of ${BURST}`
  it(`10 s jobs, ${name}, seed ${seed}: naive clients through the gateway`, {
    timeout: 600_000,
  }, async () => {
    const ideal = oracleLatencies(items, SPEEDS)
    const oracle = summarize(
      ideal,
      items.map((item, i) => item.arrivalMs + ideal[i]!),
    )
    const outcome = await runThroughGateway(items, SPEEDS, { timeScale: TIME_SCALE, clients: CLIENTS })
    const direct = DIRECT
      ? await runMode(
          { name: 'balancer.run(), every default', binding: 'late', probe: {}, jobs: {} },
          items,
          SPEEDS,
          {
            timeScale: TIME_SCALE,
          },
        )
      : undefined
    const row: Row = {
      workload,
      seed,
      oracleMean: Math.round(oracle.mean),
      mean: Math.round(outcome.mean),
      p95: Math.round(outcome.p95),
      ratio: round(outcome.mean / oracle.mean, 3),
      serverSideRatio: round(outcome.serverMean / oracle.mean, 3),
      directRatio: direct === undefined ? null : round(direct.mean / oracle.mean, 3),
      ok: outcome.succeeded,
      jobs: outcome.jobs,
      duplicated: outcome.duplicated,
      runTwiceAtOnce: outcome.runTwiceAtOnce,
      postMs: Math.round(outcome.postMs),
      relayMs: Math.round(outcome.relayMs),
      resultMs: Math.round(outcome.resultMs),
      forwardMs: Math.round(outcome.forwardMs),
      problems: outcome.gatewayProblems,
    }
    rows.push(row)
    console.log(`CLUSTER ${JSON.stringify(row)}`)
    expect(outcome.succeeded).toBe(items.length)
    expect(outcome.duplicated).toBe(0)
    expect(outcome.runTwiceAtOnce).toBe(0)
  })
}
