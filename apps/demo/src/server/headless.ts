import { poissonWorkload, summarize } from '@comfy-balancer/testkit'
import {
  createComfyBalancer,
  leastExpectedWait,
  minQueue,
  originalStrategy,
  type Strategy,
  silentLogger,
} from 'comfy-balancer'
import { createNodeTransport } from 'comfy-balancer/node'
import { DEMO_GPUS, startDemoCluster } from './cluster.js'
import { ProgressBar } from './progress.js'

interface Contender {
  readonly name: string
  readonly strategy?: () => Strategy
  readonly probe: Record<string, unknown>
  /** Late binding, `balancer.run()`'s default; the others place each job on arrival (early). */
  readonly lateBinding?: boolean
}

const MEAN_WORK_MS = 300
/** The original design's 15 s cache and 30 s lock, scaled to 300 ms jobs (from ~10 s ones). */
const SCALE = MEAN_WORK_MS / 10_000

const CONTENDERS: Contender[] = [
  {
    name: 'original design',
    strategy: () => originalStrategy(30_000 * SCALE),
    probe: { cacheMs: 15_000 * SCALE },
  },
  { name: 'minQueue + inFlight', strategy: () => minQueue(), probe: { cacheMs: 15_000 * SCALE } },
  { name: 'leastExpectedWait', strategy: () => leastExpectedWait(), probe: { queueMode: 'ws' } },
  { name: 'late binding (default)', probe: { queueMode: 'ws' }, lateBinding: true },
]

export interface HeadlessRow {
  readonly strategy: string
  readonly perServer: Record<string, number>
  readonly mean: number
  readonly p95: number
}

/**
 * `npm run demo -- --headless --jobs N`: the same Poisson workload (80 % of the cluster's capacity)
 * through each strategy on a fresh embedded cluster, with a progress bar; returns and prints where
 * the jobs went and their mean and p95 latency (measured on the servers).
 */
export async function runHeadless(
  jobs: number,
  timeScale: number,
  out: NodeJS.WritableStream = process.stdout,
): Promise<HeadlessRow[]> {
  const capacityPerMs = DEMO_GPUS.reduce((sum, gpu) => sum + gpu.speed, 0) / MEAN_WORK_MS
  const items = poissonWorkload(jobs, 0.8 * capacityPerMs, MEAN_WORK_MS, 42)
  out.write(
    `Dispatching ${jobs} jobs (Poisson, 80 % load, lognormal work of mean ${MEAN_WORK_MS} ms) on ${DEMO_GPUS.map((g) => `${g.name} ×${g.speed}`).join(', ')}\n`,
  )
  const rows: HeadlessRow[] = []
  const transport = createNodeTransport({ connections: 16 })
  try {
    for (const contender of CONTENDERS) rows.push(await runOne(contender, items, timeScale, transport, out))
  } finally {
    await transport.close()
  }
  out.write(`\n${formatTable(rows)}\n`)
  return rows
}

async function runOne(
  contender: Contender,
  items: ReturnType<typeof poissonWorkload>,
  timeScale: number,
  transport: ReturnType<typeof createNodeTransport>,
  out: NodeJS.WritableStream,
): Promise<HeadlessRow> {
  const cluster = await startDemoCluster(timeScale)
  const balancer = createComfyBalancer({
    config: {
      servers: cluster.urls.map((url, i) => ({ url, name: DEMO_GPUS[i]!.name, weight: DEMO_GPUS[i]!.speed })),
      probe: contender.probe,
      jobs: { pollIntervalMs: 100 },
    },
    ...(contender.strategy ? { strategy: contender.strategy() } : {}),
    clock: cluster.clock,
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger: silentLogger,
  })
  const bar = new ProgressBar(out, contender.name, items.length)
  try {
    await balancer.refresh()
    // Late binding is balancer.run()'s default; the strategies place each job on arrival.
    const binding = contender.lateBinding ? 'late' : 'early'
    const arrivals = new Map<string, number>()
    const perServer: Record<string, number> = Object.fromEntries(DEMO_GPUS.map((gpu) => [gpu.name, 0]))
    await Promise.all(
      items.map(
        (item) =>
          new Promise<void>((resolve) => {
            cluster.clock.setTimeout(() => {
              const arrival = cluster.clock.now()
              const prompt = { '1': { class_type: 'SimWork', inputs: { ms: item.workMs } } }
              const onEvent = (event: { type: string; promptId: string }) => {
                if (event.type === 'queued' && !arrivals.has(event.promptId))
                  arrivals.set(event.promptId, arrival)
              }
              const job = balancer.run(prompt, { onEvent, binding })
              job
                .then((result) => {
                  const name = balancer.getSnapshot().servers.find((s) => s.id === result.serverId)?.name
                  if (name) perServer[name] = (perServer[name] ?? 0) + 1
                })
                .catch(() => undefined)
                .finally(() => {
                  bar.tick()
                  resolve()
                })
            }, item.arrivalMs)
          }),
      ),
    )
    const latencies: number[] = []
    for (const sim of cluster.sims) {
      for (const entry of sim.log) {
        const arrival = arrivals.get(entry.promptId)
        if (entry.outcome === 'success' && arrival !== undefined) latencies.push(entry.endedAt! - arrival)
      }
    }
    const { mean, p95 } = summarize(latencies)
    bar.done(`mean ${Math.round(mean)} ms, p95 ${Math.round(p95)} ms`)
    return { strategy: contender.name, perServer, mean, p95 }
  } finally {
    balancer.dispose()
    await cluster.close()
  }
}

/** The report: jobs per server and latency per strategy, as a Markdown table. */
export function formatTable(rows: readonly HeadlessRow[]): string {
  const names = DEMO_GPUS.map((gpu) => gpu.name)
  const header = `| strategy | ${names.map((n) => `${n} jobs`).join(' | ')} | mean ms | p95 ms |`
  const rule = `| --- | ${names.map(() => '---:').join(' | ')} | ---: | ---: |`
  const body = rows.map(
    (row) =>
      `| ${row.strategy} | ${names.map((n) => row.perServer[n] ?? 0).join(' | ')} | ${Math.round(row.mean)} | ${Math.round(row.p95)} |`,
  )
  return [header, rule, ...body].join('\n')
}
