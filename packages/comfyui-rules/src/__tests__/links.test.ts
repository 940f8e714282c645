import { describe, expect, it } from 'vitest'
import { validatePrompt } from '../index'
import type { ComfyErrorInfo } from '../types'
import { CHECKPOINTS, objectInfo, txt2img } from './object-info'

/** What validation finds through links: exceptions, cycles, and outputs kept or dropped. */
const info = objectInfo()

const exception = (type: string, details: string): ComfyErrorInfo => ({
  type: 'exception_during_validation',
  message: 'Exception when validating node',
  details,
  extra_info: { exception_type: type, traceback: [] },
})

const image = { class_type: 'LoadImage', inputs: { image: 'example.png' } }
const preview = (images: unknown) => ({ '1': image, '2': { class_type: 'PreviewImage', inputs: { images } } })

describe('validatePrompt through links', () => {
  it('reports a link to a node the prompt lacks, on the output itself, as the KeyError ComfyUI raises', () => {
    expect(validatePrompt(preview(['99', 0]), info)).toEqual({
      ok: false,
      error: {
        type: 'prompt_outputs_failed_validation',
        message: 'Prompt outputs failed validation',
        details: "Exception when validating node: '99'",
        extra_info: {},
      },
      nodeErrors: {
        '2': {
          errors: [exception('KeyError', "'99'")],
          dependent_outputs: ['2'],
          class_type: 'PreviewImage',
        },
      },
    })
  })

  it('puts an exception one node further up on that node, as exception_during_inner_validation', () => {
    const prompt = txt2img()
    ;(prompt['8']!.inputs as Record<string, unknown>).samples = ['77', 0]
    const result = validatePrompt(prompt, info)
    expect(result.ok || result.error.details).toBe('')
    expect(result.nodeErrors).toEqual({
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
    })
  })

  it('raises as Python does for a bad slot, a missing `inputs` and an id that is not a node', () => {
    const errorsOf = (prompt: unknown) => validatePrompt(prompt, info).nodeErrors['2']?.errors
    expect(errorsOf(preview(['1', 2]))).toEqual([exception('IndexError', 'tuple index out of range')])
    expect(errorsOf(preview(['1', 'IMAGE']))).toEqual([
      exception('TypeError', 'tuple indices must be integers or slices, not str'),
    ])
    expect(errorsOf(preview([1, 0]))).toEqual([exception('KeyError', '1')])
    expect(errorsOf(preview([['1'], 0]))).toEqual([exception('TypeError', "unhashable type: 'list'")])
    expect(errorsOf({ '2': { class_type: 'PreviewImage' } })).toEqual([exception('KeyError', "'inputs'")])
    expect(errorsOf({ '2': { class_type: 'PreviewImage', inputs: null } })).toEqual([
      exception('TypeError', "argument of type 'NoneType' is not iterable"),
    ])
    // A slot counted from the end, as Python indexes, is fine.
    expect(validatePrompt(preview(['1', -1]), info).ok).toBe(true)
  })

  it('reports a dependency cycle on every node of it; the output above carries no errors', () => {
    const prompt = txt2img()
    ;(prompt['6']!.inputs as Record<string, unknown>).clip = ['10', 0]
    prompt['10'] = {
      class_type: 'LoraLoaderModelOnly',
      inputs: { model: ['11', 0], lora_name: 'lora-0.safetensors', strength_model: 1 },
    }
    prompt['11'] = {
      class_type: 'LoraLoaderModelOnly',
      inputs: { model: ['10', 0], lora_name: 'lora-1.safetensors', strength_model: 1 },
    }
    const cycle = (nodeId: string) => ({
      errors: [
        {
          type: 'dependency_cycle',
          message: 'Dependency cycle detected',
          details: '10 (LoraLoaderModelOnly) -> 11 (LoraLoaderModelOnly) -> 10 (LoraLoaderModelOnly)',
          extra_info: { node_id: nodeId, cycle_nodes: ['10', '11'] },
        },
      ],
      dependent_outputs: ['9'],
      class_type: 'LoraLoaderModelOnly',
    })
    const result = validatePrompt(prompt, info)
    expect(result.ok).toBe(false)
    expect(result.nodeErrors).toEqual({ '10': cycle('10'), '11': cycle('11') })
  })

  it('keeps the valid outputs of a partly invalid prompt, with the dropped ones’ errors (a 200)', () => {
    const prompt = {
      ...txt2img(),
      '20': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'gone.safetensors' } },
      '21': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['20', 2] } },
      '22': { class_type: 'PreviewImage', inputs: { images: ['21', 0] } },
      '23': { class_type: 'PreviewImage', inputs: { images: ['21', 0] } },
    }
    expect(validatePrompt(prompt, info)).toEqual({
      ok: true,
      prompt,
      outputs: ['9'],
      nodeErrors: {
        '20': {
          errors: [
            {
              type: 'value_not_in_list',
              message: 'Value not in list',
              details: `ckpt_name: 'gone.safetensors' not in ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors']`,
              extra_info: {
                input_name: 'ckpt_name',
                input_config: [CHECKPOINTS, { tooltip: 'The name of the checkpoint (model) to load.' }],
                received_value: 'gone.safetensors',
              },
            },
          ],
          // Each output whose validation found the node invalid, in prompt order.
          dependent_outputs: ['22', '23'],
          class_type: 'CheckpointLoaderSimple',
        },
      },
    })
  })

  it('lists every output validated after a failing node’s, also one not depending on it (as ComfyUI does)', () => {
    const result = validatePrompt(
      {
        '1': { class_type: 'TagPicker', inputs: { mode: 'medium' } },
        '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } },
      },
      info,
    )
    expect(result.ok || result.error.details).toBe(
      "Value not in list: mode: 'medium' not in ['fast', 'slow']\nRequired input is missing: images",
    )
    expect(result.nodeErrors['1']?.dependent_outputs).toEqual(['1', '2'])
    expect(result.nodeErrors['2']?.dependent_outputs).toEqual(['2'])
  })
})
