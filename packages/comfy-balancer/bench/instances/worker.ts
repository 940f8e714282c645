import { createInterface } from 'node:readline'
import {
  createLoadBalancer,
  createMemoryStateStore,
  type JobResult,
  type StateStore,
  silentLogger,
} from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { createRedisStateStore } from '@comfy-balancer/redis'
import { leastExpectedWait } from '@comfy-balancer/strategies'
import {
  type Go,
  type JobRecord,
  MESSAGE_PREFIX,
  type StoreSpec,
  type WorkerMessage,
  type WorkerSetup,
} from './protocol.js'

/**
 * One balancer process of `npm run bench:instances` (bundled by build-worker.ts, run with plain
 * `node`): it reads its setup and start time on stdin, runs its share of the arrivals on the
 * simulated cluster from the first arrival on, and reports every job on stdout. The clock is the
 * system clock: the simulated servers run on real time (timeScale 1), like Redis's TTLs.
 */

const send = (message: WorkerMessage) => process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`)
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const nextLine = async <T>(): Promise<T> => {
  const line = await lines.next()
  if (line.done) throw new Error('stdin closed')
  return JSON.parse(line.value) as T
}

function storeOf(spec: StoreSpec): StateStore {
  return spec.kind === 'memory'
    ? createMemoryStateStore({ logger: silentLogger })
    : createRedisStateStore({ url: spec.url, prefix: spec.prefix, logger: silentLogger })
}

const prompt = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

async function main(): Promise<void> {
  const setup = await nextLine<WorkerSetup>()
  const transport = createNodeTransport({ connections: 16 })
  const store = storeOf(setup.store)
  const deadline = Date.now() + 10_000
  while (store.status.state !== 'available') {
    if (Date.now() > deadline) throw new Error(`state store ${store.name} did not connect`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const balancer = createLoadBalancer({
    config: {
      servers: setup.urls.map((url, i) => ({ url, weight: setup.speeds[i]! })),
      probe: setup.probe,
      jobs: { pollIntervalMs: 100, lostAfterMs: 5_000, submitTimeoutMs: 5_000 },
    },
    ...(setup.mode === 'leastExpectedWait'
      ? { strategy: leastExpectedWait() }
      : { dispatch: { tickMs: 50 } }),
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger: silentLogger,
    stateStore: store,
  })
  const storeEvents: string[] = []
  balancer.on('state-store', (event) => storeEvents.push(event.state))
  await balancer.refresh()
  balancer.start()
  send({ type: 'ready' })

  const { startAt } = await nextLine<Go>()
  const jobs: JobRecord[] = []
  const errors: Record<string, number> = {}
  let idleSamples = 0
  let idleCountedBusy = 0
  const sampler = setInterval(() => {
    for (const server of balancer.getSnapshot().servers) {
      if (server.queue === 'unknown' || !server.queue.known || server.queue.source !== 'ws') continue
      if (server.queue.running + server.queue.pending > 0) continue
      idleSamples++
      if (server.inFlight > 0) idleCountedBusy++
    }
  }, 20)
  const run = async (item: WorkerSetup['items'][number]): Promise<void> => {
    const arrivedAt = Date.now()
    // 'dispatcher': the default late binding; 'leastExpectedWait': placed on arrival by that strategy.
    const options = { rerunIfLost: false, binding: setup.mode === 'dispatcher' ? 'late' : 'early' } as const
    try {
      const result: JobResult = await balancer.run(prompt(item.workMs), options)
      jobs.push({ index: item.index, promptId: result.promptId, serverId: result.serverId, arrivedAt })
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNTYPED'
      errors[code] = (errors[code] ?? 0) + 1
    }
  }
  await Promise.all(
    setup.items.map(
      (item) =>
        new Promise<void>((resolve) => {
          setTimeout(() => void run(item).then(resolve), Math.max(0, startAt + item.arrivalMs - Date.now()))
        }),
    ),
  )
  clearInterval(sampler)
  send({ type: 'done', jobs, errors, storeEvents, idleSamples, idleCountedBusy })
  // Keep probing (and sharing) until every process is done, so probe rates cover the whole window.
  while (!(await lines.next()).done) {
    /* the orchestrator closes stdin to stop us */
  }
  balancer.dispose()
  await store.dispose()
  await transport.close()
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    process.exit(1)
  },
)
