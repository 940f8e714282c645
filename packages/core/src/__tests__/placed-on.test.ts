import { describe, expect, it } from 'vitest'
import { createLoadBalancer, silentLogger } from '../index.js'
import { createNodeTransport } from '../node.js'
import { useSimBalancer } from './sim-balancer.js'

/** `result(id, { placedOn })`: following a prompt another balancer (or this app before a restart) placed. */
const startSim = useSimBalancer()
const work = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms } } })

describe('result() with placedOn', () => {
  it('follows a prompt another balancer placed, to its outputs', async () => {
    const { cluster, balancer } = await startSim([{}, {}])
    await balancer.refresh()
    const submission = await balancer.submit(work(2_000), { binding: 'early' })
    const transport = createNodeTransport()
    const other = createLoadBalancer({
      config: { servers: [...cluster.urls], probe: { queueMode: 'ws' } },
      clock: cluster.clock,
      fetch: transport.fetch,
      webSocket: transport.webSocket,
      logger: silentLogger,
    })
    try {
      await other.refresh()
      await expect(other.result(submission.promptId)).rejects.toMatchObject({ code: 'UNKNOWN_JOB' })
      await expect(
        other.result(submission.promptId, { placedOn: { serverId: 'no-such-server' } }),
      ).rejects.toMatchObject({ code: 'UNKNOWN_SERVER' })
      const result = await other.result(submission.promptId, { placedOn: { serverId: submission.serverId } })
      expect(result.serverId).toBe(submission.serverId)
      expect(Object.keys(result.outputs)).toEqual(['1'])
      expect(cluster.sims.flatMap((sim) => sim.log)).toHaveLength(1)
    } finally {
      other.dispose()
      await transport.close()
    }
  })

  it('places a prompt again when its server does not have it, if the caller allows a rerun', async () => {
    const { cluster, balancer } = await startSim([{}, {}])
    await balancer.refresh()
    const serverId = balancer.getSnapshot().servers[0]!.id
    const promptId = '0b7e2f64-1c3a-4d5e-8f90-a1b2c3d4e5f6'
    // Not watched by this balancer: whether it ran there cannot be known, unless the caller says so.
    const other = '2d9e4b86-3e5c-4f70-8b12-c3d4e5f6a7b8'
    await expect(balancer.result(other, { placedOn: { serverId, prompt: work(500) } })).rejects.toMatchObject(
      {
        code: 'JOB_LOST',
      },
    )
    const placedOn = { serverId, prompt: work(500), submit: { rerunIfLost: true } }
    const result = await balancer.result(promptId, { placedOn })
    expect(result.promptId).toBe(promptId)
    expect(cluster.sims.flatMap((sim) => sim.log.map((entry) => entry.promptId))).toEqual([promptId])
  })

  it('calls a prompt seen running, that its server no longer has, lost rather than run it twice', async () => {
    const { balancer } = await startSim([{}])
    await balancer.refresh()
    const serverId = balancer.getSnapshot().servers[0]!.id
    const promptId = '1c8f3a75-2d4b-4e6f-9a01-b2c3d4e5f6a7'
    await expect(
      balancer.result(promptId, { placedOn: { serverId, prompt: work(500), started: true } }),
    ).rejects.toMatchObject({ code: 'JOB_LOST' })
  })
})
