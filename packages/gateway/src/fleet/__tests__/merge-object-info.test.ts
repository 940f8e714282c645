import { describe, expect, it } from 'vitest'
import type { ObjectInfo } from '../comfy-shapes'
import { comboOptions, mergeObjectInfo } from '../merge-object-info'

/** Node classes as ComfyUI 0.3.6x serves them: the classic COMBO form, hidden inputs, tooltips. */
function classicServer(checkpoints: string[], loras: string[]): ObjectInfo {
  return {
    CheckpointLoaderSimple: {
      input: {
        required: {
          ckpt_name: [checkpoints, { tooltip: 'The name of the checkpoint (model) to load.' }],
        },
      },
      input_order: { required: ['ckpt_name'] },
      output: ['MODEL', 'CLIP', 'VAE'],
      output_is_list: [false, false, false],
      output_name: ['MODEL', 'CLIP', 'VAE'],
      name: 'CheckpointLoaderSimple',
      display_name: 'Load Checkpoint',
      description: 'Loads a diffusion model checkpoint.',
      python_module: 'nodes',
      category: 'loaders',
      output_node: false,
    },
    LoraLoader: {
      input: {
        required: {
          model: ['MODEL', { tooltip: 'The diffusion model the LoRA will be applied to.' }],
          clip: ['CLIP'],
          lora_name: [loras, { tooltip: 'The name of the LoRA.' }],
          strength_model: ['FLOAT', { default: 1.0, min: -100.0, max: 100.0, step: 0.01 }],
        },
      },
      input_order: { required: ['model', 'clip', 'lora_name', 'strength_model'] },
      output: ['MODEL', 'CLIP'],
      output_is_list: [false, false],
      output_name: ['MODEL', 'CLIP'],
      name: 'LoraLoader',
      display_name: 'Load LoRA',
      description: '',
      python_module: 'nodes',
      category: 'loaders',
      output_node: false,
    },
    SaveImage: {
      input: {
        required: { images: ['IMAGE'], filename_prefix: ['STRING', { default: 'ComfyUI' }] },
        hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
      },
      input_order: { required: ['images', 'filename_prefix'], hidden: ['prompt', 'extra_pnginfo'] },
      output: [],
      output_is_list: [],
      output_name: [],
      name: 'SaveImage',
      display_name: 'Save Image',
      description: 'Saves the input images to your ComfyUI output directory.',
      python_module: 'nodes',
      category: 'image',
      output_node: true,
    },
  }
}

/** A newer server whose KSampler uses the V3 form `["COMBO", {options}]`. */
function v3Sampler(samplers: string[], optional: Record<string, unknown> = {}): ObjectInfo {
  return {
    KSampler: {
      input: {
        required: {
          model: ['MODEL'],
          seed: ['INT', { default: 0, min: 0, max: Number.MAX_SAFE_INTEGER, control_after_generate: true }],
          sampler_name: ['COMBO', { options: samplers, tooltip: 'The algorithm used when sampling.' }],
          scheduler: ['COMBO', { options: ['normal', 'karras'] }],
        },
        optional,
      },
      input_order: { required: ['model', 'seed', 'sampler_name', 'scheduler'] },
      output: ['LATENT'],
      output_is_list: [false],
      output_name: ['LATENT'],
      name: 'KSampler',
      display_name: 'KSampler',
      description: 'Uses the provided model to denoise the latent image.',
      python_module: 'nodes',
      category: 'sampling',
      output_node: false,
    },
  }
}

/** A merged class's required inputs. */
function required(info: ObjectInfo, name: string): Record<string, unknown> {
  return (info[name]!.input as { required: Record<string, unknown> }).required
}

describe('mergeObjectInfo', () => {
  it('lists every class of every server, the first server’s first', () => {
    const a = classicServer(['sd_xl_base_1.0.safetensors'], [])
    const b: ObjectInfo = { ...v3Sampler(['euler']), SaveImage: a.SaveImage! }
    const merged = mergeObjectInfo([
      { serverId: 'gpu-a', info: a },
      { serverId: 'gpu-b', info: b },
    ])
    expect(Object.keys(merged)).toEqual(['CheckpointLoaderSimple', 'LoraLoader', 'SaveImage', 'KSampler'])
    // A class only one server has is that server's object, not a copy.
    expect(merged.KSampler).toBe(b.KSampler)
    expect(merged.LoraLoader).toBe(a.LoraLoader)
  })

  it('unions classic COMBO lists in first-seen order and keeps the first definition', () => {
    const a = classicServer(
      ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'],
      ['detail.safetensors'],
    )
    const b = classicServer(
      ['flux1-dev.safetensors', 'sd_xl_base_1.0.safetensors'],
      ['detail.safetensors', 'anime.safetensors'],
    )
    b.CheckpointLoaderSimple!.display_name = 'Load Checkpoint (server b)'
    const merged = mergeObjectInfo([
      { serverId: 'gpu-a', info: a },
      { serverId: 'gpu-b', info: b },
    ])
    expect(merged.CheckpointLoaderSimple).toEqual({
      ...a.CheckpointLoaderSimple,
      input: {
        required: {
          ckpt_name: [
            ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors', 'flux1-dev.safetensors'],
            { tooltip: 'The name of the checkpoint (model) to load.' },
          ],
        },
      },
    })
    expect(merged.CheckpointLoaderSimple?.display_name).toBe('Load Checkpoint')
    expect(required(merged, 'LoraLoader').lora_name).toEqual([
      ['detail.safetensors', 'anime.safetensors'],
      { tooltip: 'The name of the LoRA.' },
    ])
    // Non-COMBO inputs and hidden inputs are the first server's.
    expect(merged.SaveImage).toBe(a.SaveImage)
    // The inputs are untouched.
    expect(
      (a.CheckpointLoaderSimple!.input as { required: { ckpt_name: unknown[] } }).required.ckpt_name[0],
    ).toHaveLength(2)
  })

  it('unions V3 ["COMBO", {options}] lists, keeping the other settings', () => {
    const merged = mergeObjectInfo([
      { serverId: 'gpu-a', info: v3Sampler(['euler', 'dpmpp_2m']) },
      { serverId: 'gpu-b', info: v3Sampler(['euler', 'res_multistep', 'dpmpp_2m']) },
    ])
    const inputs = required(merged, 'KSampler')
    expect(inputs.sampler_name).toEqual([
      'COMBO',
      { options: ['euler', 'dpmpp_2m', 'res_multistep'], tooltip: 'The algorithm used when sampling.' },
    ])
    expect(inputs.scheduler).toEqual(['COMBO', { options: ['normal', 'karras'] }])
  })

  it('merges across the two forms, and finds an input another server declares optional', () => {
    const classic = v3Sampler([])
    const classicRequired = (classic.KSampler!.input as { required: Record<string, unknown> }).required
    classicRequired.sampler_name = [['euler', 'ddim']]
    const moved = v3Sampler(['euler'], {})
    const movedInput = moved.KSampler!.input as Record<string, Record<string, unknown>>
    delete movedInput.required!.scheduler
    movedInput.optional!.scheduler = ['COMBO', { options: ['normal', 'beta'] }]
    const merged = mergeObjectInfo([
      { serverId: 'old', info: classic },
      { serverId: 'new', info: v3Sampler(['euler', 'lcm']) },
      { serverId: 'moved', info: moved },
    ])
    const inputs = required(merged, 'KSampler')
    expect(inputs.sampler_name).toEqual([['euler', 'ddim', 'lcm']])
    expect(inputs.scheduler).toEqual(['COMBO', { options: ['normal', 'karras', 'beta'] }])
  })

  it('ignores a server whose same-named input is not a COMBO, and copes with odd shapes', () => {
    const odd: ObjectInfo = {
      CheckpointLoaderSimple: { input: { required: { ckpt_name: ['STRING'] } } },
      LoraLoader: { name: 'LoraLoader' },
    }
    const a = classicServer(['a.safetensors'], ['l.safetensors'])
    const merged = mergeObjectInfo([
      { serverId: 'a', info: a },
      { serverId: 'odd', info: odd },
    ])
    expect(merged.CheckpointLoaderSimple).toBe(a.CheckpointLoaderSimple)
    expect(merged.LoraLoader).toBe(a.LoraLoader)
    // A first server without `input` keeps its definition as it is.
    expect(
      mergeObjectInfo([
        { serverId: 'odd', info: odd },
        { serverId: 'a', info: a },
      ]).LoraLoader,
    ).toBe(odd.LoraLoader)
  })

  it('keeps option kinds apart and a class named __proto__ as a plain class', () => {
    const numeric: ObjectInfo = { Pick: { input: { required: { n: [[1, 2]] } } } }
    const text: ObjectInfo = JSON.parse(
      '{"Pick": {"input": {"required": {"n": [["1", 2, 3]]}}}, "__proto__": {"x": 1}}',
    )
    const merged = mergeObjectInfo([
      { serverId: 'a', info: numeric },
      { serverId: 'b', info: text },
    ])
    expect(required(merged, 'Pick').n).toEqual([[1, 2, '1', 3]])
    expect(Object.hasOwn(merged, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype)
  })

  it('answers {} for no servers', () => {
    expect(mergeObjectInfo([])).toEqual({})
  })
})

describe('comboOptions', () => {
  it('reads both COMBO forms and nothing else', () => {
    expect(comboOptions([['a', 'b'], { image_upload: true }])).toEqual(['a', 'b'])
    expect(comboOptions([[]])).toEqual([])
    expect(comboOptions(['COMBO', { options: ['x'], multiselect: true }])).toEqual(['x'])
    expect(comboOptions(['COMBO', {}])).toBeUndefined()
    expect(comboOptions(['INT', { default: 1 }])).toBeUndefined()
    expect(comboOptions('PROMPT')).toBeUndefined()
  })
})
