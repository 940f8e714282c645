import { createLoadBalancer, type LoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { type RedisServer, startRedisServer } from '@comfy-balancer/testkit/redis'
import { type SimCluster, startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../index.js'
import { RedisGatewayStore } from '../state/redis-store.js'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'

/** Two gateways on one Redis, as behind an ordinary HTTP load balancer: one virtual ComfyUI. */
let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(async () => {
  await redis.close()
})

const transport = createNodeTransport()
const live: Array<{ gateway: Gateway; balancer: LoadBalancer }> = []
let cluster: SimCluster | undefined
afterEach(async () => {
  for (const { gateway, balancer } of live.splice(0)) {
    await gateway.close()
    balancer.dispose()
  }
  await cluster?.close()
})

async function twoGateways(prefix: string) {
  cluster = await startSimCluster([{}, {}], { timeScale: 0.05 })
  const start = async () => {
    const balancer = createLoadBalancer({
      config: { servers: [...cluster!.urls], probe: { queueMode: 'ws' } },
      clock: cluster!.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    const gateway = createGateway({
      balancer,
      port: 0,
      redis: { url: redis.url, prefix },
      log: () => undefined,
    })
    live.push({ gateway, balancer })
    const url = await gateway.listen()
    await balancer.refresh()
    return url
  }
  return [await start(), await start()] as const
}

/** Stops the gateway (and its balancer) started first, as a rolling deploy would. */
async function stopFirst() {
  const first = live.shift()!
  await first.gateway.close()
  first.balancer.dispose()
}

const done = (id: string) => (m: { type: string; data: Record<string, unknown> }) =>
  m.type === 'executing' && m.data.node === null && m.data.prompt_id === id

describe('two gateways on one Redis', () => {
  it('post through one; stream, list and read history through the other', async () => {
    const [a, b] = await twoGateways('two-a:')
    const socket = await listen(b, 'shared-client')
    try {
      const posted = await comfyCalls(a).post('/prompt', {
        prompt: workThenSave(2_000),
        client_id: 'shared-client',
      })
      const id = posted.body!.prompt_id as string
      await socket.until((m) => m.type === 'execution_start' && m.data.prompt_id === id)
      expect(
        (await comfyCalls(b).get('/queue')).body!.queue_running.map((item: unknown[]) => item[1]),
      ).toEqual([id])
      // A client that reads history through B on its last output (as @saintno/comfyui-sdk does)
      // finds the entry: B waits for the outcome it knows is moments away.
      await socket.until((m) => m.type === 'executed' && m.data.prompt_id === id && m.data.node === '2')
      const early = (await comfyCalls(b).get(`/history/${id}`)).body![id]
      expect(early?.status.status_str).toBe('success')
      await socket.until(done(id))
      const types = socket.messages.filter((m) => m.data.prompt_id === id).map((m) => m.type)
      expect(types[0]).toBe('execution_start')
      expect(types).toContain('executed')
      expect(types.at(-1)).toBe('executing')
      const entry = (await comfyCalls(b).get(`/history/${id}`)).body![id]
      expect(entry.status.status_str).toBe('success')
      // The output is served through the gateway that did not run it, from the server that wrote it.
      const image = entry.outputs['2'].images[0]
      expect((await fetch(`${b}/view?${new URLSearchParams(image)}`)).status).toBe(200)
    } finally {
      socket.close()
    }
  })

  it('interrupts through one a prompt the other runs', async () => {
    const [a, b] = await twoGateways('two-b:')
    const socket = await listen(a, 'c2')
    try {
      const id = (await comfyCalls(a).post('/prompt', { prompt: workThenSave(3_600_000), client_id: 'c2' }))
        .body!.prompt_id as string
      await socket.until((m) => m.type === 'execution_start' && m.data.prompt_id === id)
      // b learns of it over Redis; wait until it lists it as running there.
      while ((await comfyCalls(b).get('/queue')).body!.queue_running.length === 0)
        await socket.until(() => true)
      await comfyCalls(b).post('/interrupt', { prompt_id: id })
      await socket.until(done(id))
      const entry = (await comfyCalls(b).get(`/history/${id}`)).body![id]
      expect(entry.status.messages.map(([type]: [string]) => type)).toContain('execution_interrupted')
      expect(cluster!.sims.flatMap((sim) => sim.log.map((run) => run.outcome))).toEqual(['interrupted'])
    } finally {
      socket.close()
    }
  })

  it('hands the prompts of a gateway that stops to the other: none lost, none run twice', async () => {
    const [a, b] = await twoGateways('two-c:')
    const socket = await listen(b, 'c3')
    try {
      const ids: string[] = []
      for (let i = 0; i < 3; i++) {
        const posted = await comfyCalls(a).post('/prompt', { prompt: workThenSave(20_000), client_id: 'c3' })
        ids.push(posted.body!.prompt_id as string)
      }
      await socket.until((m) => m.type === 'execution_start' && m.data.prompt_id === ids[0])
      await stopFirst()
      for (const id of ids) await socket.until(done(id))
      for (const id of ids)
        expect((await comfyCalls(b).get(`/history/${id}`)).body![id].status.status_str).toBe('success')
      const runs = cluster!.sims.flatMap((sim) => sim.log.map((run) => run.promptId))
      expect(runs.sort()).toEqual([...ids].sort())
    } finally {
      socket.close()
    }
  })

  it('follows the prompts of a gateway that died without leaving, once its heartbeat is gone', async () => {
    cluster = await startSimCluster([{}], { timeScale: 0.05 })
    // What a dead gateway "ghost" left behind: its prompt on a server's queue, its record in Redis.
    const placer = createLoadBalancer({
      config: { servers: [...cluster.urls] },
      clock: cluster.clock,
      fetch: transport.fetch,
      logger: silentLogger,
    })
    const prompt = workThenSave(2_000)
    const submission = await placer.submit(prompt, { binding: 'early' })
    placer.dispose()
    const ghost = new RedisGatewayStore({ url: redis.url, prefix: 'two-d:', id: 'ghost' })
    await ghost.saveJob({
      promptId: submission.promptId,
      number: 0,
      prompt,
      extraData: {},
      outputsToExecute: ['1', '2'],
      clientId: undefined,
      owner: '',
      runner: 'ghost',
      status: 'pending',
      serverId: submission.serverId,
      runningAs: submission.promptId,
      messages: [],
      outputs: {},
      meta: {},
      createdAt: 0,
    })
    await ghost.close()
    const balancer = createLoadBalancer({
      config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
      clock: cluster.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    const lines: string[] = []
    const gateway = createGateway({
      balancer,
      port: 0,
      redis: { url: redis.url, prefix: 'two-d:' },
      log: (l) => lines.push(l),
    })
    live.push({ gateway, balancer })
    const url = await gateway.listen()
    expect(lines).toContain(`job ${submission.promptId}: taken over from gateway ghost, which is gone`)
    const socket = await listen(url, 'late')
    try {
      let entry: Record<string, Loose> | undefined
      while (entry === undefined) {
        entry = (await comfyCalls(url).get(`/history/${submission.promptId}`)).body![submission.promptId]
        // Each change of the caller's queue is a `status` on its sockets: look again after the next.
        const seen = socket.messages.length
        if (entry === undefined) await socket.until(() => socket.messages.length > seen)
      }
      expect(entry.status.status_str).toBe('success')
      expect(cluster.sims[0]!.log.map((run) => run.promptId)).toEqual([submission.promptId])
    } finally {
      socket.close()
    }
  })
})
