import { describe, expect, it } from 'vitest'
import { validatePrompt } from '../index'
import type { ComfyErrorInfo, ValidatePromptResult } from '../types'
import { CHECKPOINTS, objectInfo, SAMPLERS, txt2img } from './object-info'

/** Each error shape of `validate_prompt` / `validate_inputs` (v0.26.0) against a real-shaped object_info. */
const info = objectInfo()

const failed = (details: string): ComfyErrorInfo => ({
  type: 'prompt_outputs_failed_validation',
  message: 'Prompt outputs failed validation',
  details,
  extra_info: {},
})

/** The body a ComfyUI server would answer: 400 `{error, node_errors}`, or the 200's `node_errors`. */
function body(result: ValidatePromptResult): unknown {
  return result.ok
    ? { node_errors: result.nodeErrors }
    : { error: result.error, node_errors: result.nodeErrors }
}

describe('validatePrompt', () => {
  it('accepts the default text-to-image graph, running its SaveImage, and leaves its arguments as they were', () => {
    const prompt = txt2img()
    const before = structuredClone(prompt)
    const infoBefore = structuredClone(info)
    const result = validatePrompt(prompt, info)
    expect(result).toEqual({ ok: true, prompt: before, outputs: ['9'], nodeErrors: {} })
    expect(result.ok && result.prompt).not.toBe(prompt)
    expect(prompt).toEqual(before)
    expect(info).toEqual(infoBefore)
  })

  it('answers an unknown class_type with missing_node_type, its title from _meta', () => {
    const prompt = {
      ...txt2img(),
      '10': { class_type: 'NotInstalled', inputs: {}, _meta: { title: 'Mine' } },
    }
    expect(validatePrompt(prompt, info)).toEqual({
      ok: false,
      error: {
        type: 'missing_node_type',
        message: "Node 'Mine' not found. The custom node may not be installed.",
        details: "Node ID '#10'",
        extra_info: { node_id: '10', class_type: 'NotInstalled', node_title: 'Mine' },
      },
      nodeErrors: {},
    })
    // Only the document's own classes count: `constructor` is no class.
    expect(validatePrompt({ '1': { class_type: 'constructor', inputs: {} } }, info)).toMatchObject({
      ok: false,
      error: {
        type: 'missing_node_type',
        message: "Node 'constructor' not found. The custom node may not be installed.",
      },
    })
  })

  it('answers a node without class_type with missing_node_type naming its id', () => {
    expect(body(validatePrompt({ '3': { inputs: {} } }, info))).toEqual({
      error: {
        type: 'missing_node_type',
        message: "Node 'ID #3' has no class_type. The workflow may be corrupted or a custom node is missing.",
        details: "Node ID '#3'",
        extra_info: { node_id: '3', class_type: null, node_title: null },
      },
      node_errors: {},
    })
  })

  it('answers prompt_no_outputs without an output node, or none among partialExecutionTargets', () => {
    const noOutputs = {
      type: 'prompt_no_outputs',
      message: 'Prompt has no outputs',
      details: '',
      extra_info: {},
    }
    const { '9': _save, ...noSave } = txt2img()
    expect(body(validatePrompt(noSave, info))).toEqual({ error: noOutputs, node_errors: {} })
    expect(body(validatePrompt([], info))).toEqual({ error: noOutputs, node_errors: {} })
    expect(body(validatePrompt(txt2img(), info, { partialExecutionTargets: ['8'] }))).toEqual({
      error: noOutputs,
      node_errors: {},
    })
    expect(validatePrompt(txt2img(), info, { partialExecutionTargets: ['9'] })).toMatchObject({
      outputs: ['9'],
    })
  })

  it('refuses an output missing a required input', () => {
    const prompt = { '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI' } } }
    expect(body(validatePrompt(prompt, info))).toEqual({
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
    })
  })

  it('names a value not in an old-form COMBO on its node only; the nodes below carry no errors', () => {
    const prompt = txt2img()
    prompt['4']!.inputs = { ckpt_name: 'flux1-dev.safetensors' }
    expect(body(validatePrompt(prompt, info))).toEqual({
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
                input_config: [CHECKPOINTS, { tooltip: 'The name of the checkpoint (model) to load.' }],
                received_value: 'flux1-dev.safetensors',
              },
            },
          ],
          dependent_outputs: ['9'],
          class_type: 'CheckpointLoaderSimple',
        },
      },
    })
  })

  it('checks a new-form COMBO (["COMBO", {options}]) the same way', () => {
    const prompt = txt2img()
    ;(prompt['3']!.inputs as Record<string, unknown>).sampler_name = 'lms'
    const result = validatePrompt(prompt, info)
    expect(result.ok).toBe(false)
    expect(result.nodeErrors['3']?.errors).toEqual([
      {
        type: 'value_not_in_list',
        message: 'Value not in list',
        details: "sampler_name: 'lms' not in ['euler', 'euler_ancestral', 'dpmpp_2m']",
        extra_info: {
          input_name: 'sampler_name',
          input_config: ['COMBO', { options: SAMPLERS }],
          received_value: 'lms',
        },
      },
    ])
  })

  it('writes a list of more than 20 by its length, without its config', () => {
    const prompt = txt2img()
    prompt['10'] = {
      class_type: 'LoraLoaderModelOnly',
      inputs: { model: ['4', 0], lora_name: "it's.safetensors" },
    }
    ;(prompt['3']!.inputs as Record<string, unknown>).model = ['10', 0]
    expect(validatePrompt(prompt, info).nodeErrors['10']?.errors).toEqual([
      {
        type: 'value_not_in_list',
        message: 'Value not in list',
        details: `lora_name: "it's.safetensors" not in (list of length 21)`,
        extra_info: { input_name: 'lora_name', input_config: null, received_value: "it's.safetensors" },
      },
      {
        type: 'required_input_missing',
        message: 'Required input is missing',
        details: 'strength_model',
        extra_info: { input_name: 'strength_model' },
      },
    ])
  })

  it('checks each value of a multiselect COMBO, and unwraps {"__value__": …} inputs in the copy it returns', () => {
    const refused = validatePrompt(
      { '1': { class_type: 'TagPicker', inputs: { mode: 'fast', tags: { __value__: ['a', 'c', 'd'] } } } },
      info,
    )
    expect(refused.nodeErrors['1']?.errors).toEqual([
      {
        type: 'value_not_in_list',
        message: 'Value not in list',
        details: "tags: 'c', 'd' not in ['a', 'b']",
        extra_info: {
          input_name: 'tags',
          input_config: ['COMBO', { options: ['a', 'b'], multiselect: true }],
          received_value: ['a', 'c', 'd'],
        },
      },
    ])
    const prompt = {
      '1': { class_type: 'TagPicker', inputs: { mode: { __value__: 'slow' }, tags: { __value__: ['b'] } } },
    }
    const accepted = validatePrompt(prompt, info)
    expect(accepted).toMatchObject({
      ok: true,
      prompt: { '1': { class_type: 'TagPicker', inputs: { mode: 'slow', tags: ['b'] } } },
    })
    expect(prompt['1'].inputs.mode).toEqual({ __value__: 'slow' })
  })

  it('refuses a link that is not a [node_id, slot_index] pair as bad_linked_input', () => {
    const prompt = txt2img()
    ;(prompt['9']!.inputs as Record<string, unknown>).images = ['8', 0, 1]
    expect(validatePrompt(prompt, info).nodeErrors['9']?.errors).toEqual([
      {
        type: 'bad_linked_input',
        message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
        details: 'images',
        extra_info: { input_name: 'images', input_config: ['IMAGE', {}], received_value: ['8', 0, 1] },
      },
    ])
  })
})
