import { describe, expect, it } from 'vitest'
import { simWork } from '../../__tests__/fixtures'
import { startSimCluster } from '../cluster'
import { startComfySim } from '../server'
import { postJson, WsClient } from './helpers'

describe('startSimCluster', () => {
  it('starts one server per spec on one scaled clock, and closes them all', async () => {
    const cluster = await startSimCluster([{ speed: 1 }, { speed: 4, name: 'fast' }], {
      timeScale: 0.01,
      cors: true,
    })
    try {
      expect(cluster.sims.map((sim) => sim.name)).toEqual(['sim-1', 'fast'])
      expect(new Set(cluster.urls).size).toBe(2)
      expect(cluster.sim('fast')).toBe(cluster.sims[1])
      expect(cluster.sim(cluster.urls[0]!)).toBe(cluster.sims[0])
      expect(() => cluster.sim('nope')).toThrow(/no server named or at "nope"/)
      for (const sim of cluster.sims) {
        expect(sim.clock).toBe(cluster.clock)
        expect(sim.state().timeScale).toBe(0.01)
      }
      // The same 400 ms of work takes 400 simulated ms on sim-1 and 100 on fast.
      const runs = cluster.sims.map(async (sim) => {
        const ws = await WsClient.open(`${sim.wsUrl}?clientId=lb`)
        await postJson(`${sim.url}/prompt`, { prompt: simWork(400), client_id: 'lb' })
        await ws.until((message) => message.type === 'executing' && message.data.node === null)
        await ws.close()
        const [entry] = sim.log
        return entry!.endedAt! - entry!.startedAt
      })
      const [slow, fast] = await Promise.all(runs)
      expect(slow).toBeGreaterThanOrEqual(400)
      expect(fast).toBeGreaterThanOrEqual(100)
      expect(fast!).toBeLessThan(slow!)
      const response = await fetch(`${cluster.urls[1]}/prompt`)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
    } finally {
      await cluster.close()
    }
    await expect(fetch(`${cluster.urls[0]}/prompt`)).rejects.toThrow(TypeError)
  })

  it('closes the servers it started when one of them cannot start', async () => {
    const taken = await startComfySim()
    try {
      await expect(startSimCluster([{ name: 'a' }, { name: 'b', port: taken.port }])).rejects.toMatchObject({
        code: 'EADDRINUSE',
      })
      await expect(startSimCluster([{ name: 'a' }, { name: 'a' }])).rejects.toThrow(/appears twice/)
    } finally {
      await taken.close()
    }
  })
})
