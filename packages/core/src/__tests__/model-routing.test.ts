import { describe, expect, it } from 'vitest'
import { deriveCapabilities } from '../capabilities/capabilities.js'
import { isCapabilityRefusal } from '../capabilities/refusal.js'
import { jobRequirements, missingOn, modelsOf } from '../capabilities/requirements.js'
import { planDispatch } from '../jobs/dispatch-plan.js'
import { fleetLoads, heldAfter } from '../models/model-state.js'

const OBJECT_INFO = {
  CheckpointLoaderSimple: {
    input: { required: { ckpt_name: [['a.safetensors', 'b.ckpt'], { tooltip: 'x' }] } },
  },
  // The newer COMBO form, and a custom loader: found by its values, not by a list of loaders.
  MyLoader: {
    input: { required: { weights: ['COMBO', { options: ['c.gguf'] }], mode: [['fast', 'slow']] } },
  },
  LoraLoader: { input: { required: { lora_name: [[]], strength_model: ['FLOAT', {}] } } },
  LoadImage: { input: { required: { image: [['cat.png'], { image_upload: true }] } } },
  KSampler: { input: { required: { sampler_name: [['euler']] } } },
}

describe('capabilities from /object_info', () => {
  const capabilities = deriveCapabilities(OBJECT_INFO)

  it('finds node classes and every input whose values are model files, generically', () => {
    expect(capabilities.summary).toEqual({ nodes: 5, models: 3, checkpoints: 2 })
    expect([...capabilities.modelInputs.keys()]).toEqual(['CheckpointLoaderSimple', 'MyLoader', 'LoraLoader'])
    // An empty folder still names a model input (`*_name`); images and sampler names are not models.
    expect([...(capabilities.modelInputs.get('LoraLoader')?.get('lora_name') ?? [])]).toEqual([])
    expect(capabilities.modelInputs.get('MyLoader')?.has('mode')).toBe(false)
  })

  it('says what a server lacks for a prompt', () => {
    const prompt = {
      '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'z.safetensors' } },
      '2': { class_type: 'LoraLoader', inputs: { lora_name: 'style.safetensors', model: ['1', 0] } },
      '3': { class_type: 'Custom', inputs: {} },
      '4': { class_type: 'LoadImage', inputs: { image: 'dog.png' } },
    }
    const requirements = jobRequirements(prompt)
    expect(missingOn(capabilities, requirements)).toEqual([
      { kind: 'node', classType: 'Custom' },
      { kind: 'model', classType: 'CheckpointLoaderSimple', input: 'ckpt_name', file: 'z.safetensors' },
      { kind: 'model', classType: 'LoraLoader', input: 'lora_name', file: 'style.safetensors' },
    ])
    expect(modelsOf(capabilities, requirements)).toEqual(['z.safetensors', 'style.safetensors'])
    // Before capabilities are read, model files are known by their extension.
    expect(modelsOf(undefined, requirements)).toEqual(['z.safetensors', 'style.safetensors'])
  })
})

describe('refusals for something missing', () => {
  const missingFile = {
    error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation' },
    node_errors: {
      '4': {
        errors: [
          {
            type: 'value_not_in_list',
            message: 'Value not in list',
            details: "ckpt_name: 'x.safetensors' not in []",
            extra_info: { input_name: 'ckpt_name', input_config: null, received_value: 'x.safetensors' },
          },
        ],
        dependent_outputs: ['9'],
        class_type: 'CheckpointLoaderSimple',
      },
    },
  }

  it('are a missing class (either version) or only missing model files', () => {
    expect(isCapabilityRefusal({ error: { type: 'missing_node_type' }, node_errors: {} })).toBe(true)
    expect(
      isCapabilityRefusal({
        error: { type: 'invalid_prompt', message: 'Cannot execute because node Foo does not exist.' },
      }),
    ).toBe(true)
    expect(isCapabilityRefusal(missingFile)).toBe(true)
  })

  it('are not a workflow error, even beside a missing file', () => {
    const alsoBroken = structuredClone(missingFile) as typeof missingFile
    alsoBroken.node_errors['4'].errors.push({
      type: 'required_input_missing',
      message: 'Required input is missing',
      details: 'images',
      extra_info: { input_name: 'images' } as never,
    })
    expect(isCapabilityRefusal(alsoBroken)).toBe(false)
    expect(isCapabilityRefusal({ error: { type: 'prompt_no_outputs' } })).toBe(false)
    expect(isCapabilityRefusal({ error: { type: 'invalid_prompt', message: 'bad json' } })).toBe(false)
    expect(isCapabilityRefusal('400: Bad Request')).toBe(false)
  })
})

describe('model-aware planning', () => {
  const options = { maxPending: 0, holdMargin: 0, leadMs: 0 }
  const models = (held: string[]) => ({ held, slots: 1, loadMs: { x: 6_000, y: 6_000 } })
  const idle = (id: string, held: string[]) => ({
    id,
    ahead: 0,
    runningLeftMs: 0,
    jobMs: 10_000,
    models: models(held),
  })
  const job = (key: number, model: string) => ({ key, allowed: () => true, models: [model] })

  it('sends each job to an idle server that holds its model', () => {
    const servers = [idle('a', ['x']), idle('b', ['y'])]
    const fleet = fleetLoads(servers.map((server) => server.models))
    expect(planDispatch([job(1, 'y'), job(2, 'x')], servers, options, fleet)).toEqual([
      { key: 1, serverId: 'b' },
      { key: 2, serverId: 'a' },
    ])
  })

  it('holds a job for the busy holder of its model while the wait is shorter than a load elsewhere', () => {
    const busy = { ...idle('a', ['x']), ahead: 1, runningLeftMs: 4_000 }
    const servers = [busy, idle('b', ['y'])]
    const fleet = fleetLoads(servers.map((server) => server.models))
    // On a: 4 s left + 10 s; on b: 6 s load + 10 s. It waits for a (nothing sent now).
    expect(planDispatch([job(1, 'x')], servers, options, fleet)).toEqual([])
    // With 7 s left on a, loading on b is sooner.
    const longer = [{ ...busy, runningLeftMs: 7_000 }, idle('b', ['y'])]
    expect(planDispatch([job(1, 'x')], longer, options, fleet)).toEqual([{ key: 1, serverId: 'b' }])
    // Model-blind (the job's models not given): the free server, as before.
    expect(planDispatch([{ key: 1, allowed: () => true }], servers, options)).toEqual([
      { key: 1, serverId: 'b' },
    ])
  })

  it('keeps the models of jobs planned earlier in the same pass', () => {
    expect(heldAfter(['x', 'y'], ['z'], 2)).toEqual(['y', 'z'])
    expect(heldAfter(['x', 'y'], ['x'], 2)).toEqual(['y', 'x'])
    const servers = [idle('a', []), idle('b', [])]
    const fleet = fleetLoads(servers.map((server) => server.models))
    const planned = planDispatch(
      [job(1, 'x'), job(2, 'y'), job(3, 'x')],
      servers,
      { ...options, maxPending: 1 },
      fleet,
    )
    // Job 3 follows job 1 to the server that will hold x by then.
    expect(planned.find((d) => d.key === 3)?.serverId).toBe(planned.find((d) => d.key === 1)?.serverId)
  })

  it('with a line waiting, lets a slow holder take a job rather than make the fast GPU load', () => {
    // fast: 2.5 s a job, holds y; slow: 10 s a job, holds x. A job for x alone: fast loads (6 s) and
    // still finishes first (8.5 s < 10 s). With nine jobs behind, that load would delay the fast
    // GPU's share of them (4/5) by 6 s each: the slow holder takes it.
    const fast = { ...idle('fast', ['y']), jobMs: 2_500 }
    const slow = idle('slow', ['x'])
    const servers = [fast, slow]
    const fleet = fleetLoads(servers.map((server) => server.models))
    const line = [job(1, 'x'), ...Array.from({ length: 9 }, (_, i) => job(i + 2, 'y'))]
    const pressed = { ...options, loadPressure: 1 }
    expect(planDispatch([job(1, 'x')], servers, pressed, fleet)).toEqual([{ key: 1, serverId: 'fast' }])
    expect(planDispatch(line, servers, pressed, fleet)[0]).toEqual({ key: 1, serverId: 'slow' })
    // Without pressure each job goes where it alone finishes first.
    expect(planDispatch(line, servers, options, fleet)[0]).toEqual({ key: 1, serverId: 'fast' })
  })
})
