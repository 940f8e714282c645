import { createLoadBalancer } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import {
  BALANCER_EVENT_NAMES,
  type ChaosKind,
  describeForScan,
  poissonWorkload,
  seededRandom,
  seededUuid,
  startChaos,
  summarize,
  TEST_CREDENTIALS,
  withTestCredentials,
} from '@comfy-balancer/testkit'
import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import { heapAfterGc } from './heap.js'
import type { JobRecord, SoakReport } from './report.js'
import { scan, scanningLogger } from './scanning-logger.js'
import { judge } from './verdict.js'

export type { ErrorCause, SoakReport } from './report.js'

/**
 * The soak of issue 8: many jobs through `balancer.run()` (late binding) on simulated ComfyUI servers
 * (real HTTP and WebSockets on 127.0.0.1, time scaled), with random faults from a fixed seed. It
 * checks from the servers' own execution logs that no job is lost and none runs twice, explains
 * every typed error by the fault that caused it, and measures the heap. `npm run soak` runs 10,000
 * jobs; a few hundred run inside `npm test` through this same function.
 */
export interface SoakOptions {
  readonly jobs: number
  /** Fixed seed: workload and fault schedule. */
  readonly seed: number
  /** Wall ms per simulated ms. */
  readonly timeScale: number
  /** Mean work of a job at speed 1 (simulated ms). */
  readonly meanWorkMs?: number
  /** Offered load as a share of the cluster's capacity; default 0.6 (faults take capacity away). */
  readonly load?: number
  /** Server speeds; default 1, 1, 2, 4. */
  readonly speeds?: readonly number[]
  /** Mean gap between two injected faults (simulated ms). */
  readonly faultGapMs?: number
  /** Which faults to draw, by weight; default every kind. */
  readonly faultKinds?: Partial<Record<ChaosKind, number>>
  /** Fault durations, uniform (simulated ms). */
  readonly faultMs?: readonly [number, number]
  /** Give up waiting for jobs to settle after this much wall time (ms); unsettled jobs count as lost. */
  readonly settleDeadlineWallMs?: number
  /** Late binding's `maxPendingPerServer`; default 1. */
  readonly maxPendingPerServer?: number
  /** Called with progress lines (jobs settled so far). */
  readonly progress?: (line: string) => void
}

const prompt = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

/** Runs the soak; see {@link SoakOptions}. Closes everything it started. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const speeds = options.speeds ?? [1, 1, 2, 4]
  const meanWorkMs = options.meanWorkMs ?? 3_000
  const load = options.load ?? 0.6
  const capacityPerMs = speeds.reduce((a, b) => a + b, 0) / meanWorkMs
  const items = poissonWorkload(options.jobs, load * capacityPerMs, meanWorkMs, options.seed)
  const wallStart = performance.now()
  const cluster: SimCluster = await startSimCluster(
    speeds.map((speed, i) => ({ speed, name: `gpu-${i + 1}-x${speed}` })),
    { timeScale: options.timeScale },
  )
  const transport = createNodeTransport({ connections: 16 })
  const logger = scanningLogger()
  const clock = cluster.clock
  const balancer = createLoadBalancer({
    config: {
      // Credentials everywhere: a password in two URLs, an API key header on the others.
      servers: cluster.urls.map((url, i) =>
        i % 2 === 0
          ? { url: withTestCredentials(url), weight: speeds[i]! }
          : { url, weight: speeds[i]!, headers: { 'X-Api-Key': TEST_CREDENTIALS.apiKey } },
      ),
      probe: { queueMode: 'ws' },
      jobs: { pollIntervalMs: 1_000 },
    },
    // One prompt may wait on each server behind the running one, so a GPU does not idle through the
    // hand-over's round trip (and a crash then also loses queued, never-started prompts).
    dispatch: { maxPendingPerServer: options.maxPendingPerServer ?? 1 },
    clock,
    random: seededRandom(options.seed + 2),
    createPromptId: seededUuid(options.seed + 1),
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger,
  })
  const unsubscribe = BALANCER_EVENT_NAMES.map((name) =>
    balancer.on(name as 'error', (event) => scan(logger, `event:${name}`, describeForScan(event))),
  )
  let closed: Promise<void> | undefined
  const closeAll = (): Promise<void> => {
    closed ??= (async () => {
      for (const stop of unsubscribe) stop()
      await chaos?.stop()
      balancer.dispose()
      await transport.close()
      await cluster.close()
    })()
    return closed
  }
  const serverName = new Map<string, string>()
  let chaos: ReturnType<typeof startChaos> | undefined
  const jobs: JobRecord[] = []
  let resubmitted = 0
  try {
    balancer.start()
    await balancer.refresh()
    for (const server of balancer.getSnapshot().servers) {
      const sim = cluster.sims.find(
        (s) => new URL(s.url).host === new URL(balancer.serverUrl(server.id)).host,
      )
      serverName.set(server.id, sim?.name ?? server.id)
    }
    const beforeMb = heapAfterGc()
    const t0 = clock.now()
    chaos = startChaos({
      targets: cluster.sims,
      clock,
      random: seededRandom(options.seed + 3),
      meanGapMs: options.faultGapMs ?? 30_000,
      durationMs: options.faultMs ?? [2_000, 15_000],
      maxConcurrent: 1,
      ...(options.faultKinds ? { kinds: options.faultKinds } : {}),
      forMs: (items[items.length - 1]?.arrivalMs ?? 0) + 1,
    })

    const settledAll = new Promise<void>((resolveAll) => {
      let settled = 0
      const done = (job: JobRecord) => {
        job.settles += 1
        job.settledAt = clock.now()
        settled += 1
        if (options.progress && settled % 1_000 === 0) {
          options.progress(
            `${settled}/${items.length} settled at ${Math.round((clock.now() - t0) / 1000)} s simulated`,
          )
        }
        if (settled === items.length) resolveAll()
      }
      let next = 0
      const arrive = (): void => {
        while (next < items.length && items[next]!.arrivalMs <= clock.now() - t0) {
          const item = items[next]!
          next += 1
          const job: JobRecord = {
            index: item.index,
            arrival: clock.now(),
            strict: item.index % 2 === 1,
            settles: 0,
            started: false,
          }
          jobs.push(job)
          balancer
            .run(prompt(item.workMs), {
              ...(job.strict ? { rerunIfLost: false } : {}),
              onEvent: (event) => {
                if (event.type === 'queued') job.promptId = event.promptId
                if (event.type === 'resubmitted') resubmitted += 1
                if (event.type === 'started') job.started = true
              },
            })
            .then(
              (result) => {
                job.result = result
                done(job)
              },
              (error: unknown) => {
                job.error = error
                done(job)
              },
            )
        }
        if (next < items.length) clock.setTimeout(arrive, items[next]!.arrivalMs - (clock.now() - t0))
      }
      arrive()
    })
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.settleDeadlineWallMs ?? 600_000)
    })
    await Promise.race([settledAll, deadline])
    clearTimeout(timer)
    await chaos.stop()
    const simulatedMs = clock.now() - t0
    const afterJobsMb = heapAfterGc()

    const verdict = judge({ sims: cluster.sims, jobs, expected: items.length, chaos, serverName, t0 })
    const faults: Record<string, number> = {}
    for (const event of chaos.events) faults[event.kind] = (faults[event.kind] ?? 0) + 1
    const stats = summarize(verdict.latencies)

    await closeAll()
    const afterDisposeMb = heapAfterGc()
    return {
      jobs: items.length,
      seed: options.seed,
      timeScale: options.timeScale,
      speeds,
      settled: jobs.filter((job) => job.settles > 0).length,
      succeeded: jobs.filter((job) => job.result !== undefined).length,
      lost: verdict.lost,
      duplicated: verdict.duplicated,
      errors: verdict.errors,
      errorCauses: verdict.errorCauses,
      unexplained: verdict.unexplained,
      untyped: verdict.untyped,
      startedOnTwoServers: verdict.startedOnTwoServers,
      duplicateDetails: verdict.duplicateDetails,
      executions: verdict.executions,
      faults,
      resubmitted,
      scannedLines: logger.lines,
      secretHits: logger.hits.length,
      latency: { mean: Math.round(stats.mean), p95: Math.round(stats.p95) },
      simulatedMs: Math.round(simulatedMs),
      wallMs: Math.round(performance.now() - wallStart),
      heap: { beforeMb, afterJobsMb, afterDisposeMb },
    }
  } finally {
    await closeAll()
  }
}
