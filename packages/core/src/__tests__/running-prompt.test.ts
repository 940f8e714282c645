import { parseBinaryFrame } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import type { PushedMessage } from '../index.js'
import { runningAfter } from '../ws/running-prompt.js'
import { useSimBalancer } from './sim-balancer.js'
import { until, waitFor } from './sim-waits.js'

const startSim = useSimBalancer()

describe('runningAfter: which prompt a server runs, for its binary preview frames', () => {
  it('learns it from execution_start, a node starting or a step, and forgets it when that prompt ends', () => {
    expect(runningAfter(undefined, 'execution_start', 'p', {})).toBe('p')
    expect(runningAfter(undefined, 'executing', 'p', { node: '3' })).toBe('p')
    // After a reconnect the socket hears only the node's steps until the next node starts.
    expect(runningAfter(undefined, 'progress', 'p', { value: 3, max: 20, node: '3' })).toBe('p')
    expect(runningAfter(undefined, 'progress_state', 'p', { nodes: {} })).toBe('p')
    expect(runningAfter('p', 'executed', 'p', { node: '3' })).toBe('p')
    expect(runningAfter('p', 'execution_success', 'p', {})).toBeUndefined()
    expect(runningAfter('p', 'executing', 'p', { node: null })).toBeUndefined()
    // Another prompt's end does not end this one's run.
    expect(runningAfter('p', 'execution_error', 'q', {})).toBe('p')
  })

  it('keeps relaying previews of the running node after the socket reconnected mid-node', async () => {
    const { cluster, balancer } = await startSim([{ previews: { steps: 20 } }])
    const sim = cluster.sims[0]!
    await balancer.refresh()
    await until(balancer, () => sim.wsClients === 1)
    const messages: PushedMessage[] = []
    const run = balancer.run(
      { '1': { class_type: 'SimWork', inputs: { ms: 20_000 } } },
      { messages: true, onEvent: (event) => event.type === 'message' && messages.push(event.message) },
    )
    await waitFor(() => messages.some((message) => message.kind === 'binary'))
    // A cut cable: the socket drops and reconnects while the node goes on running.
    await sim.down({ forMs: 300 })
    const cut = messages.length
    await waitFor(() => sim.wsClients === 1)
    const result = await run
    const after = messages.slice(cut)
    const steps = after.filter((message) => message.kind === 'json' && message.type === 'progress')
    const previews = after.filter((message) => message.kind === 'binary')
    expect(steps.length).toBeGreaterThan(5)
    // Each step heard after the reconnect brought its preview, credited to the job.
    expect(previews).toHaveLength(steps.length)
    for (const preview of previews)
      if (preview.kind === 'binary') expect(parseBinaryFrame(preview.bytes).type).toBe(1)
    expect(result.outputs['1']).toBeDefined()
  })
})
