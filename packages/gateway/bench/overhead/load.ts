import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { NaiveClient, simWork } from '../naive-client.js'

/** The smallest job: one `SimWork` node of 0 ms (the simulator answers and runs it at once). */
export const TINY = simWork(0)

/** Wall-clock latencies of one load, in ms. */
export interface LoadSamples {
  /** POST → first `executing` with a node (the job started). */
  readonly first: number[]
  /** POST → `executing: null` (the job's end at the client). */
  readonly end: number[]
  /** POST → its answer. */
  readonly post: number[]
  /** Jobs per second over the measured part. */
  readonly rate: number
  /** Jobs whose first `executing` never came (ended without one). */
  readonly missingFirst: number
}

/** How a load is offered. */
export interface LoadShape {
  readonly clients: number
  /** Measured jobs in all (a closed loop rounds up to a whole number per client). */
  readonly jobs: number
  /** Unmeasured jobs per client first. */
  readonly warmup: number
  /**
   * Jobs per second over all clients: Poisson arrivals, each taken by an idle client (a client runs
   * one job at a time; when none is idle the arrival waits for one). Absent: a closed loop, every
   * client posting its next job as soon as its last one ended.
   */
  readonly ratePerSec?: number
}

const now = () => performance.now()

/**
 * `shape.clients` naive clients (one `/ws` each) against `url`; latencies on the wall clock.
 */
export async function offerLoad(url: string, shape: LoadShape): Promise<LoadSamples> {
  const clients = await Promise.all(Array.from({ length: shape.clients }, () => NaiveClient.open(url, now)))
  const samples = { first: [] as number[], end: [] as number[], post: [] as number[], missingFirst: 0 }
  let measuredFrom = Number.POSITIVE_INFINITY
  let measured = 0
  const record = (trace: Awaited<ReturnType<NaiveClient['run']>>) => {
    measuredFrom = Math.min(measuredFrom, trace.postAt)
    measured += 1
    samples.post.push(trace.answeredAt - trace.postAt)
    samples.end.push(trace.endAt - trace.postAt)
    if (trace.firstExecutingAt === undefined) samples.missingFirst += 1
    else samples.first.push(trace.firstExecutingAt - trace.postAt)
  }
  try {
    if (shape.ratePerSec === undefined) {
      await Promise.all(
        clients.map(async (client) => {
          const perClient = Math.ceil(shape.jobs / shape.clients)
          for (let j = 0; j < shape.warmup + perClient; j++) {
            const trace = await client.run(TINY)
            if (j >= shape.warmup) record(trace)
          }
        }),
      )
    } else {
      // Warm-up: every client once, one after the other, unmeasured.
      for (let j = 0; j < shape.warmup; j++) for (const client of clients) await client.run(TINY)
      const idle = [...clients]
      const waiting: Array<(client: NaiveClient) => void> = []
      const take = () =>
        idle.length > 0
          ? Promise.resolve(idle.pop()!)
          : new Promise<NaiveClient>((resolve) => waiting.push(resolve))
      const give = (client: NaiveClient) => {
        const next = waiting.shift()
        if (next) next(client)
        else idle.push(client)
      }
      const runs: Promise<void>[] = []
      const start = now()
      let due = 0
      for (let k = 0; k < shape.jobs; k++) {
        due += (-Math.log(Math.max(Math.random(), 1e-9)) * 1000) / shape.ratePerSec
        const wait = start + due - now()
        if (wait > 0) await sleep(wait)
        runs.push(
          take().then(async (client) => {
            try {
              record(await client.run(TINY))
            } finally {
              give(client)
            }
          }),
        )
      }
      await Promise.all(runs)
    }
    return { ...samples, rate: (1000 * measured) / Math.max(1, now() - measuredFrom) }
  } finally {
    for (const client of clients) client.close()
  }
}

/** An idle `/ws` client: greeted with its `status`, then only counting what it gets. */
export interface IdleSocket {
  readonly socket: WebSocket
  readonly greeted: boolean
  readonly messages: () => number
}

/** Opens `count` idle `/ws` clients, `batch` at a time; each resolves once greeted (or fails). */
export async function openIdleSockets(url: string, count: number, batch = 250): Promise<IdleSocket[]> {
  const opened: IdleSocket[] = []
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start)
    opened.push(...(await Promise.all(Array.from({ length: size }, () => openIdle(url)))))
  }
  return opened
}

function openIdle(url: string): Promise<IdleSocket> {
  const clientId = randomUUID()
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, {
    perMessageDeflate: false,
  })
  let count = 0
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ socket, greeted: false, messages: () => count }), 30_000)
    socket.on('message', (raw) => {
      count += 1
      if (count > 1) return
      const message = JSON.parse(String(raw)) as { type?: string; data?: { sid?: string } }
      clearTimeout(timer)
      resolve({
        socket,
        greeted: message.type === 'status' && message.data?.sid === clientId,
        messages: () => count,
      })
    })
    socket.once('error', () => {
      clearTimeout(timer)
      resolve({ socket, greeted: false, messages: () => count })
    })
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The `q` quantile (0–1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!
}
