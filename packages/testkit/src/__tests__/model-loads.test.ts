import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import { createComfyModel } from '../model/comfy-model'
import type { ModelEvent } from '../model/types'

const GB = 1e9
const SIZES = { 'a.safetensors': 2.6 * GB, 'b.safetensors': 1.3 * GB, 'c.safetensors': 3.9 * GB }
const CHECKPOINTS = Object.keys(SIZES)

/** A loader feeding `SimWork`: the loader runs first and pays its load time. */
function render(ckpt: string, ms = 1_000) {
  return {
    '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
    '2': { class_type: 'SimWork', inputs: { ms, model: ['1', 0] } },
  }
}

function setup(vramSlots: number, speed = 1) {
  const clock = createTestClock(0)
  const model = createComfyModel({
    clock,
    speed,
    catalog: { models: { checkpoints: CHECKPOINTS } },
    models: { sizes: SIZES, bytesPerSecond: 1.3 * GB, vramSlots },
  })
  const events: ModelEvent[] = []
  model.onEvent((event) => events.push(event))
  return { clock, model, events }
}

async function runAll(clock: ReturnType<typeof createTestClock>, model: ReturnType<typeof createComfyModel>) {
  await clock.advance(60_000)
  return model.log.map((entry) => [entry.endedAt! - entry.startedAt, entry.loads ?? []])
}

describe('model loads, VRAM and the output cache', () => {
  it('pays size ÷ disk speed inside the loader, not divided by the GPU speed', async () => {
    const { clock, model } = setup(1, 2)
    model.submit({ prompt: render('a.safetensors') })
    // 2.6 GB at 1.3 GB/s = 2 s of loading, then 1 s of work at speed 2.
    expect(await runAll(clock, model)).toEqual([[2_500, ['a.safetensors']]])
    expect(model.heldModels).toEqual(['a.safetensors'])
  })

  it('serves a loader with the previous prompt’s inputs from the cache and lists it in execution_cached', async () => {
    const { clock, model, events } = setup(1)
    model.submit({ prompt: render('a.safetensors'), client_id: 'c' })
    model.submit({ prompt: render('a.safetensors', 500), client_id: 'c' })
    expect(await runAll(clock, model)).toEqual([
      [3_000, ['a.safetensors']],
      [500, []],
    ])
    const cached = events.filter((event) => event.type === 'execution_cached').map((event) => event.data)
    expect(cached).toEqual([
      expect.objectContaining({ nodes: [] }),
      expect.objectContaining({ nodes: ['1'] }),
    ])
    // A cached node does not run: no `executing` for the loader in the second prompt.
    const executing = events.filter((event) => event.type === 'executing').map((event) => event.data)
    expect(executing.map((data) => (data as { node: string | null }).node)).toEqual([
      '1',
      '2',
      null,
      '2',
      null,
    ])
  })

  it('keeps vramSlots models, evicting the least recently used', async () => {
    const { clock, model } = setup(2)
    // a, b loaded; a again is held (the cache misses: node 1 had b last); c evicts b; b loads again.
    for (const ckpt of ['a.safetensors', 'b.safetensors', 'a.safetensors', 'c.safetensors', 'b.safetensors'])
      model.submit({ prompt: render(ckpt, 0) })
    expect(await runAll(clock, model)).toEqual([
      [2_000, ['a.safetensors']],
      [1_000, ['b.safetensors']],
      [0, []],
      [3_000, ['c.safetensors']],
      [1_000, ['b.safetensors']],
    ])
    expect(model.heldModels).toEqual(['c.safetensors', 'b.safetensors'])
  })

  it('loses VRAM and the cache on a crash', async () => {
    const { clock, model } = setup(1)
    model.submit({ prompt: render('a.safetensors', 0) })
    await clock.advance(10_000)
    model.crash()
    expect(model.heldModels).toEqual([])
    model.submit({ prompt: render('a.safetensors', 0) })
    await clock.advance(10_000)
    expect(model.log.at(-1)?.loads).toEqual(['a.safetensors'])
  })

  it('refuses a size or speed that is not a positive number', () => {
    const clock = createTestClock(0)
    expect(() => createComfyModel({ clock, models: { bytesPerSecond: 0 } })).toThrow(
      'bytesPerSecond must be a positive number, got 0',
    )
    expect(() => createComfyModel({ clock, models: { sizes: { 'x.safetensors': -1 } } })).toThrow(
      'model size of x.safetensors must be a non-negative number of bytes, got -1',
    )
  })
})
