import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createNodeTransport } from '@comfy-balancer/core/node'
import { startSimCluster } from '@comfy-balancer/testkit/sim'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway } from '../index.js'
import { comfyCalls, type Loose, listen, workThenSave } from './client-calls.js'

/**
 * A gateway with a data directory is stopped while its prompts run, wait on a server's queue and
 * wait in the gateway, and a new one starts on the same directory: nothing is lost or run twice,
 * and a client that reconnects gets every result.
 */
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('a gateway restarted mid-run', () => {
  it('follows every prompt again: none lost, none run twice, history kept', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-restart-'))
    dirs.push(dataDir)
    const cluster = await startSimCluster([{}], { timeScale: 0.05 })
    const transport = createNodeTransport()
    const start = async () => {
      const balancer = createLoadBalancer({
        config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
        clock: cluster.clock,
        fetch: transport.fetch,
        webSocket: transport.webSocket,
        logger: silentLogger,
      })
      const lines: string[] = []
      const gateway = createGateway({ balancer, port: 0, dataDir, log: (line) => lines.push(line) })
      const url = await gateway.listen()
      await balancer.refresh()
      return { balancer, gateway, url, lines }
    }
    try {
      const first = await start()
      const before = await listen(first.url, 'r1')
      const client = comfyCalls(first.url)
      const ids: string[] = []
      // Already finished, then one running, one on the server's queue, one waiting in the gateway.
      for (const ms of [100, 20_000, 20_000, 20_000]) {
        ids.push(
          (await client.post('/prompt', { prompt: workThenSave(ms), client_id: 'r1' })).body!.prompt_id,
        )
        if (ms === 100)
          await before.until(
            (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === ids[0],
          )
      }
      await before.until((m) => m.type === 'execution_start' && m.data.prompt_id === ids[1])
      // One on the server's queue behind it, one still waiting in the gateway for a server.
      expect(first.balancer.ownerOf(ids[2]!)).toBe(first.balancer.ownerOf(ids[1]!))
      expect(first.balancer.ownerOf(ids[3]!)).toBeUndefined()
      before.close()
      await first.gateway.close()
      first.balancer.dispose()

      const second = await start()
      const after = await listen(second.url, 'r1')
      const again = comfyCalls(second.url)
      const history = async () => (await again.get('/history')).body as Record<string, Loose>
      let seen = 0
      while (Object.keys(await history()).length < ids.length) {
        // Each prompt that ends sends its messages to r1: wait for the next one, then look again.
        const count = after.messages.length
        if (count === seen) await after.until(() => after.messages.length > count)
        seen = after.messages.length
      }
      after.close()
      const entries = await history()
      expect(Object.keys(entries).sort()).toEqual([...ids].sort())
      for (const id of ids) expect(entries[id].status.status_str).toBe('success')
      // The number counter went on where it stopped.
      expect((await again.post('/prompt', { prompt: workThenSave(10) })).body!.number).toBe(4)
      const runs = cluster.sims[0]!.log
      expect(runs.filter((run) => ids.includes(run.promptId)).map((run) => run.outcome)).toEqual([
        'success',
        'success',
        'success',
        'success',
      ])
      expect(new Set(runs.map((run) => run.promptId)).size).toBe(runs.length)
      expect(second.lines.some((line) => /4 prompts restored, 3 followed again/.test(line))).toBe(true)
      await second.gateway.close()
      second.balancer.dispose()
    } finally {
      await transport.close()
      await cluster.close()
    }
  })
})
