import { describe, expect, it } from 'vitest'
import { simWork } from '../../__tests__/fixtures'
import { createTestClock } from '../../clock'
import { startSimCluster } from '../cluster'
import { startComfySim } from '../server'
import { postJson } from './helpers'

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
      const response = await fetch(`${cluster.urls[1]}/prompt`)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
    } finally {
      await cluster.close()
    }
    await expect(fetch(`${cluster.urls[0]}/prompt`)).rejects.toThrow(TypeError)
  })

  it('runs each server at its own speed on the shared clock (a test clock: exact, no wall time)', async () => {
    const clock = createTestClock(0)
    const cluster = await startSimCluster([{ speed: 1 }, { speed: 4, name: 'fast' }], { clock })
    try {
      // The same 400 ms of work takes 400 simulated ms on sim-1 and 100 on fast.
      for (const sim of cluster.sims) await postJson(`${sim.url}/prompt`, { prompt: simWork(400) })
      await clock.advance(100)
      expect(cluster.sims.map((sim) => sim.log[0]?.outcome)).toEqual([undefined, 'success'])
      await clock.advance(300)
      expect(cluster.sims.map((sim) => sim.log[0]!.endedAt! - sim.log[0]!.startedAt)).toEqual([400, 100])
    } finally {
      await cluster.close()
    }
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
