import type { FetchLike } from '@comfy-balancer/core'
import type { SimCluster } from '@comfy-balancer/testkit/sim'

/** One run of one mode on one seed of a model scenario, as `results/models.json` keeps it. */
export interface ModelRow {
  readonly scenario: string
  readonly seed: number
  readonly mode: string
  /** The balancer options the mode added to every default. */
  readonly options: Readonly<Record<string, unknown>>
  /** Arrival rate, jobs per simulated minute. */
  readonly perMinute: number
  /** Mean and p95 latency (ms) of the jobs that succeeded. */
  readonly mean: number
  readonly p95: number
  readonly oracleMean: number
  readonly oracleP95: number
  /** mean ÷ oracle mean. */
  readonly ratio: number
  readonly ok: number
  /** Caller-visible errors by code. */
  readonly errors: Readonly<Record<string, number>>
  /** Model files loaded from disk by job runs (not canaries), per job. */
  readonly loadsPerJob: number
  readonly oracleLoadsPerJob: number
  /** Job runs started per server. */
  readonly runsPerServer: readonly number[]
  /** `POST /prompt` answered 400, per server. */
  readonly rejectedPerServer: readonly number[]
  readonly duplicated: number
  readonly runTwiceAtOnce: number
}

/** A fetch that counts `POST /prompt` answered 400, per origin (`http://127.0.0.1:port`). */
export function countingRejections(counts: Map<string, number>): (fetch: FetchLike) => FetchLike {
  return (inner) => async (input, init) => {
    const response = await inner(input, init)
    if (response.status === 400 && init?.method === 'POST') {
      const url = new URL(input)
      if (/^(\/api)?\/prompt$/.test(url.pathname)) counts.set(url.origin, (counts.get(url.origin) ?? 0) + 1)
    }
    return response
  }
}

/** Loads from disk and runs started per server, of job runs only (`jobIds`; not the canaries). */
export function jobRunFigures(
  sims: SimCluster['sims'],
  jobIds: ReadonlySet<string>,
): { loads: number; runsPerServer: number[] } {
  let loads = 0
  const runsPerServer = sims.map((sim) => {
    let runs = 0
    for (const entry of sim.log) {
      if (!jobIds.has(entry.promptId)) continue
      runs += 1
      loads += entry.loads?.length ?? 0
    }
    return runs
  })
  return { loads, runsPerServer }
}

const seconds = (ms: number) => (ms / 1000).toFixed(1)
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

/** The markdown table: per scenario and mode, every seed's × oracle and their mean. */
export function modelTable(rows: readonly ModelRow[]): string[] {
  const lines = [
    '| Scenario | Mode | × oracle (per seed) | × oracle mean | p95 (s) | oracle p95 (s) | loads/job | oracle loads/job | ok | errors | 400s per server |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ]
  const groups = new Map<string, ModelRow[]>()
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.mode}`
    groups.set(key, [...(groups.get(key) ?? []), row])
  }
  for (const mine of groups.values()) {
    const { scenario, mode } = mine[0]!
    const errors: Record<string, number> = {}
    for (const row of mine)
      for (const [code, n] of Object.entries(row.errors)) errors[code] = (errors[code] ?? 0) + n
    const rejected = mine[0]!.rejectedPerServer.map((_, i) =>
      mine.reduce((n, r) => n + r.rejectedPerServer[i]!, 0),
    )
    const errorText = Object.entries(errors)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ')
    lines.push(
      `| ${scenario} | ${mode} | ${mine.map((r) => r.ratio.toFixed(2)).join(' / ')} | **${mean(mine.map((r) => r.ratio)).toFixed(2)}** | ${seconds(mean(mine.map((r) => r.p95)))} | ${seconds(mean(mine.map((r) => r.oracleP95)))} | ${mean(mine.map((r) => r.loadsPerJob)).toFixed(2)} | ${mean(mine.map((r) => r.oracleLoadsPerJob)).toFixed(2)} | ${mine.reduce((n, r) => n + r.ok, 0)} | ${errorText || '0'} | ${rejected.join(' / ')} |`,
    )
  }
  return lines
}
