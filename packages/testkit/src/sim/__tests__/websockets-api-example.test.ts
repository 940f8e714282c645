import { afterEach, describe, expect, it } from 'vitest'
import { runExampleClient } from '../example-client'
import { type ComfySim, startComfySim } from '../server'

/**
 * A client written the way ComfyUI's own `script_examples/websockets_api_example.py` is (see
 * `runExampleClient`). The simulator is held to what such existing clients need.
 */
const sims: ComfySim[] = []
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()))
})

describe("a client written like ComfyUI's websockets_api_example.py", () => {
  it('queues the example graph, follows /ws to the end, and fetches the saved image', async () => {
    const sim = await startComfySim({ timeScale: 0.01, defaultWorkMs: 2_000 })
    sims.push(sim)
    const run = await runExampleClient(sim.url)
    // One SaveImage output, one PNG.
    expect(Object.keys(run.images)).toEqual(['9'])
    expect(run.images['9']).toHaveLength(1)
    expect(run.images['9']![0]!.subarray(1, 4).toString()).toBe('PNG')
    expect(run.messageTypes[0]).toBe('execution_start')
    expect(run.messageTypes.at(-1)).toBe('executing')
  })
})
