import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { type RunStats, summarize, type WorkItem } from '@comfy-balancer/testkit'
import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import {
  type JobRecord,
  MESSAGE_PREFIX,
  type PlacementMode,
  type StoreSpec,
  type WorkerMessage,
  type WorkerSetup,
} from './protocol.js'

/** One run of the benchmark: `instances` balancer processes on a fresh simulated cluster. */
export interface InstancesRun {
  readonly mode: PlacementMode
  readonly instances: number
  readonly store: StoreSpec
}

export interface InstancesOutcome extends RunStats {
  readonly succeeded: number
  readonly errors: Record<string, number>
  /** Probe requests (`GET /system_stats` + `GET /prompt`) per second of the run, over all servers. */
  readonly probesPerSecond: number
  readonly systemStatsPerSecond: number
  readonly promptGetsPerSecond: number
  /** Mean time from a job's arrival to its start on a server (ms). */
  readonly meanWaitMs: number
  /** Jobs run per server, in speed order. */
  readonly jobsPerServer: readonly number[]
  /** Jobs that started while a faster server sat idle at that moment (a placement a shared view could have avoided). */
  readonly slowerWhileFasterIdle: number
  /**
   * Of the moments a process saw a server idle by its last push, the share where it still counted
   * jobs in flight there (so the server looked busy): sampled every 20 ms in every process.
   */
  readonly idleCountedBusyShare: number
  readonly windowMs: number
  readonly storeEvents: readonly string[]
}

interface Child {
  readonly process: ChildProcess
  next(): Promise<WorkerMessage>
}

function startChild(file: string): Child {
  const child = spawn(process.execPath, [file], { stdio: ['pipe', 'pipe', 'inherit'] })
  const queue: WorkerMessage[] = []
  const waiting: Array<(message: WorkerMessage) => void> = []
  const deliver = (message: WorkerMessage) => {
    const resolve = waiting.shift()
    if (resolve) resolve(message)
    else queue.push(message)
  }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(MESSAGE_PREFIX))
      deliver(JSON.parse(line.slice(MESSAGE_PREFIX.length)) as WorkerMessage)
    else process.stdout.write(`[worker] ${line}\n`)
  })
  child.once('exit', (code) => deliver({ type: 'failed', error: `balancer process exited with ${code}` }))
  return {
    process: child,
    next: () => {
      const queued = queue.shift()
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve))
    },
  }
}

async function expect<T extends WorkerMessage['type']>(
  child: Child,
  type: T,
): Promise<Extract<WorkerMessage, { type: T }>> {
  const message = await child.next()
  if (message.type === 'failed') throw new Error(`a balancer process failed: ${message.error}`)
  if (message.type !== type) throw new Error(`expected ${type} from a balancer process, got ${message.type}`)
  return message as Extract<WorkerMessage, { type: T }>
}

const counts = (cluster: SimCluster) =>
  cluster.sims.map((sim) => ({
    systemStats: sim.requestCounts.system_stats,
    prompt: sim.requestCounts.prompt,
    // Every POST /prompt of the run starts exactly one execution (no faults are injected).
    posts: sim.log.length,
  }))

/**
 * Splits `items` over `instances` processes at random (fixed seed): each process sees a Poisson
 * stream of its own, and together they see the same arrivals as one process would.
 */
export function split(items: readonly WorkItem[], instances: number, random: () => number): WorkItem[][] {
  const shares: WorkItem[][] = Array.from({ length: instances }, () => [])
  for (const item of items) shares[Math.min(instances - 1, Math.floor(random() * instances))]!.push(item)
  return shares
}

/**
 * Runs `items` through `run.instances` balancer processes (the bundled worker at `workerFile`) on
 * a fresh cluster with `speeds`, on real time. Latency is measured on the servers, as in
 * `bench:cluster`: the job's end in its server's log minus its arrival in the app.
 */
export async function runInstances(
  workerFile: string,
  run: InstancesRun,
  items: readonly WorkItem[],
  speeds: readonly number[],
  probe: Record<string, unknown>,
  random: () => number,
): Promise<InstancesOutcome> {
  const cluster = await startSimCluster(
    speeds.map((speed, i) => ({ speed, name: `gpu-${i + 1}-x${speed}` })),
    { timeScale: 1 },
  )
  const children: Child[] = []
  try {
    const shares = split(items, run.instances, random)
    for (const [index, share] of shares.entries()) {
      const child = startChild(workerFile)
      children.push(child)
      const setup: WorkerSetup = {
        index,
        urls: cluster.urls,
        speeds,
        mode: run.mode,
        store: run.store,
        probe,
        items: share,
      }
      child.process.stdin!.write(`${JSON.stringify(setup)}\n`)
    }
    await Promise.all(children.map((child) => expect(child, 'ready')))
    const before = counts(cluster)
    const startAt = Date.now() + 300
    for (const child of children) child.process.stdin!.write(`${JSON.stringify({ startAt })}\n`)
    const done = await Promise.all(children.map((child) => expect(child, 'done')))
    const windowMs = Date.now() - startAt
    const after = counts(cluster)

    const jobs: JobRecord[] = done.flatMap((message) => message.jobs)
    const errors: Record<string, number> = {}
    for (const message of done) {
      for (const [code, n] of Object.entries(message.errors)) errors[code] = (errors[code] ?? 0) + n
    }
    const entries = new Map(
      cluster.sims.flatMap((sim, server) =>
        sim.log.map((entry) => [entry.promptId, { ...entry, server }] as const),
      ),
    )
    const latencies: number[] = []
    const finishes: number[] = []
    const waits: number[] = []
    for (const job of jobs) {
      const entry = entries.get(job.promptId)
      if (entry?.endedAt === undefined) continue
      latencies.push(entry.endedAt - job.arrivedAt)
      finishes.push(entry.endedAt - startAt)
      waits.push(entry.startedAt - job.arrivedAt)
    }
    const busy = cluster.sims.map((sim) =>
      sim.log.map((entry) => [entry.startedAt, entry.endedAt ?? Number.POSITIVE_INFINITY] as const),
    )
    let slowerWhileFasterIdle = 0
    for (const [promptId, entry] of entries) {
      if (!jobs.some((job) => job.promptId === promptId)) continue
      const idleFaster = speeds.some(
        (speed, s) =>
          speed > speeds[entry.server]! &&
          !busy[s]!.some(([start, end]) => start <= entry.startedAt && entry.startedAt < end),
      )
      if (idleFaster) slowerWhileFasterIdle++
    }
    const delta = (key: 'systemStats' | 'prompt' | 'posts') =>
      after.reduce((n, c, i) => n + c[key] - before[i]![key], 0)
    const perSecond = (n: number) => n / (windowMs / 1_000)
    const systemStats = delta('systemStats')
    const promptGets = delta('prompt') - delta('posts')
    return {
      ...summarize(latencies, finishes),
      succeeded: latencies.length,
      errors,
      probesPerSecond: perSecond(systemStats + promptGets),
      systemStatsPerSecond: perSecond(systemStats),
      promptGetsPerSecond: perSecond(promptGets),
      meanWaitMs: waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length),
      jobsPerServer: cluster.sims.map((sim) => sim.log.length),
      slowerWhileFasterIdle,
      idleCountedBusyShare:
        done.reduce((n, m) => n + m.idleCountedBusy, 0) /
        Math.max(
          1,
          done.reduce((n, m) => n + m.idleSamples, 0),
        ),
      windowMs,
      storeEvents: done.flatMap((message) => message.storeEvents),
    }
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve()
            child.process.once('exit', () => resolve())
            child.process.stdin!.end()
            setTimeout(() => child.process.kill('SIGTERM'), 10_000).unref()
          }),
      ),
    )
    await cluster.close()
  }
}
