import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import { ID_A, ID_B, loadAndSave } from './fixtures'

function setup() {
  const clock = createTestClock(1_750_000_000_000)
  return { clock, model: createComfyModel({ clock, defaultWorkMs: 1_000 }) }
}

describe('worker faults', () => {
  it('a black hole answers the POST, then fails every job at its first node at once', async () => {
    const { clock, model } = setup()
    model.setWorkerFault('black-hole')
    expect(model.submit({ prompt: loadAndSave(), prompt_id: ID_A }).status).toBe(200)
    expect(model.submit({ prompt: loadAndSave(), prompt_id: ID_B }).status).toBe(200)
    await clock.advance(0)
    expect(model.log.map((e) => [e.promptId, e.outcome])).toEqual([
      [ID_A, 'error'],
      [ID_B, 'error'],
    ])
    expect(model.history(ID_A)[ID_A]?.status.status_str).toBe('error')
    expect(model.queueRemaining).toBe(0)
  })

  it('a stall keeps the running job where it is until cleared, then it finishes', async () => {
    const { clock, model } = setup()
    model.setWorkerFault('stall')
    model.submit({ prompt: loadAndSave(), prompt_id: ID_A })
    await clock.advance(60_000)
    expect(model.queueRemaining).toBe(1)
    expect(model.log[0]?.outcome).toBeUndefined()
    expect(model.workerFault).toBe('stall')
    model.setWorkerFault(undefined)
    await clock.advance(0)
    expect(model.log[0]?.outcome).toBe('success')
    expect(model.queueRemaining).toBe(0)
  })
})
