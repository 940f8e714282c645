import {
  createLoadBalancer,
  type JobResult,
  type LogFields,
  type Logger,
  silentLogger,
} from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import {
  BALANCER_EVENT_NAMES,
  type ChaosKind,
  describeForScan,
  findSecrets,
  poissonWorkload,
  seededRandom,
  startChaos,
  summarize,
  TEST_CREDENTIALS,
  TEST_SECRETS,
  withTestCredentials,
} from '@comfy-balancer/testkit'
import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'

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

/** How one typed error was explained, or not. */
export interface ErrorCause {
  readonly code: string
  readonly cause: string
}

export interface SoakReport {
  readonly jobs: number
  readonly seed: number
  readonly timeScale: number
  readonly speeds: readonly number[]
  readonly settled: number
  readonly succeeded: number
  /** Jobs that never settled, or settled with outputs no server produced for them. */
  readonly lost: number
  /** Prompt ids that completed (success or error) more than once, or jobs settled more than once. */
  readonly duplicated: number
  /** Typed errors by code. */
  readonly errors: Record<string, number>
  /** Typed errors by code and cause (the fault that explains them). */
  readonly errorCauses: Record<string, number>
  /** Typed errors no injected fault explains (should be 0). */
  readonly unexplained: number
  /** Errors that were not our typed errors at all (should be 0). */
  readonly untyped: number
  /** Duplicated prompt ids by cause (see {@link WIPED_RESULT}); `other` has no known cause. */
  readonly duplicatedCauses: Record<string, number>
  /** The first few duplicated prompt ids: each run, the job's outcome and the faults around it. */
  readonly duplicateDetails: readonly string[]
  /** Prompt ids that started on two servers: each preceded by a lost or interrupted run. */
  readonly startedOnTwoServers: number
  /** Executions cut short: by a crash (`lost`) or by the balancer removing a stale copy (`interrupted`). */
  readonly executions: { total: number; success: number; lost: number; interrupted: number; error: number }
  readonly faults: Record<string, number>
  readonly resubmitted: number
  /** Log lines and events the balancer produced (debug level), all scanned for credentials. */
  readonly scannedLines: number
  readonly secretHits: number
  /** Latency from arrival to the end of the job on its server (simulated ms). */
  readonly latency: { mean: number; p95: number }
  readonly simulatedMs: number
  readonly wallMs: number
  /** `process.memoryUsage().heapUsed` after `gc()`, in MB; null without `--expose-gc`. */
  readonly heap: { beforeMb: number | null; afterJobsMb: number | null; afterDisposeMb: number | null }
}

const MB = 1024 * 1024

/**
 * A known core behaviour the soak finds: a job with `rerunIfLost` that finished on its server, whose
 * server then restarted (wiping ComfyUI's in-memory history) before the balancer read the result,
 * is run a second time, although the balancer had seen it start and end.
 */
export const WIPED_RESULT =
  'rerunIfLost job run again: a restart wiped its finished result before it was read'

/** Heap in use after a full collection, or null when `gc` is not exposed. */
export function heapAfterGc(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return null
  gc()
  gc()
  return Math.round((process.memoryUsage().heapUsed / MB) * 100) / 100
}

/**
 * A debug-level logger that scans every line for test credentials as it is written and keeps
 * nothing (so 10,000 jobs' worth of lines do not show up as heap growth).
 */
function scanningLogger(): Logger & { lines: number; hits: string[] } {
  const state = { lines: 0, hits: [] as string[] }
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      const text = `${level} ${message}${fields === undefined ? '' : ` ${describeForScan(fields)}`}`
      scan(state, 'logger', text)
    }
  return Object.assign(state, {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: () => true,
  })
}

function scan(state: { lines: number; hits: string[] }, source: string, text: string): void {
  state.lines += 1
  for (const hit of findSecrets([{ source, text }], TEST_SECRETS)) {
    if (state.hits.length < 20) state.hits.push(`${hit.source}: ${hit.excerpt}`)
  }
}

const prompt = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

interface JobRecord {
  readonly index: number
  readonly arrival: number
  readonly rerunIfLost: boolean
  settledAt?: number
  settles: number
  /** The balancer reported the job started (a pushed or polled start). */
  started: boolean
  promptId?: string
  result?: JobResult
  error?: unknown
}

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
  const ids = seededRandom(options.seed + 1)
  const hex = () => Math.floor(ids() * 16).toString(16)
  const uuid = () => {
    const h = Array.from({ length: 32 }, hex)
    h[12] = '4'
    h[16] = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
    const s = h.join('')
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
  }
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
    createPromptId: uuid,
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
            rerunIfLost: item.index % 2 === 0,
            settles: 0,
            started: false,
          }
          jobs.push(job)
          balancer
            .run(prompt(item.workMs), {
              rerunIfLost: job.rerunIfLost,
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

    // ── What the servers say they ran ───────────────────────────────────────────
    const runs = new Map<
      string,
      Array<{ server: string; outcome: string; start: number; end: number | undefined }>
    >()
    const executions = { total: 0, success: 0, lost: 0, interrupted: 0, error: 0 }
    for (const sim of cluster.sims) {
      for (const entry of sim.log) {
        executions.total += 1
        const outcome = entry.outcome ?? 'running'
        if (outcome in executions) executions[outcome as 'success'] += 1
        const list = runs.get(entry.promptId) ?? []
        list.push({ server: sim.name, outcome, start: entry.startedAt, end: entry.endedAt })
        runs.set(entry.promptId, list)
      }
    }
    let duplicated = 0
    let startedOnTwoServers = 0
    const duplicateDetails: string[] = []
    const duplicatedCauses: Record<string, number> = {}
    for (const [promptId, list] of runs) {
      const completed = list
        .filter((run) => run.outcome === 'success' || run.outcome === 'error')
        .sort((a, b) => a.start - b.start)
      if (completed.length > 1) {
        duplicated += 1
        const job = jobs.find((j) => j.promptId === promptId)
        const [first, second] = completed as [(typeof completed)[0], (typeof completed)[0]]
        const wiped =
          job?.rerunIfLost === true &&
          first.outcome === 'success' &&
          chaos
            .during(first.server, first.end ?? first.start, second.start)
            .some(
              (e) =>
                (e.kind === 'crash' || e.kind === 'restart') &&
                e.at >= (first.end ?? first.start) &&
                e.at <= second.start,
            )
        const cause = wiped ? WIPED_RESULT : 'other'
        duplicatedCauses[cause] = (duplicatedCauses[cause] ?? 0) + 1
        if (duplicateDetails.length < 10) {
          const err = job?.error as { code?: string; message?: string } | undefined
          const around = (name: string, at: number) =>
            chaos!
              .during(name, at - 60_000, at + 60_000)
              .map(
                (e) =>
                  `${e.kind}@${Math.round(e.at - t0)}..${e.until === undefined ? '?' : Math.round(e.until - t0)}`,
              )
              .join(',')
          duplicateDetails.push(
            `${promptId} rerunIfLost ${job?.rerunIfLost} seen started ${job?.started} arrived ${job ? Math.round(job.arrival - t0) : '?'} settled ${job?.settledAt === undefined ? '?' : Math.round(job.settledAt - t0)} ` +
              `${job?.result ? `ok on ${serverName.get(job.result.serverId)} attempts ${job.result.attempts}` : `error ${err?.code} ${err?.message}`}; runs: ` +
              list
                .map(
                  (r) =>
                    `${r.server}:${r.outcome}@${Math.round(r.start - t0)}..${r.end === undefined ? '?' : Math.round(r.end - t0)} [${around(r.server, r.start)}]`,
                )
                .join(' | '),
          )
        }
      }
      if (new Set(list.map((run) => run.server)).size > 1) startedOnTwoServers += 1
    }
    duplicated += jobs.filter((job) => job.settles > 1).length
    const okIds = jobs.flatMap((job) => (job.result ? [job.result.promptId] : []))
    duplicated += okIds.length - new Set(okIds).size

    // ── Lost: never settled, or "succeeded" without a successful run on the server it names ──
    let lost = items.length - jobs.filter((job) => job.settles > 0).length
    const latencies: number[] = []
    for (const job of jobs) {
      if (!job.result) continue
      const owner = serverName.get(job.result.serverId)
      const run = runs.get(job.result.promptId)?.find((r) => r.server === owner && r.outcome === 'success')
      if (run === undefined) lost += 1
      else latencies.push(run.end! - job.arrival)
    }

    // ── Every typed error, explained by the fault behind it ─────────────────────
    const errors: Record<string, number> = {}
    const errorCauses: Record<string, number> = {}
    let unexplained = 0
    let untyped = 0
    for (const job of jobs) {
      if (job.error === undefined) continue
      const error = job.error as {
        code?: string
        serverId?: string
        promptId?: string
        attempts?: Array<{ serverId: string }>
      }
      const code = typeof error.code === 'string' ? error.code : 'UNTYPED'
      if (code === 'UNTYPED') untyped += 1
      errors[code] = (errors[code] ?? 0) + 1
      const cause = explain(job, error, runs, serverName, chaos)
      if (cause === undefined || cause.startsWith('UNEXPLAINED')) unexplained += 1
      const message = (job.error as { message?: unknown }).message
      const key = `${code}: ${cause ?? `UNEXPLAINED (${String(message).slice(0, 300)})`}`
      errorCauses[key] = (errorCauses[key] ?? 0) + 1
    }
    const faults: Record<string, number> = {}
    for (const event of chaos.events) faults[event.kind] = (faults[event.kind] ?? 0) + 1
    const stats = summarize(latencies)

    await closeAll()
    const afterDisposeMb = heapAfterGc()
    return {
      jobs: items.length,
      seed: options.seed,
      timeScale: options.timeScale,
      speeds,
      settled: jobs.filter((job) => job.settles > 0).length,
      succeeded: jobs.filter((job) => job.result !== undefined).length,
      lost,
      duplicated,
      errors,
      errorCauses,
      unexplained,
      untyped,
      startedOnTwoServers,
      duplicatedCauses,
      duplicateDetails,
      executions,
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

/** Why a job ended with a typed error, from the servers' logs and the fault schedule; undefined if nothing explains it. */
function explain(
  job: JobRecord,
  error: { code?: string; serverId?: string; promptId?: string; attempts?: Array<{ serverId: string }> },
  runs: Map<string, Array<{ server: string; outcome: string }>>,
  serverName: Map<string, string>,
  chaos: ReturnType<typeof startChaos>,
): string | undefined {
  const from = job.arrival
  const to = job.settledAt ?? Number.MAX_SAFE_INTEGER
  const promptId = error.promptId ?? job.promptId
  const faultsOn = (serverId: string | undefined): ChaosKind[] => {
    const name = serverId === undefined ? undefined : serverName.get(serverId)
    return name === undefined ? [] : [...new Set(chaos.during(name, from, to).map((e) => e.kind))]
  }
  const ran = promptId === undefined ? [] : (runs.get(promptId) ?? [])
  switch (error.code) {
    case 'JOB_LOST': {
      if (ran.some((run) => run.outcome === 'lost'))
        return 'its server crashed while running it (not rerunIfLost)'
      const kinds = faultsOn(error.serverId)
      if (kinds.length === 0) return undefined
      // Never started anywhere, yet reported lost: the balancer should have placed it again.
      if (ran.length === 0) return `UNEXPLAINED: reported lost but never started (faults: ${kinds.join('+')})`
      return `its server was unreachable after it started (${kinds.join('+')})`
    }
    case 'JOB_FAILED': {
      if (ran.some((run) => run.outcome === 'interrupted')) return 'interrupted on its server'
      const kinds = faultsOn(error.serverId)
      return kinds.length > 0 ? `its server failed it under ${kinds.join('+')}` : undefined
    }
    case 'SUBMIT_FAILED': {
      const tried = error.attempts?.map((attempt) => attempt.serverId) ?? []
      const kinds = [...new Set(tried.flatMap((id) => faultsOn(id)))]
      if (kinds.length > 0) return `every server it tried was faulted (${kinds.join('+')})`
      // The retry budget is cluster-wide: faults anywhere while the job waited may have spent it.
      if (String((error as { message?: unknown }).message).includes('retry budget is spent')) {
        const anywhere = [...new Set([...serverName.keys()].flatMap((id) => faultsOn(id)))]
        if (anywhere.length > 0)
          return `the cluster-wide retry budget was spent during faults (${anywhere.join('+')})`
      }
      return undefined
    }
    default:
      return undefined
  }
}

/** One million (or `count`) selections on a warm balancer: heap before and after, time per call. */
export async function measureSelections(count: number): Promise<{
  selections: number
  beforeMb: number | null
  afterMb: number | null
  growthMb: number | null
  nsPerSelection: number
  spread: Record<string, number>
}> {
  const cluster = await startSimCluster([{ speed: 1 }, { speed: 1 }, { speed: 2 }, { speed: 4 }], {
    timeScale: 1,
  })
  const transport = createNodeTransport()
  const balancer = createLoadBalancer({
    config: { servers: [...cluster.urls], probe: { cacheMs: 86_400_000 } },
    fetch: transport.fetch,
    logger: silentLogger,
  })
  try {
    await balancer.refresh()
    const spread: Record<string, number> = {}
    // Warm up (JIT), then measure.
    for (let i = 0; i < 10_000; i++) await balancer.getOptimalServer()
    const beforeMb = heapAfterGc()
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      const url = await balancer.getOptimalServer()
      if (i % 1_000 === 0) spread[url] = (spread[url] ?? 0) + 1
    }
    const elapsed = performance.now() - start
    const afterMb = heapAfterGc()
    return {
      selections: count,
      beforeMb,
      afterMb,
      growthMb: beforeMb === null || afterMb === null ? null : Math.round((afterMb - beforeMb) * 100) / 100,
      nsPerSelection: Math.round((elapsed * 1e6) / count),
      spread,
    }
  } finally {
    balancer.dispose()
    await transport.close()
    await cluster.close()
  }
}
