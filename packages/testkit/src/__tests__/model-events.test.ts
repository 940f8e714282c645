import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import type { ModelEvent } from '../model/types'
import { ID_A, ID_B, loadAndSave, simWork } from './fixtures'

function setup() {
  const clock = createTestClock(0)
  const model = createComfyModel({ clock })
  const events: ModelEvent[] = []
  const unsubscribe = model.onEvent((event) => events.push(event))
  return { clock, model, events, unsubscribe }
}

const status = (remaining: number): ModelEvent => ({
  type: 'status',
  data: { status: { exec_info: { queue_remaining: remaining } } },
})

describe('ComfyModel events', () => {
  it('emits one job in the WebSocket order of comfyui-api.md section 7', async () => {
    const { clock, model, events } = setup()
    const prompt = { ...loadAndSave(), '3': { class_type: 'SimWork', inputs: { ms: 100, images: ['1', 0] } } }
    model.submit({ prompt, prompt_id: ID_A, client_id: 'lb' })
    await clock.advance(100)
    const file = (n: number) => ({
      images: [{ filename: `ComfyUI_0000${n}_.png`, subfolder: '', type: 'output' }],
    })
    const to = (type: string, data: unknown): ModelEvent => ({ type, data, clientId: 'lb' })
    expect(events).toEqual([
      status(1),
      status(1),
      to('execution_start', { prompt_id: ID_A, timestamp: 0 }),
      to('execution_cached', { nodes: [], prompt_id: ID_A, timestamp: 0 }),
      to('executing', { node: '1', display_node: '1', prompt_id: ID_A }),
      to('executing', { node: '2', display_node: '2', prompt_id: ID_A }),
      to('executed', { node: '2', display_node: '2', output: file(1), prompt_id: ID_A }),
      to('executing', { node: '3', display_node: '3', prompt_id: ID_A }),
      to('progress', { value: 1, max: 1, prompt_id: ID_A, node: '3' }),
      to('executed', { node: '3', display_node: '3', output: file(2), prompt_id: ID_A }),
      to('execution_success', { prompt_id: ID_A, timestamp: 100 }),
      status(0),
      to('executing', { node: null, prompt_id: ID_A }),
    ])
  })

  it('sends only broadcasts for a job without client_id', async () => {
    const { clock, model, events } = setup()
    model.submit({ prompt: simWork(10), prompt_id: ID_A })
    model.submit({ prompt: simWork(10), prompt_id: ID_B })
    await clock.advance(5)
    model.interrupt()
    expect(events.map((event) => [event.type, event.clientId])).toEqual([
      ['status', undefined],
      ['status', undefined],
      ['status', undefined],
      ['execution_interrupted', undefined],
      ['status', undefined],
      ['status', undefined],
    ])
  })

  it('ends a failed job with execution_error, then status, then executing null', async () => {
    const { clock, model, events } = setup()
    model.submit({ prompt: simWork(10, { fail: true }), prompt_id: ID_A, client_id: 'lb' })
    await clock.advance(10)
    expect(events.slice(-3).map((event) => event.type)).toEqual(['execution_error', 'status', 'executing'])
  })

  it('sends status twice when the last pending item is deleted, as delete_queue_item does', () => {
    const { model, events } = setup()
    model.submit({ prompt: simWork(10), prompt_id: ID_A })
    model.submit({ prompt: simWork(10), prompt_id: ID_B })
    events.length = 0
    model.deleteQueued([ID_B])
    expect(events).toEqual([status(1), status(1)])
  })

  it('gives listeners copies, so editing an event cannot change history', async () => {
    const { clock, model, events } = setup()
    model.submit({ prompt: simWork(10), prompt_id: ID_A, client_id: 'lb' })
    await clock.advance(10)
    const executed = events.find((event) => event.type === 'executed')!.data as {
      output: { images: unknown[] }
    }
    executed.output.images.length = 0
    expect(model.history(ID_A)[ID_A]!.outputs['1']).toEqual({
      images: [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }],
    })
  })

  it('stops sending after unsubscribe and survives a throwing listener', async () => {
    const { clock, model, events, unsubscribe } = setup()
    const errors: unknown[] = []
    const onError = (error: unknown) => errors.push(error)
    process.on('uncaughtException', onError)
    try {
      model.onEvent(() => {
        throw new Error('listener bug')
      })
      unsubscribe()
      model.submit({ prompt: simWork(10), prompt_id: ID_A })
      await clock.advance(10)
    } finally {
      process.off('uncaughtException', onError)
    }
    expect(events).toEqual([])
    expect(model.log[0]!.outcome).toBe('success')
    expect(errors.length).toBeGreaterThan(0)
  })
})
