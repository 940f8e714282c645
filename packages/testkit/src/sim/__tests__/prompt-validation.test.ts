import { describe, expect, it } from 'vitest'
import type { CatalogOptions } from '../../model/catalog'
import type { ComfySim, ComfySimOptions } from '../server'
import { useSims } from './helpers'

/**
 * `POST /prompt` validation as execution.py's `validate_prompt` / `validate_inputs` (v0.26.0) answer
 * it, on the real HTTP simulator: per-input errors, node errors keyed by node, outputs dropped or the
 * whole prompt refused, and nothing queued on a 400.
 */
const start = useSims()

async function post(sim: ComfySim, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sim.url}/prompt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() }
}

async function queueRemaining(sim: ComfySim): Promise<number> {
  const info = (await (await fetch(`${sim.url}/prompt`)).json()) as { exec_info: { queue_remaining: number } }
  return info.exec_info.queue_remaining
}

/** A server with a long job running, so that a wrongly queued prompt would show in queue_remaining. */
async function busy(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = await start(options)
  expect(
    (await post(sim, { prompt: { '1': { class_type: 'SimWork', inputs: { ms: 3_600_000 } } } })).status,
  ).toBe(200)
  expect(await queueRemaining(sim)).toBe(1)
  return sim
}

const CHECKPOINTS = ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']
const failed = (details: string) => ({
  type: 'prompt_outputs_failed_validation',
  message: 'Prompt outputs failed validation',
  details,
  extra_info: {},
})

describe('POST /prompt validation', () => {
  it('refuses an output missing a required input with ComfyUI’s 400, and queues nothing', async () => {
    const sim = await busy()
    const refused = await post(sim, {
      prompt: {
        '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
        '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI' } },
      },
    })
    expect(refused).toEqual({
      status: 400,
      body: {
        error: failed('Required input is missing: images'),
        node_errors: {
          '2': {
            errors: [
              {
                type: 'required_input_missing',
                message: 'Required input is missing',
                details: 'images',
                extra_info: { input_name: 'images' },
              },
            ],
            dependent_outputs: ['2'],
            class_type: 'SaveImage',
          },
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(1)
    expect(sim.model.log).toHaveLength(1)
  })

  it('names a model file the server lacks on its loader only; the nodes below it carry no errors', async () => {
    const sim = await busy()
    const refused = await post(sim, {
      prompt: {
        '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'flux1-dev.safetensors' } },
        '9': { class_type: 'SimWork', inputs: { ms: 10, model: ['4', 0] } },
      },
    })
    expect(refused).toEqual({
      status: 400,
      body: {
        // The output's own errors make the details: it has none, its loader has them.
        error: failed(''),
        node_errors: {
          '4': {
            errors: [
              {
                type: 'value_not_in_list',
                message: 'Value not in list',
                details: `ckpt_name: 'flux1-dev.safetensors' not in ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']`,
                extra_info: {
                  input_name: 'ckpt_name',
                  input_config: [CHECKPOINTS, {}],
                  received_value: 'flux1-dev.safetensors',
                },
              },
            ],
            dependent_outputs: ['9'],
            class_type: 'CheckpointLoaderSimple',
          },
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(1)
  })

  it('writes an empty folder as [] and a list of more than 20 by its length, without its config', async () => {
    const pick: CatalogOptions['nodes'] = {
      PickLora: { required: { lora_name: [{ folder: 'loras' }] }, outputNode: true },
      PickVae: { required: { vae_name: [{ folder: 'vae' }] }, outputNode: true },
    }
    const loras = Array.from({ length: 21 }, (_, index) => `lora-${index}.safetensors`)
    const sim = await busy({ catalog: { nodes: pick, models: { loras, vae: [] } } })
    const refused = await post(sim, {
      prompt: {
        '1': { class_type: 'PickLora', inputs: { lora_name: "it's.safetensors" } },
        '2': { class_type: 'PickVae', inputs: { vae_name: 'ae.safetensors' } },
      },
    })
    expect(refused).toEqual({
      status: 400,
      body: {
        error: failed(
          `Value not in list: lora_name: "it's.safetensors" not in (list of length 21)\nValue not in list: vae_name: 'ae.safetensors' not in []`,
        ),
        node_errors: {
          '1': {
            errors: [
              {
                type: 'value_not_in_list',
                message: 'Value not in list',
                details: `lora_name: "it's.safetensors" not in (list of length 21)`,
                extra_info: {
                  input_name: 'lora_name',
                  input_config: null,
                  received_value: "it's.safetensors",
                },
              },
            ],
            // ComfyUI lists every output validated after a failing node's, also one not depending on it.
            dependent_outputs: ['1', '2'],
            class_type: 'PickLora',
          },
          '2': {
            errors: [
              {
                type: 'value_not_in_list',
                message: 'Value not in list',
                details: `vae_name: 'ae.safetensors' not in []`,
                extra_info: {
                  input_name: 'vae_name',
                  input_config: [[], {}],
                  received_value: 'ae.safetensors',
                },
              },
            ],
            dependent_outputs: ['2'],
            class_type: 'PickVae',
          },
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(1)
  })

  it('queues the valid outputs of a partly invalid prompt, with the dropped ones’ errors in the 200', async () => {
    const sim = await busy()
    const accepted = await post(sim, {
      prompt: {
        '1': { class_type: 'SimWork', inputs: { ms: 10 } },
        '2': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'gone.safetensors' } },
        '3': { class_type: 'SimWork', inputs: { ms: 10, model: ['2', 0] } },
      },
    })
    expect(accepted.status).toBe(200)
    const body = accepted.body as { prompt_id: string; number: number; node_errors: unknown }
    expect(body).toEqual({
      prompt_id: expect.any(String),
      number: 1,
      node_errors: {
        '2': {
          errors: [
            {
              type: 'value_not_in_list',
              message: 'Value not in list',
              details: `ckpt_name: 'gone.safetensors' not in ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']`,
              extra_info: {
                input_name: 'ckpt_name',
                input_config: [CHECKPOINTS, {}],
                received_value: 'gone.safetensors',
              },
            },
          ],
          dependent_outputs: ['3'],
          class_type: 'CheckpointLoaderSimple',
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(2)
    const queue = (await (await fetch(`${sim.url}/queue`)).json()) as { queue_pending: unknown[][] }
    expect(queue.queue_pending).toHaveLength(1)
    expect(queue.queue_pending[0]?.[1]).toBe(body.prompt_id)
    expect(queue.queue_pending[0]?.[4]).toEqual(['1'])
  })

  it('reports a link to a node the prompt lacks as the KeyError ComfyUI raises', async () => {
    const sim = await busy()
    // On the output itself: validate_prompt catches it.
    const direct = await post(sim, {
      prompt: { '2': { class_type: 'SaveImage', inputs: { images: ['99', 0], filename_prefix: 'x' } } },
    })
    expect(direct).toEqual({
      status: 400,
      body: {
        error: failed("Exception when validating node: '99'"),
        node_errors: {
          '2': {
            errors: [
              {
                type: 'exception_during_validation',
                message: 'Exception when validating node',
                details: "'99'",
                extra_info: { exception_type: 'KeyError', traceback: [] },
              },
            ],
            dependent_outputs: ['2'],
            class_type: 'SaveImage',
          },
        },
      },
    })
    // One node further up: the output's validation catches it and puts it on the linked node.
    const inner = await post(sim, {
      prompt: {
        '4': { class_type: 'VAELoader', inputs: { vae_name: 'sdxl_vae.safetensors' } },
        '8': { class_type: 'VAEDecode', inputs: { samples: ['77', 0], vae: ['4', 0] } },
        '9': { class_type: 'PreviewImage', inputs: { images: ['8', 0] } },
      },
    })
    expect(inner).toEqual({
      status: 400,
      body: {
        error: failed(''),
        node_errors: {
          '8': {
            errors: [
              {
                type: 'exception_during_inner_validation',
                message: 'Exception when validating inner node',
                details: "'77'",
                extra_info: {
                  input_name: 'images',
                  input_config: ['IMAGE', {}],
                  exception_message: "'77'",
                  exception_type: 'KeyError',
                  traceback: [],
                  linked_node: ['8', 0],
                },
              },
            ],
            dependent_outputs: ['9'],
            class_type: 'VAEDecode',
          },
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(1)
  })

  it('refuses a link that is not a [node_id, slot_index] pair as bad_linked_input', async () => {
    const sim = await busy()
    const refused = await post(sim, {
      prompt: {
        '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0, 1] } },
      },
    })
    expect(refused).toEqual({
      status: 400,
      body: {
        error: failed('Bad linked input, must be a length-2 list of [node_id, slot_index]: images'),
        node_errors: {
          '2': {
            errors: [
              {
                type: 'bad_linked_input',
                message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
                details: 'images',
                extra_info: {
                  input_name: 'images',
                  input_config: ['IMAGE', {}],
                  received_value: ['1', 0, 1],
                },
              },
            ],
            dependent_outputs: ['2'],
            class_type: 'PreviewImage',
          },
        },
      },
    })
    expect(await queueRemaining(sim)).toBe(1)
  })

  it('accepts the balancer’s canary (EmptyImage 8×8 into PreviewImage) with no node errors', async () => {
    const sim = await start()
    const accepted = await post(sim, {
      prompt: {
        '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      },
    })
    expect(accepted).toEqual({
      status: 200,
      body: { prompt_id: expect.any(String), number: 0, node_errors: {} },
    })
  })

  it('validates only the partial_execution_targets outputs', async () => {
    const sim = await busy()
    const prompt = {
      '1': { class_type: 'SimWork', inputs: { ms: 10 } },
      '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } },
    }
    const valid = await post(sim, { prompt, partial_execution_targets: ['1'] })
    expect(valid).toEqual({
      status: 200,
      body: { prompt_id: expect.any(String), number: 1, node_errors: {} },
    })
    const queue = (await (await fetch(`${sim.url}/queue`)).json()) as { queue_pending: unknown[][] }
    expect(queue.queue_pending[0]?.[4]).toEqual(['1'])
    const invalid = await post(sim, { prompt, partial_execution_targets: ['2'] })
    expect(invalid.status).toBe(400)
    expect(invalid.body).toMatchObject({
      error: failed('Required input is missing: images'),
      node_errors: { '2': { dependent_outputs: ['2'] } },
    })
    expect(await queueRemaining(sim)).toBe(2)
  })

  it('answers an unknown class as 0.11 did (invalid_prompt), and as missing_node_type from 0.12.0', async () => {
    const prompt = {
      '1': { class_type: 'SimWork', inputs: { ms: 10 } },
      '2': { class_type: 'NotInstalled', inputs: {}, _meta: { title: 'Mine' } },
    }
    const old = await busy({ version: '0.11.1' })
    expect(await post(old, { prompt })).toEqual({
      status: 400,
      body: {
        error: {
          type: 'invalid_prompt',
          message: 'Cannot execute because node NotInstalled does not exist.',
          details: "Node ID '#2'",
          extra_info: {},
        },
        node_errors: {},
      },
    })
    expect(await post(old, { prompt: { '3': { inputs: {} } } })).toEqual({
      status: 400,
      body: {
        error: {
          type: 'invalid_prompt',
          message: 'Cannot execute because a node is missing the class_type property.',
          details: "Node ID '#3'",
          extra_info: {},
        },
        node_errors: {},
      },
    })
    expect(await queueRemaining(old)).toBe(1)
    const renamed = await start({ version: '0.12.0' })
    expect(await post(renamed, { prompt })).toMatchObject({
      status: 400,
      body: {
        error: {
          type: 'missing_node_type',
          message: "Node 'Mine' not found. The custom node may not be installed.",
        },
      },
    })
  })
})
