import { describe, expect, it } from 'vitest'
import type { JobEvent, PushedMessage } from '../index.js'
import { useSimBalancer } from './sim-balancer.js'
import { until } from './sim-waits.js'

/** `run(prompt, { messages: true, onEvent })` relays what the job's server pushed, as it came. */
const startSim = useSimBalancer()
const work = (ms: number) => ({ '1': { class_type: 'SimWork', inputs: { ms, steps: 4 } } })

describe('pushed messages of a job (messages: true)', () => {
  it('passes every message about the job, in order, under its prompt id', async () => {
    const { cluster, balancer } = await startSim([{}, {}])
    await balancer.refresh()
    await until(balancer, () => cluster.sims.every((sim) => sim.wsClients === 1))
    const messages: PushedMessage[] = []
    const other: JobEvent[] = []
    const result = await balancer.run(work(2_000), {
      messages: true,
      onEvent: (event) => (event.type === 'message' ? messages.push(event.message) : other.push(event)),
    })
    const types = messages.map((m) => (m.kind === 'json' ? m.type : 'binary'))
    expect(types[0]).toBe('execution_start')
    expect(types).toContain('progress')
    // ComfyUI pushes `executing` with node null after execution_success; the result may come first.
    expect(types.filter((t) => t === 'executed')).toHaveLength(1)
    expect(types.indexOf('execution_success')).toBeGreaterThan(types.indexOf('executed'))
    for (const message of messages)
      if (message.kind === 'json') expect(message.data.prompt_id).toBe(result.promptId)
    // The plain events still come, once each.
    expect(other.filter((e) => e.type === 'started')).toHaveLength(1)
  })

  it('passes none to a caller that did not ask for them', async () => {
    const { cluster, balancer } = await startSim([{}])
    await balancer.refresh()
    await until(balancer, () => cluster.sims[0]!.wsClients === 1)
    const events: JobEvent[] = []
    await balancer.run(work(500), { onEvent: (event) => events.push(event) })
    expect(events.some((e) => e.type === 'message')).toBe(false)
    expect(events.some((e) => e.type === 'started')).toBe(true)
  })
})
