import { describe, expect, it } from 'vitest'
import { useSimBalancer } from './sim-balancer.js'

/** `beforePost`: a step before each POST on the chosen server (a proxy's uploads), with failover. */
const startSim = useSimBalancer()
const work = { '1': { class_type: 'SimWork', inputs: { ms: 100 } } }

describe('beforePost', () => {
  it('runs on the chosen server before the prompt is posted there', async () => {
    const { cluster, balancer } = await startSim([{}])
    await balancer.refresh()
    const calls: Array<{ id: string; base: string; queuedThen: number }> = []
    const result = await balancer.run(work, {
      beforePost: async ({ id, target }) => {
        calls.push({ id, base: target.base, queuedThen: cluster.sims[0]!.model.log.length })
      },
    })
    expect(calls).toEqual([{ id: result.serverId, base: cluster.urls[0], queuedThen: 0 }])
  })

  it('moves the prompt to another server when it fails there, and says why', async () => {
    const { cluster, balancer } = await startSim([{}, {}])
    await balancer.refresh()
    const tried: string[] = []
    const result = await balancer.run(work, {
      binding: 'early',
      beforePost: async ({ id, target }) => {
        tried.push(id)
        if (tried.length === 1) throw new Error(`upload to ${target.base} failed: disk full`)
      },
    })
    expect(tried).toHaveLength(2)
    expect(result.serverId).toBe(tried[1])
    expect(new Set(tried).size).toBe(2)
    // Nothing reached the server it failed on.
    const failedOn = cluster.sims[balancer.getSnapshot().servers.findIndex((s) => s.id === tried[0])]!
    expect(failedOn.model.log).toHaveLength(0)
  })
})
