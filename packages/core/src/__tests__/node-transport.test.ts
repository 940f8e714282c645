import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createLoadBalancer, silentLogger } from '../index.js'
import { createNodeTransport } from '../node.js'

/** A real HTTP server on 127.0.0.1 answering the two probe endpoints like ComfyUI does. */
async function startFakeComfy(
  queueRemaining: number,
): Promise<{ url: string; server: Server; sockets: () => number }> {
  let sockets = 0
  const server = createServer((request, response) => {
    const body =
      request.url === '/system_stats'
        ? { system: { os: 'linux', comfyui_version: '0.26.0' }, devices: [] }
        : { exec_info: { queue_remaining: queueRemaining } }
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify(body))
  })
  server.on('connection', () => sockets++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server, sockets: () => sockets }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

describe('@comfy-balancer/core/node', () => {
  it('probes real HTTP servers over kept-alive sockets', async () => {
    const busy = await startFakeComfy(4)
    const idle = await startFakeComfy(0)
    servers.push(busy.server, idle.server)
    const transport = createNodeTransport({ connections: 2 })
    const balancer = createLoadBalancer({
      config: { servers: [busy.url, idle.url] },
      fetch: transport.fetch,
      logger: silentLogger,
    })
    for (let i = 0; i < 5; i++) await balancer.refresh()
    expect(await balancer.getOptimalServer()).toBe(idle.url)
    expect(balancer.getSnapshot().servers[0]?.queue).toMatchObject({ running: 1, pending: 3 })
    // Ten requests per server (health + queue, five rounds) over at most two sockets each.
    expect(busy.sockets()).toBeLessThanOrEqual(2)
    expect(idle.sockets()).toBeLessThanOrEqual(2)
    balancer.dispose()
    await transport.close()
  })

  it('reports a refused connection as an unhealthy server', async () => {
    const gone = await startFakeComfy(0)
    await new Promise((resolve) => gone.server.close(resolve))
    const transport = createNodeTransport()
    const balancer = createLoadBalancer({
      config: { servers: [gone.url] },
      fetch: transport.fetch,
      logger: silentLogger,
    })
    const [server] = (await balancer.refresh()).servers
    expect(server?.health).toBe('unhealthy')
    expect(server?.healthReason).toMatch(/ECONNREFUSED/)
    balancer.dispose()
    await transport.close()
  })
})
