import { runExampleClient, startComfySim } from '@comfy-balancer/testkit/sim'
import { describe, expect, it } from 'vitest'
import { useGateway } from './gateway-harness.js'

/**
 * ComfyUI's own `websockets_api_example.py` way of using the API, unchanged, against the gateway
 * over four simulated servers — and, for comparison, against one simulated server directly.
 */
const startGateway = useGateway()

describe("a client written like ComfyUI's websockets_api_example.py, through the gateway", () => {
  it('runs the example graph and gets the same kind of answer as from one server', async () => {
    const { url, cluster } = await startGateway()
    const direct = await startComfySim({ timeScale: 0.05, defaultWorkMs: 2_000 })
    try {
      const alone = await runExampleClient(direct.url)
      const through = await runExampleClient(url)
      expect(Object.keys(through.images)).toEqual(Object.keys(alone.images))
      expect(through.images['9']).toHaveLength(1)
      expect(through.images['9']![0]!.subarray(1, 4).toString()).toBe('PNG')
      // The messages a client sees, in the order one ComfyUI sends them.
      expect(through.messageTypes).toEqual(alone.messageTypes)
      // It ran on exactly one of the four servers.
      const ran = cluster.sims.filter((sim) => sim.model.log.length > 0)
      expect(ran).toHaveLength(1)
    } finally {
      await direct.close()
    }
  })

  it('keeps each client to its own messages when several run at once', async () => {
    const { url, cluster } = await startGateway()
    const runs = await Promise.all([1, 2, 3, 4, 5, 6].map(() => runExampleClient(url)))
    const ids = new Set(runs.map((run) => run.promptId))
    expect(ids.size).toBe(6)
    for (const run of runs) expect(run.messageTypes.filter((t) => t === 'execution_start')).toHaveLength(1)
    // Spread over the fleet, not all on one server.
    expect(cluster.sims.filter((sim) => sim.model.log.length > 0).length).toBeGreaterThan(1)
  })
})
