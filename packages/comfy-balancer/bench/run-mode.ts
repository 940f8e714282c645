import {
  type Binding,
  type Clock,
  type ComfyPrompt,
  consoleLogger,
  createLoadBalancer,
  type FetchLike,
  type JobResult,
  type LateBindingOptions,
  type LoadBalancer,
  type Logger,
  type LogLevel,
  type Strategy,
  silentLogger,
} from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { type RunStats, summarize, type WorkItem } from '@comfy-balancer/testkit'
import { type SimCluster, type SimServerSpec, startSimCluster } from '@comfy-balancer/testkit/sim'

/** One way of placing jobs, as the benchmark compares them. */
export interface Mode {
  readonly name: string
  readonly strategy?: () => Strategy
  readonly probe: Record<string, unknown>
  /** Tell the balancer each server's relative speed as its weight (an operator knows its GPUs). */
  readonly weights?: boolean
  /** `late`: `balancer.run()`'s default; `early`: each job placed on arrival by the strategy. */
  readonly binding: Binding
  /** Job settings; default fast polling and short deadlines for 300 ms jobs. `{}`: every default. */
  readonly jobs?: Record<string, unknown>
  /** Late binding's tuning (`createLoadBalancer({ dispatch })`), passed as is. */
  readonly dispatch?: LateBindingOptions
}

export interface ModeOutcome extends RunStats {
  readonly settled: number
  readonly succeeded: number
  /** Jobs that ended with a typed error (e.g. JOB_LOST for one running when its server crashed). */
  readonly typedErrors: Record<string, number>
  /** Prompt ids that ran to success on more than one server, or twice. */
  readonly duplicated: number
  /** Prompt ids that started on more than one server (a crash rerun counts). */
  readonly startedTwice: number
  /** Prompt ids with two runs at the same time (on two servers): never acceptable. */
  readonly runTwiceAtOnce: number
  /** The longest latency of a job that succeeded (ms). */
  readonly maxLatency: number
}

const transport = createNodeTransport({ connections: 16 })

/** A prompt that takes `ms` of work at speed 1 on the simulator. */
const prompt = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

/**
 * Runs `items` through `mode` on a fresh simulated cluster with `speeds`, on a clock scaled by
 * `timeScale`. Latency is measured server-side: the job's end in the owner's log minus its arrival.
 */
export async function runMode(
  mode: Mode,
  items: readonly WorkItem[],
  speeds: readonly number[],
  options: {
    timeScale: number
    crash?: { atMs: number; server: number; downMs: number }
    rerunIfLost?: boolean
    /** Things done to the servers at given times after the first arrival (faults, recoveries). */
    schedule?: ReadonlyArray<{ readonly atMs: number; run(sims: SimCluster['sims']): void }>
    /**
     * Sees the servers' logs after the last job settled, with the run's start time and the prompt
     * ids of the jobs (runs of other prompts, such as the balancer's canaries, are not jobs).
     */
    observe?: (sims: SimCluster['sims'], t0: number, jobIds: ReadonlySet<string>) => void
    /** Each server's own options (catalog, models), in speed order, over its speed and name. */
    specs?: readonly SimServerSpec[]
    /** Each item's prompt; default one `SimWork` node of the item's work. */
    prompt?: (item: WorkItem) => ComfyPrompt
    /** Wraps the balancer's fetch (to count replies). */
    wrapFetch?: (fetch: FetchLike) => FetchLike
  },
): Promise<ModeOutcome> {
  const cluster = await startSimCluster(
    speeds.map((speed, i) => ({ speed, name: `gpu-${i + 1}-x${speed}`, ...options.specs?.[i] })),
    { timeScale: options.timeScale },
  )
  const clock = cluster.clock
  let balancer: LoadBalancer | undefined
  try {
    balancer = createLoadBalancer({
      config: {
        servers: cluster.urls.map((url, i) => (mode.weights ? { url, weight: speeds[i]! } : url)),
        probe: mode.probe,
        jobs: mode.jobs ?? { pollIntervalMs: 100, lostAfterMs: 5_000, submitTimeoutMs: 5_000 },
      },
      ...(mode.strategy ? { strategy: mode.strategy() } : {}),
      clock,
      fetch: options.wrapFetch ? options.wrapFetch(transport.fetch) : transport.fetch,
      webSocket: transport.webSocket,
      logger: process.env.BENCH_LOG ? timedLogger(clock, process.env.BENCH_LOG as LogLevel) : silentLogger,
      ...(mode.dispatch ? { dispatch: mode.dispatch } : {}),
    })
    const b = balancer
    await b.refresh()
    const t0 = clock.now()
    const arrivals = new Map<string, number>()
    const typedErrors: Record<string, number> = {}
    const run = (item: WorkItem): Promise<JobResult | undefined> => {
      const arrival = clock.now()
      const jobOptions = {
        binding: mode.binding,
        ...(options.rerunIfLost === undefined ? {} : { rerunIfLost: options.rerunIfLost }),
        onEvent: (event: { type: string; promptId: string }) => {
          if (event.type === 'queued' && !arrivals.has(event.promptId)) arrivals.set(event.promptId, arrival)
        },
      }
      return b
        .run(options.prompt ? options.prompt(item) : prompt(item.workMs), jobOptions)
        .catch((error: { code?: string }) => {
          typedErrors[error.code ?? 'UNTYPED'] = (typedErrors[error.code ?? 'UNTYPED'] ?? 0) + 1
          return undefined
        })
    }
    for (const step of options.schedule ?? []) clock.setTimeout(() => step.run(cluster.sims), step.atMs)
    if (options.crash) {
      const crash = options.crash
      clock.setTimeout(() => void cluster.sims[crash.server]!.restart({ downMs: crash.downMs }), crash.atMs)
    }
    const results = await Promise.all(
      items.map(
        (item) =>
          new Promise<JobResult | undefined>((resolve) => {
            clock.setTimeout(() => void run(item).then(resolve), item.arrivalMs)
          }),
      ),
    )
    options.observe?.(cluster.sims, t0, new Set(arrivals.keys()))
    const successes = new Map<string, number>()
    const starts = new Map<string, number>()
    const spans = new Map<string, Array<readonly [number, number]>>()
    const ends = new Map<string, number>()
    for (const sim of cluster.sims) {
      for (const entry of sim.log) {
        starts.set(entry.promptId, (starts.get(entry.promptId) ?? 0) + 1)
        const span = [entry.startedAt, entry.endedAt ?? Number.POSITIVE_INFINITY] as const
        spans.set(entry.promptId, [...(spans.get(entry.promptId) ?? []), span])
        if (entry.outcome === 'success') {
          successes.set(entry.promptId, (successes.get(entry.promptId) ?? 0) + 1)
          ends.set(entry.promptId, entry.endedAt!)
        }
      }
    }
    const latencies: number[] = []
    const finishes: number[] = []
    const slowest: string[] = []
    for (const result of results) {
      if (!result) continue
      const end = ends.get(result.promptId)!
      const latency = end - arrivals.get(result.promptId)!
      latencies.push(latency)
      finishes.push(end - t0)
      slowest.push(
        `${Math.round(latency)} ms: ${result.promptId} arrived ${Math.round(arrivals.get(result.promptId)! - t0)} ms, ran on ${result.serverId}, ${result.attempts} attempt(s)`,
      )
    }
    if (process.env.BENCH_TRACE) {
      // `BENCH_TRACE=all`: every job; otherwise the eight slowest.
      const top = process.env.BENCH_TRACE === 'all' ? slowest.length : 8
      for (const line of slowest.sort((a, b) => Number.parseInt(b) - Number.parseInt(a)).slice(0, top))
        console.log(`slow ${line}`)
    }
    return {
      ...summarize(latencies, finishes),
      settled: results.length,
      succeeded: results.filter((r) => r !== undefined).length,
      typedErrors,
      duplicated: [...successes.values()].filter((n) => n > 1).length,
      startedTwice: [...starts.values()].filter((n) => n > 1).length,
      runTwiceAtOnce: [...spans.values()].filter(overlapping).length,
      maxLatency: latencies.reduce((a, b) => Math.max(a, b), 0),
    }
  } finally {
    balancer?.dispose()
    await cluster.close()
  }
}

/** `BENCH_LOG=debug|info|warn`: the balancer's log, each line with the simulated time (s). */
function timedLogger(clock: Clock, level: LogLevel): Logger {
  const inner = consoleLogger(level)
  const t0 = clock.now()
  const at = (message: string) => `${((clock.now() - t0) / 1000).toFixed(1)} s ${message}`
  return {
    debug: (message, fields) => inner.debug(at(message), fields),
    info: (message, fields) => inner.info(at(message), fields),
    warn: (message, fields) => inner.warn(at(message), fields),
    error: (message, fields) => inner.error(at(message), fields),
  }
}

/** Whether two of these runs were under way at the same time. */
function overlapping(spans: ReadonlyArray<readonly [number, number]>): boolean {
  const sorted = [...spans].sort((a, b) => a[0] - b[0])
  return sorted.some((span, i) => i > 0 && span[0] < sorted[i - 1]![1])
}

export async function closeTransport(): Promise<void> {
  await transport.close()
}
