import { writeFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { biomeJson } from '../bench/biome-json.js'
import { heapAfterGc } from './heap.js'
import { measureSelections } from './selections.js'
import { runSoak } from './soak.js'

/**
 * `npm run soak`: 10,000 jobs with random faults on a fixed seed, then 1,000,000 selections, each
 * with the heap measured after `gc()` (the config runs Node with `--expose-gc`). Prints a table and
 * writes `soak/results/soak.json`. SOAK_JOBS, SOAK_SEED and SOAK_TIME_SCALE override the defaults.
 */
const JOBS = Number(process.env.SOAK_JOBS ?? 10_000)
const SEED = Number(process.env.SOAK_SEED ?? 8)
const TIME_SCALE = Number(process.env.SOAK_TIME_SCALE ?? 0.02)
const SELECTIONS = Number(process.env.SOAK_SELECTIONS ?? 1_000_000)

it(`soak: ${JOBS} jobs, random faults (seed ${SEED}), then ${SELECTIONS} selections`, async () => {
  const report = await runSoak({
    jobs: JOBS,
    seed: SEED,
    timeScale: TIME_SCALE,
    settleDeadlineWallMs: 600_000,
    progress: (line) => console.log(`  ${line}`),
  })
  // Everything the run allocated (its servers' logs and histories, the job records) is garbage now.
  const releasedMb = heapAfterGc()
  const selections = await measureSelections(SELECTIONS)
  const rows: Array<[string, string]> = [
    ['jobs', String(report.jobs)],
    ['settled', String(report.settled)],
    ['succeeded', String(report.succeeded)],
    ['lost', String(report.lost)],
    ['duplicated', `${report.duplicated}`],
    ['typed errors', JSON.stringify(report.errors)],
    ['unexplained / untyped errors', `${report.unexplained} / ${report.untyped}`],
    ['started on two servers (after a lost or interrupted run)', String(report.startedOnTwoServers)],
    ['executions', JSON.stringify(report.executions)],
    ['faults injected', JSON.stringify(report.faults)],
    ['resubmitted', String(report.resubmitted)],
    ['log lines + events scanned / secrets found', `${report.scannedLines} / ${report.secretHits}`],
    ['latency mean / p95 (simulated ms)', `${report.latency.mean} / ${report.latency.p95}`],
    [
      'heap before / after jobs / after dispose (MB)',
      `${report.heap.beforeMb} / ${report.heap.afterJobsMb} / ${report.heap.afterDisposeMb}`,
    ],
    [
      'simulated / wall time (s)',
      `${Math.round(report.simulatedMs / 1000)} / ${Math.round(report.wallMs / 1000)}`,
    ],
    ['selections', String(selections.selections)],
    [
      'selection heap before / after / growth (MB)',
      `${selections.beforeMb} / ${selections.afterMb} / ${selections.growthMb}`,
    ],
    ['ns per selection', String(selections.nsPerSelection)],
  ]
  const table = ['| Measure | Value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join(
    '\n',
  )
  const causes = Object.entries(report.errorCauses)
    .map(([cause, n]) => `  ${n} × ${cause}`)
    .join('\n')
  console.log(`\n${table}\n\nTyped errors by cause:\n${causes || '  none'}\n`)
  writeFileSync(
    new URL('./results/soak.json', import.meta.url),
    biomeJson({ ...report, heapAfterReleaseMb: releasedMb, selections }),
  )
  expect(report.lost).toBe(0)
  expect(report.duplicated).toBe(0)
  expect(report.unexplained).toBe(0)
  expect(report.untyped).toBe(0)
  expect(report.secretHits).toBe(0)
})
