import { createLoadBalancer, type LoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { type RunStats, summarize, type WorkItem } from '@comfy-balancer/testkit'
import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import { createGateway, type Gateway } from '../src/index.js'
import { type JobTrace, NaiveClient, simWork } from './naive-client.js'
import { watchRuns } from './watch-runs.js'

/** What a run of naive clients through the gateway gave. */
export interface GatewayOutcome extends RunStats {
  readonly jobs: number
  /** Prompts that ended (`executing: null`) with `execution_success` before it, at the client. */
  readonly succeeded: number
  /** Prompts that ended with `execution_error` / `execution_interrupted` / nothing at the client. */
  readonly clientErrors: number
  /** Prompts that never ended at the client within the run's deadline. */
  readonly unfinished: number
  /** Gateway prompts that ran to success more than once on the servers (under any of their ids). */
  readonly duplicated: number
  /** Gateway prompts whose server runs started more than once (a rerun after a failure counts). */
  readonly startedTwice: number
  /** Gateway prompts with two runs under way at the same time: never acceptable. */
  readonly runTwiceAtOnce: number
  /** Prompts whose client saw more than one `execution_start` (a rerun leaking to the client). */
  readonly clientSawTwoStarts: number
  /** The same latencies measured on the servers: the successful run's end minus the client's POST. */
  readonly serverMean: number
  /** From the client's POST to its answer (mean), and from the run's end on the server to the client's `executing: null` (mean). */
  readonly postMs: number
  readonly relayMs: number
  /** The relay's two parts (means): run's end → `balancer.run()` settled; settled → the client's `executing: null`. */
  readonly resultMs: number
  readonly forwardMs: number
  readonly maxLatency: number
  /** Log lines of the gateway other than the one per job. */
  readonly gatewayProblems: readonly string[]
}

/** Options of {@link runThroughGateway}; times are simulated ms. */
export interface GatewayRunOptions {
  readonly timeScale: number
  /** Naive clients sharing the prompts round robin, one `/ws` each; 0: a new client (and socket) per prompt. */
  readonly clients: number
  /** Things done to the servers at given times after the first arrival (faults, recoveries). */
  readonly schedule?: ReadonlyArray<{ readonly atMs: number; run(sims: SimCluster['sims']): void }>
  /** Sees the servers' logs after the last prompt ended, with the run's start and the server prompt ids of its prompts. */
  readonly observe?: (sims: SimCluster['sims'], t0: number, jobIds: ReadonlySet<string>) => void
  /** Wall ms after the last arrival before unfinished prompts are given up. */
  readonly deadlineMs?: number
}

const transport = createNodeTransport({ connections: 16 })

/**
 * Runs `items` on a fresh simulated cluster of `speeds` behind a gateway, the balancer with every
 * default (late binding) and background probing started as the CLI does, on a clock scaled by
 * `timeScale`. Each item is a naive client's `POST /prompt` at its arrival time; its latency is from
 * that POST to its `executing: null` at the client, on the simulated clock.
 */
export async function runThroughGateway(
  items: readonly WorkItem[],
  speeds: readonly number[],
  options: GatewayRunOptions,
): Promise<GatewayOutcome> {
  const cluster = await startSimCluster(
    speeds.map((speed, i) => ({ speed, name: `gpu-${i + 1}-x${speed}` })),
    { timeScale: options.timeScale },
  )
  const clock = cluster.clock
  const now = () => clock.now()
  let balancer: LoadBalancer | undefined
  let gateway: Gateway | undefined
  const clients: NaiveClient[] = []
  const lines: string[] = []
  try {
    balancer = createLoadBalancer({
      config: { servers: [...cluster.urls] },
      clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    const watch = watchRuns(balancer, now)
    gateway = createGateway({ balancer: watch.balancer, port: 0, log: (line) => lines.push(line) })
    const url = await gateway.listen()
    balancer.start()
    await balancer.refresh()
    // The gateway validates every prompt against the fleet's /object_info: read it once, as a
    // gateway that has been up a while has.
    await fetch(`${url}/object_info`).then((response) => response.arrayBuffer())
    for (let i = 0; i < options.clients; i++) clients.push(await NaiveClient.open(url, now))

    const t0 = clock.now()
    for (const step of options.schedule ?? []) clock.setTimeout(() => step.run(cluster.sims), step.atMs)
    const traces: Array<JobTrace | undefined> = items.map(() => undefined)
    const failures: string[] = []
    const launched = items.map(
      (item, i) =>
        new Promise<void>((resolve) => {
          clock.setTimeout(() => {
            const run = async () => {
              const client =
                options.clients > 0 ? clients[i % options.clients]! : await NaiveClient.open(url, now)
              try {
                traces[i] = await client.run(simWork(item.workMs))
              } finally {
                if (options.clients === 0) client.close()
              }
            }
            run().then(resolve, (error: unknown) => {
              failures.push(error instanceof Error ? error.message : String(error))
              resolve()
            })
          }, item.arrivalMs)
        }),
    )
    const lastArrival = items.reduce((max, item) => Math.max(max, item.arrivalMs), 0)
    const deadline = lastArrival * options.timeScale + (options.deadlineMs ?? 300_000)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(launched),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadline)
      }),
    ])
    clearTimeout(timer)

    // The servers' logs, per gateway prompt (every server prompt id it ran as).
    const entries = new Map<string, Array<{ start: number; end: number; success: boolean; server: number }>>()
    cluster.sims.forEach((sim, server) => {
      for (const entry of sim.log) {
        const list = entries.get(entry.promptId) ?? []
        list.push({
          start: entry.startedAt,
          end: entry.endedAt ?? Number.POSITIVE_INFINITY,
          success: entry.outcome === 'success',
          server,
        })
        entries.set(entry.promptId, list)
      }
    })
    const jobIds = new Set<string>()
    for (const ids of watch.runsOf.values()) for (const id of ids) jobIds.add(id)
    options.observe?.(cluster.sims, t0, jobIds)

    const latencies: number[] = []
    const finishes: number[] = []
    const serverLatencies: number[] = []
    const posts: number[] = []
    const relays: number[] = []
    const results: number[] = []
    const forwards: number[] = []
    let duplicated = 0
    let startedTwice = 0
    let runTwiceAtOnce = 0
    for (const trace of traces) {
      if (trace === undefined) continue
      const runs = [...(watch.runsOf.get(trace.promptId) ?? [])].flatMap((id) => entries.get(id) ?? [])
      const successes = runs.filter((run) => run.success)
      if (successes.length > 1) duplicated += 1
      if (runs.length > 1) startedTwice += 1
      if (overlapping(runs)) runTwiceAtOnce += 1
      posts.push(trace.answeredAt - trace.postAt)
      if (trace.outcome !== 'success') continue
      latencies.push(trace.endAt - trace.postAt)
      finishes.push(trace.endAt - t0)
      const ran = successes.at(-1)
      if (ran !== undefined) {
        serverLatencies.push(ran.end - trace.postAt)
        relays.push(trace.endAt - ran.end)
        const settled = watch.settledAt.get(trace.promptId)
        if (settled !== undefined) {
          results.push(settled - ran.end)
          forwards.push(trace.endAt - settled)
        }
      }
    }
    const ended = traces.filter((trace) => trace !== undefined)
    const mean = (values: readonly number[]) =>
      values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
    return {
      ...summarize(latencies, finishes),
      jobs: items.length,
      succeeded: latencies.length,
      clientErrors: ended.length - latencies.length,
      unfinished: items.length - ended.length,
      duplicated,
      startedTwice,
      runTwiceAtOnce,
      clientSawTwoStarts: ended.filter((trace) => trace.starts > 1).length,
      serverMean: mean(serverLatencies),
      postMs: mean(posts),
      relayMs: mean(relays),
      resultMs: mean(results),
      forwardMs: mean(forwards),
      maxLatency: latencies.reduce((a, b) => Math.max(a, b), 0),
      gatewayProblems: [...failures, ...lines.filter((line) => !/^job \S+ success on /.test(line))].slice(
        0,
        20,
      ),
    }
  } finally {
    for (const client of clients) client.close()
    await gateway?.close()
    balancer?.dispose()
    await cluster.close()
  }
}

/** Whether two of these runs were under way at the same time. */
function overlapping(runs: ReadonlyArray<{ readonly start: number; readonly end: number }>): boolean {
  const sorted = [...runs].sort((a, b) => a.start - b.start)
  return sorted.some((run, i) => i > 0 && run.start < sorted[i - 1]!.end)
}

export async function closeGatewayTransport(): Promise<void> {
  await transport.close()
}
