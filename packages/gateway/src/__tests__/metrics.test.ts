import { register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'
import { useGateway } from './gateway-harness.js'

const startGateway = useGateway()
const HOUR = 3_600_000
const done = (id: string) => (m: { type: string; data: Record<string, Loose> }) =>
  m.type === 'executing' && m.data.node === null && m.data.prompt_id === id

/** The samples of a Prometheus text exposition: name, labels, value. */
function samples(text: string) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = '', value] = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!
      const pairs = [...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, v]) => [key!, v!] as const)
      return { name: name!, labels: Object.fromEntries(pairs), value: Number(value) }
    })
}

/** The value of the one sample of `name` with these labels (among others). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v),
  )
  expect(found.length).toBeLessThanOrEqual(1)
  return found[0]?.value
}

async function scrape(url: string, token?: string) {
  const response = await fetch(`${url}/metrics`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  })
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() }
}

describe('/metrics', () => {
  it('counts ended jobs by outcome and times them, and reads queues and waiting jobs when scraped', async () => {
    const { url, cluster, balancer } = await startGateway([{}])
    const server = balancer.getSnapshot().servers[0]!.id
    const client = comfyCalls(url)
    const socket = await listen(url, 'm1')
    // The server's own status messages say when it holds the running prompt and one more.
    const direct = await listen(cluster.sims[0]!.url, 'watcher')
    try {
      const first = (await client.post('/prompt', { prompt: workThenSave(10), client_id: 'm1' })).body!
      await socket.until(done(first.prompt_id))
      const ids: string[] = []
      for (let i = 0; i < 3; i++)
        ids.push(
          (await client.post('/prompt', { prompt: workThenSave(HOUR), client_id: 'm1' })).body!.prompt_id,
        )
      await socket.until((m) => m.type === 'execution_start' && m.data.prompt_id === ids[0])
      await direct.until((m) => m.type === 'status' && m.data.status.exec_info.queue_remaining === 2)
      const busy = await scrape(url)
      expect(busy.status).toBe(200)
      expect(busy.type).toBe('text/plain; version=0.0.4; charset=utf-8')
      // One running and one pending on the server; the third waits in the gateway.
      expect(value(busy.text, 'comfy_gateway_queue_depth', { server })).toBe(2)
      expect(value(busy.text, 'comfy_gateway_waiting')).toBe(1)
      expect(value(busy.text, 'comfy_gateway_jobs_total', { outcome: 'success' })).toBe(1)

      await client.post('/queue', { clear: true })
      await client.post('/interrupt', { prompt_id: ids[0] })
      await socket.until(done(ids[0]!))
      const { text } = await scrape(url)
      // Prompts removed from the line never ran: they end no job.
      expect(value(text, 'comfy_gateway_jobs_total', { outcome: 'success' })).toBe(1)
      expect(value(text, 'comfy_gateway_jobs_total', { outcome: 'interrupted' })).toBe(1)
      expect(value(text, 'comfy_gateway_jobs_total', { outcome: 'error' })).toBe(0)
      for (const outcome of ['success', 'interrupted']) {
        expect(value(text, 'comfy_gateway_job_duration_seconds_count', { outcome })).toBe(1)
        expect(value(text, 'comfy_gateway_job_duration_seconds_bucket', { outcome, le: '+Inf' })).toBe(1)
        expect(value(text, 'comfy_gateway_job_duration_seconds_bucket', { outcome, le: '1800' })).toBe(1)
        expect(value(text, 'comfy_gateway_job_duration_seconds_sum', { outcome })).toBeGreaterThan(0)
      }
      expect(value(text, 'comfy_gateway_waiting')).toBe(0)
      expect(value(text, 'comfy_gateway_ws_clients')).toBe(1)
      expect(value(text, 'comfy_gateway_server_up', { server })).toBe(1)
      expect(value(text, 'comfy_gateway_ejections_total', { server })).toBe(0)
      expect(value(text, 'comfy_gateway_models_held', { server })).toBe(0)
    } finally {
      socket.close()
      direct.close()
    }
  })

  it('labels servers by id, never by URL or credentials, and counts their ejections', async () => {
    const { url, cluster, balancer } = await startGateway([{}, {}])
    balancer.updateConfig({
      servers: cluster.urls.map((base, i) => ({
        id: `gpu-${i + 1}`,
        url: base.replace('http://', 'http://gw:s3cret@'),
      })),
      probe: { queueMode: 'ws' },
    })
    await balancer.refresh()
    const healthy = await scrape(url)
    expect(value(healthy.text, 'comfy_gateway_server_up', { server: 'gpu-1' })).toBe(1)
    expect(value(healthy.text, 'comfy_gateway_server_up', { server: 'gpu-2' })).toBe(1)
    // Both fail every job: the prompt fails on one (ejected), is rerun on the other, fails there too.
    for (const sim of cluster.sims) sim.setWorkerFault('black-hole')
    const ejected: string[] = []
    balancer.on('ejected', (event) => ejected.push(event.server.id))
    const socket = await listen(url, 'm2')
    try {
      const { prompt_id } = (
        await comfyCalls(url).post('/prompt', { prompt: workThenSave(10), client_id: 'm2' })
      ).body!
      await socket.until(done(prompt_id))
    } finally {
      socket.close()
    }
    // Canaries keep probing the ejected servers meanwhile: count what was emitted around the scrape.
    const before = [...ejected]
    const { text } = await scrape(url)
    const after = [...ejected]
    expect(value(text, 'comfy_gateway_jobs_total', { outcome: 'error' })).toBe(1)
    // It ran twice: once more on the other server after the first run failed.
    expect(value(text, 'comfy_gateway_retries_total', {})).toBe(1)
    expect(before.length).toBeGreaterThan(0)
    for (const { id } of balancer.getSnapshot().servers) {
      const count = value(text, 'comfy_gateway_ejections_total', { server: id })
      expect(count).toBeGreaterThanOrEqual(before.filter((server) => server === id).length)
      expect(count).toBeLessThanOrEqual(after.filter((server) => server === id).length)
    }
    // A black hole stays out: its canaries fail too.
    expect(value(text, 'comfy_gateway_server_up', { server: before[0]! })).toBe(0)
    const servers = new Set(samples(text).flatMap((s) => (s.labels.server ? [s.labels.server] : [])))
    expect([...servers].sort()).toEqual(['gpu-1', 'gpu-2'])
    for (const secret of ['s3cret', 'gw:', '127.0.0.1', '://']) expect(text).not.toContain(secret)
  })

  it('counts the models its prompts loaded from disk, not those found in VRAM', async () => {
    const GB = 1e9
    const spec = {
      catalog: { models: { checkpoints: ['a.safetensors'] } },
      models: { sizes: { 'a.safetensors': 10 * GB }, bytesPerSecond: GB, vramSlots: 1 },
    }
    const { url, balancer } = await startGateway([spec])
    const render = {
      '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a.safetensors' } },
      '2': { class_type: 'SimWork', inputs: { ms: 100, model: ['1', 0] } },
    }
    const socket = await listen(url, 'm4')
    try {
      for (let i = 0; i < 2; i++) {
        const { prompt_id } = (await comfyCalls(url).post('/prompt', { prompt: render, client_id: 'm4' }))
          .body!
        await socket.until(done(prompt_id))
      }
    } finally {
      socket.close()
    }
    const { text } = await scrape(url)
    const server = balancer.getSnapshot().servers[0]!.id
    expect(value(text, 'comfy_gateway_model_loads_total', { server })).toBe(1)
  })

  it('takes a token like every other route on a gateway with tokens', async () => {
    const { url } = await startGateway([{}], { tokens: ['alpha-token', 'beta-token'] })
    expect((await scrape(url)).status).toBe(401)
    expect((await scrape(url, 'wrong')).status).toBe(401)
    // Fleet-wide numbers: any caller's token reads them.
    for (const token of ['alpha-token', 'beta-token']) expect((await scrape(url, token)).status).toBe(200)
  })

  it('keeps each gateway’s metrics in its own registry', async () => {
    const one = await startGateway([{}])
    const two = await startGateway([{}])
    const socket = await listen(one.url, 'm3')
    try {
      const { prompt_id } = (
        await comfyCalls(one.url).post('/prompt', { prompt: workThenSave(10), client_id: 'm3' })
      ).body!
      await socket.until(done(prompt_id))
    } finally {
      socket.close()
    }
    expect(value((await scrape(one.url)).text, 'comfy_gateway_jobs_total', { outcome: 'success' })).toBe(1)
    expect(value((await scrape(two.url)).text, 'comfy_gateway_jobs_total', { outcome: 'success' })).toBe(0)
    expect(globalRegistry.getSingleMetric('comfy_gateway_jobs_total')).toBeUndefined()
  })
})
