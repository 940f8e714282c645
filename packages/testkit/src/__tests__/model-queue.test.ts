import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import { ID_A, ID_B, ID_C, loadAndSave, simWork } from './fixtures'

function setup(options: { speed?: number; defaultWorkMs?: number } = {}) {
  const clock = createTestClock(0)
  const model = createComfyModel({ clock, ...options })
  return { clock, model }
}

describe('ComfyModel worker and queue', () => {
  it('runs one job at a time, FIFO, with run time divided by speed', async () => {
    const { clock, model } = setup({ speed: 2 })
    model.submit({ prompt: simWork(300), prompt_id: ID_A })
    model.submit({ prompt: simWork(300), prompt_id: ID_B })
    expect(model.queueRemaining).toBe(2)
    expect(model.queueSnapshot().queue_running.map((item) => item[1])).toEqual([ID_A])
    expect(model.queueSnapshot().queue_pending.map((item) => item[1])).toEqual([ID_B])

    await clock.advance(149)
    expect(model.history(ID_A)).toEqual({})
    await clock.advance(1)
    expect(Object.keys(model.history(ID_A))).toEqual([ID_A])
    expect(model.queueRemaining).toBe(1)
    await clock.advance(150)
    expect(model.queueRemaining).toBe(0)
    expect(model.log).toEqual([
      { promptId: ID_A, startedAt: 0, endedAt: 150, outcome: 'success' },
      { promptId: ID_B, startedAt: 150, endedAt: 300, outcome: 'success' },
    ])
  })

  it('sums SimWork nodes and uses defaultWorkMs for prompts without one', async () => {
    const { clock, model } = setup({ defaultWorkMs: 40 })
    const twoNodes = { ...simWork(100), '2': { class_type: 'SimWork', inputs: { ms: 50 } } }
    model.submit({ prompt: twoNodes, prompt_id: ID_A })
    model.submit({ prompt: loadAndSave(), prompt_id: ID_B })
    await clock.advance(1000)
    expect(model.log.map((entry) => [entry.startedAt, entry.endedAt])).toEqual([
      [0, 150],
      [150, 190],
    ])
  })

  it('finishes a zero-work job on the next advance, never inside submit', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: loadAndSave(), prompt_id: ID_A })
    expect(model.queueRemaining).toBe(1)
    expect(model.history(ID_A)).toEqual({})
    await clock.advance(0)
    expect(model.queueRemaining).toBe(0)
    expect(model.log[0]).toMatchObject({ startedAt: 0, endedAt: 0, outcome: 'success' })
  })

  it('numbers prompts from 0 per process, puts `front` first and honours an explicit number', async () => {
    const { clock, model } = setup()
    const first = model.submit({ prompt: simWork(100), prompt_id: ID_A })
    expect(first.body).toMatchObject({ number: 0 })
    model.submit({ prompt: simWork(10) }) // number 1
    const front = model.submit({ prompt: simWork(10), prompt_id: ID_B, front: true })
    expect(front.body).toMatchObject({ number: -2 })
    const explicit = model.submit({ prompt: simWork(10), prompt_id: ID_C, number: '-5' })
    expect(explicit.body).toMatchObject({ number: -5 })
    // An explicit number does not advance the counter.
    expect(model.submit({ prompt: simWork(10) }).body).toMatchObject({ number: 3 })
    const pending = model.queueSnapshot().queue_pending.map((item) => item[0])
    expect(pending).toEqual([-5, -2, 1, 3])
    await clock.advance(1000)
    expect(model.log.map((entry) => entry.promptId).slice(0, 3)).toEqual([ID_A, ID_C, ID_B])
  })

  it('orders equal numbers by prompt_id, like the heap', () => {
    const { model } = setup()
    model.submit({ prompt: simWork(100) })
    model.submit({ prompt: simWork(1), prompt_id: ID_B, number: 7 })
    model.submit({ prompt: simWork(1), prompt_id: ID_A, number: 7 })
    expect(model.queueSnapshot().queue_pending.map((item) => item[1])).toEqual([ID_A, ID_B])
  })

  it('shows 5-tuples with client_id and create_time in /queue', async () => {
    const { clock, model } = setup()
    await clock.advance(1234)
    model.submit({ prompt: loadAndSave(), prompt_id: ID_A, client_id: 'lb-a', extra_data: { note: 1 } })
    expect(model.queueSnapshot()).toEqual({
      queue_running: [[0, ID_A, loadAndSave(), { note: 1, client_id: 'lb-a', create_time: 1234 }, ['2']]],
      queue_pending: [],
    })
  })

  it('deletes and clears pending jobs only', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: simWork(100), prompt_id: ID_A })
    model.submit({ prompt: simWork(100), prompt_id: ID_B })
    model.submit({ prompt: simWork(100), prompt_id: ID_C })
    expect(model.deleteQueued([ID_A, ID_B, 'unknown'])).toBe(1)
    expect(model.queueRemaining).toBe(2)
    model.clearQueue()
    expect(model.queueRemaining).toBe(1)
    await clock.advance(1000)
    expect(model.log.map((entry) => entry.promptId)).toEqual([ID_A])
    expect(model.history(ID_B)).toEqual({})
  })

  it('dispose cancels its timers', () => {
    const { clock, model } = setup()
    model.submit({ prompt: simWork(100) })
    expect(clock.pendingTimers()).toBe(1)
    model.dispose()
    expect(clock.pendingTimers()).toBe(0)
  })

  it('rejects a non-positive speed', () => {
    expect(() => setup({ speed: 0 })).toThrow(RangeError)
  })
})
