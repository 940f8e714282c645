import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import type { HistoryEntry } from '../model/comfy-types'
import { HistoryStore, MAXIMUM_HISTORY_SIZE } from '../model/history-store'
import { ID_A, ID_B, ID_C, loadAndSave, simWork } from './fixtures'

function setup() {
  const clock = createTestClock(1_750_000_000_000)
  return { clock, model: createComfyModel({ clock, defaultWorkMs: 1500 }) }
}

describe('ComfyModel history and job lifecycle', () => {
  it('writes the ComfyUI history entry after success', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: loadAndSave(), prompt_id: ID_A, client_id: 'lb-a' })
    await clock.advance(1500)
    const t0 = 1_750_000_000_000
    expect(model.history(ID_A)).toEqual({
      [ID_A]: {
        prompt: [0, ID_A, loadAndSave(), { client_id: 'lb-a', create_time: t0 }, ['2']],
        outputs: { '2': { images: [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }] } },
        status: {
          status_str: 'success',
          completed: true,
          messages: [
            ['execution_start', { prompt_id: ID_A, timestamp: t0 }],
            ['execution_cached', { nodes: [], prompt_id: ID_A, timestamp: t0 }],
            ['execution_success', { prompt_id: ID_A, timestamp: t0 + 1500 }],
          ],
        },
        meta: { '2': { node_id: '2', display_node: '2', parent_node: null, real_node_id: '2' } },
      },
    })
    expect(model.jobStatus(ID_A)).toMatchObject({
      id: ID_A,
      status: 'completed',
      priority: 0,
      create_time: t0,
      execution_start_time: t0,
      execution_end_time: t0 + 1500,
      outputs_count: 1,
      preview_output: { filename: 'ComfyUI_00001_.png', nodeId: '2', mediaType: 'images' },
    })
    expect(model.files.has('ComfyUI_00001_.png', '', 'output')).toBe(true)
  })

  it('returns copies, so callers cannot edit the server state', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: loadAndSave(), prompt_id: ID_A })
    await clock.advance(1500)
    const copy = model.history(ID_A)[ID_A]!
    copy.outputs = {}
    expect(model.history(ID_A)[ID_A]!.outputs).not.toEqual({})
  })

  it('records a SimWork failure as an execution_error', async () => {
    const { clock, model } = setup()
    const prompt = { ...loadAndSave(), '3': { class_type: 'SimWork', inputs: { ms: 10, fail: true } } }
    model.submit({ prompt, prompt_id: ID_A })
    await clock.advance(10)
    const entry = model.history(ID_A)[ID_A]!
    expect(entry.status.status_str).toBe('error')
    expect(entry.status.completed).toBe(false)
    expect(entry.status.messages.map(([event]) => event)).toEqual([
      'execution_start',
      'execution_cached',
      'execution_error',
    ])
    expect(entry.status.messages[2]![1]).toMatchObject({
      node_id: '3',
      node_type: 'SimWork',
      exception_type: 'RuntimeError',
    })
    expect(model.jobStatus(ID_A)).toMatchObject({ status: 'failed', execution_error: { node_id: '3' } })
    expect(model.log[0]!.outcome).toBe('error')
  })

  it('interrupts the running job only when the id matches or none is given', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: simWork(1000), prompt_id: ID_A })
    model.submit({ prompt: simWork(1000), prompt_id: ID_B })
    await clock.advance(100)
    expect(model.interrupt(ID_B)).toBe(false)
    expect(model.interrupt(ID_A)).toBe(true)
    const entry = model.history(ID_A)[ID_A]!
    expect(entry.status).toMatchObject({ status_str: 'error', completed: false })
    expect(entry.status.messages.at(-1)).toEqual([
      'execution_interrupted',
      { prompt_id: ID_A, node_id: '1', node_type: 'SimWork', executed: [], timestamp: clock.now() },
    ])
    expect(model.jobStatus(ID_A)).toMatchObject({ status: 'cancelled' })
    // The next job starts at once and runs its full time.
    expect(model.jobStatus(ID_B)).toMatchObject({ status: 'in_progress' })
    expect(model.interrupt()).toBe(true)
    expect(model.interrupt()).toBe(false)
    expect(model.log.map((entry) => entry.outcome)).toEqual(['interrupted', 'interrupted'])
  })

  it('tells pending, in_progress, completed and unknown apart in jobStatus', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: simWork(100), prompt_id: ID_A })
    model.submit({
      prompt: simWork(100),
      prompt_id: ID_B,
      extra_data: { extra_pnginfo: { workflow: { id: 'wf' } } },
    })
    expect(model.jobStatus(ID_A)).toEqual({
      id: ID_A,
      status: 'in_progress',
      priority: 0,
      create_time: clock.now(),
      outputs_count: 0,
    })
    expect(model.jobStatus(ID_B)).toMatchObject({ status: 'pending', priority: 1, workflow_id: 'wf' })
    expect(model.jobStatus(ID_C)).toBeUndefined()
    await clock.advance(100)
    expect(model.jobStatus(ID_A)).toMatchObject({ status: 'completed' })
  })

  it('loses queue, running job and history on crash, and restarts the counter', async () => {
    const { clock, model } = setup()
    model.submit({ prompt: simWork(100), prompt_id: ID_A })
    await clock.advance(100)
    model.submit({ prompt: simWork(100), prompt_id: ID_B })
    model.submit({ prompt: simWork(100), prompt_id: ID_C })
    await clock.advance(50)
    model.crash()
    expect(model.queueRemaining).toBe(0)
    expect(model.history()).toEqual({})
    expect(model.jobStatus(ID_A)).toBeUndefined()
    expect(clock.pendingTimers()).toBe(0)
    expect(model.log.map((entry) => entry.outcome)).toEqual(['success', 'lost'])
    expect(model.submit({ prompt: simWork(100) }).body).toMatchObject({ number: 0 })
    // Files are on disk, so /view still finds the first job's image.
    expect(model.files.has('ComfyUI_00001_.png', '', 'output')).toBe(true)
  })

  it('pages history like server.py: newest max_items, or from offset', async () => {
    const { clock, model } = setup()
    for (const id of [ID_A, ID_B, ID_C]) model.submit({ prompt: simWork(1), prompt_id: id })
    await clock.advance(10)
    expect(Object.keys(model.history())).toEqual([ID_A, ID_B, ID_C])
    expect(Object.keys(model.history({ maxItems: 2 }))).toEqual([ID_B, ID_C])
    expect(Object.keys(model.history({ offset: 1 }))).toEqual([ID_B, ID_C])
    expect(Object.keys(model.history({ offset: 0, maxItems: 1 }))).toEqual([ID_A])
    expect(Object.keys(model.history({ maxItems: 10 }))).toEqual([ID_A, ID_B, ID_C])
  })

  it('caps history like task_done: the oldest goes once more than the cap are held', () => {
    const store = new HistoryStore()
    const entry = {} as HistoryEntry
    for (let i = 0; i <= MAXIMUM_HISTORY_SIZE + 1; i++) store.add(`id-${i}`, entry)
    expect(store.size).toBe(MAXIMUM_HISTORY_SIZE + 1)
    expect(store.get('id-0')).toBeUndefined()
    expect(store.get('id-1')).toBeDefined()
  })

  it('reports the 0.26.0 system_stats shape with one CUDA device', () => {
    const clock = createTestClock()
    const stats = createComfyModel({ clock, version: '0.27.1' }).systemStats()
    expect(stats.system.comfyui_version).toBe('0.27.1')
    expect(Object.keys(stats.system)).toEqual([
      'os',
      'ram_total',
      'ram_free',
      'comfyui_version',
      'required_frontend_version',
      'installed_templates_version',
      'required_templates_version',
      'comfy_package_versions',
      'python_version',
      'pytorch_version',
      'embedded_python',
      'deploy_environment',
      'argv',
    ])
    expect(stats.devices).toHaveLength(1)
    expect(stats.devices[0]).toMatchObject({ type: 'cuda', index: 0 })
  })
})
