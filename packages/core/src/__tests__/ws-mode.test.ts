import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLoadBalancer, type JobEvent, type LoadBalancer, silentLogger } from '../index.js'
import { createNodeTransport } from '../node.js'
import { until } from './sim-waits.js'

let cluster: SimCluster | undefined
let balancer: LoadBalancer | undefined
const transport = createNodeTransport()
afterEach(async () => {
  balancer?.dispose()
  await cluster?.close()
})

async function setup(speeds: number[]) {
  cluster = await startSimCluster(
    speeds.map((speed) => ({ speed })),
    { timeScale: 0.05 },
  )
  balancer = createLoadBalancer({
    config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
    clock: cluster.clock,
    fetch: transport.fetch,
    webSocket: transport.webSocket,
    logger: silentLogger,
  })
  return { cluster, balancer }
}

describe("probe mode 'ws': pushed queues and job events", () => {
  it('learns queue lengths from status pushes the moment they change, with no request', async () => {
    const { cluster, balancer } = await setup([1, 1])
    await balancer.refresh()
    await until(balancer, () => cluster.sims.every((sim) => sim.wsClients === 1))
    const [first] = cluster.sims
    const requests = () =>
      cluster.sims.reduce((n, sim) => n + sim.requestCounts.prompt + sim.requestCounts.system_stats, 0)
    const before = requests()
    first!.model.submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 60_000 } } } })
    first!.model.submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 60_000 } } } })
    const snapshot = await until(
      balancer,
      (s) =>
        s.servers[0]?.queue !== 'unknown' &&
        s.servers[0]?.queue.known === true &&
        s.servers[0].queue.pending === 1,
    )
    expect(snapshot.servers[0]?.queue).toMatchObject({ source: 'ws', running: 1, pending: 1 })
    expect(requests()).toBe(before)
    expect(await balancer.getOptimalServer()).toBe(cluster.urls[1])
  })

  it('clears a handed-out job that was never sent at the next probe, since no push will', async () => {
    const { cluster, balancer } = await setup([1, 1])
    await balancer.refresh()
    expect(await balancer.getOptimalServer()).toBe(cluster.urls[0])
    expect(balancer.getSnapshot().servers[0]?.inFlight).toBe(1)
    await balancer.refresh()
    expect(balancer.getSnapshot().servers[0]?.inFlight).toBe(0)
  })

  it('runs a job with pushed start and progress events, and its duration', async () => {
    const { balancer } = await setup([2])
    const events: JobEvent[] = []
    const result = await balancer.run(
      { '1': { class_type: 'SimWork', inputs: { ms: 2_000 } } },
      { onEvent: (event) => events.push(event) },
    )
    expect(result.durationMs).toBeGreaterThanOrEqual(1_000)
    expect(events.map((e) => e.type)).toContain('started')
    expect(events.some((e) => e.type === 'progress')).toBe(true)
    expect(balancer.getSnapshot().servers[0]?.jobMs).toBe(result.durationMs)
  })

  it('finishes a job from its pushed outputs when the server restarts before the result was read', async () => {
    const { cluster, balancer } = await setup([1])
    await balancer.refresh()
    await until(balancer, () => cluster.sims[0]!.wsClients === 1)
    const sim = cluster.sims[0]!
    const prompt = {
      '1': { class_type: 'SimWork', inputs: { ms: 2_000 } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'pushed' } },
    }
    const submission = await balancer.submit(prompt, { rerunIfLost: true })
    // Status reads fail while it runs, so only the pushes say it finished; then the restart wipes history.
    sim.setFault({ kind: 'http500', endpoints: ['jobs', 'history', 'queue'] })
    const result = balancer.result(submission.promptId)
    await until(
      balancer,
      (s) =>
        sim.log[0]?.outcome === 'success' &&
        s.servers[0]?.queue !== 'unknown' &&
        s.servers[0]?.queue.known === true &&
        s.servers[0].queue.running === 0,
    )
    sim.crash()
    sim.setFault(undefined)
    const outcome = await result
    expect(outcome.serverId).toBe(submission.serverId)
    expect(outcome.outputs['2']).toMatchObject({ images: [expect.objectContaining({ type: 'output' })] })
    expect(sim.log.map((e) => e.outcome)).toEqual(['success']) // not run again
  })

  it("refuses 'ws' mode without a WebSocket, with a clear error", async () => {
    // As on Node 20, which has no global WebSocket.
    vi.stubGlobal('WebSocket', undefined)
    const b = createLoadBalancer({
      config: { servers: ['http://127.0.0.1:9'], probe: { queueMode: 'ws' } },
      logger: silentLogger,
    })
    vi.unstubAllGlobals()
    await expect(b.getOptimalServer()).rejects.toThrow(/needs a WebSocket: pass `webSocket`/)
    b.dispose()
  })
})
