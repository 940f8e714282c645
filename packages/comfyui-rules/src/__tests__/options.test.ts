import { describe, expect, it } from 'vitest'
import { COMFYUI_VALIDATE_INPUTS, PythonError, pyRepr, pyStr, validatePrompt, versionAtLeast } from '../index'
import { objectInfo, txt2img } from './object-info'

/** The options: the server's version, the client's prompt_id, and what object_info cannot say. */
const info = objectInfo()
const ID = '3f0c5a8e-6b1d-4c61-9a43-2d2f6a9d7b10'
const loadAndSave = (image: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'ComfyUI' } },
})

describe('validatePrompt options', () => {
  it('answers an unknown or missing class_type as invalid_prompt before 0.12.0', () => {
    const unknown = {
      ...txt2img(),
      '10': { class_type: 'NotInstalled', inputs: {}, _meta: { title: 'Mine' } },
    }
    expect(validatePrompt(unknown, info, { version: '0.11.1' })).toEqual({
      ok: false,
      error: {
        type: 'invalid_prompt',
        message: 'Cannot execute because node NotInstalled does not exist.',
        details: "Node ID '#10'",
        extra_info: {},
      },
      nodeErrors: {},
    })
    expect(validatePrompt({ '3': { inputs: {} } }, info, { version: 'v0.11.1' })).toEqual({
      ok: false,
      error: {
        type: 'invalid_prompt',
        message: 'Cannot execute because a node is missing the class_type property.',
        details: "Node ID '#3'",
        extra_info: {},
      },
      nodeErrors: {},
    })
    expect(validatePrompt(unknown, info, { version: '0.12.0' })).toMatchObject({
      error: { type: 'missing_node_type' },
    })
    // A version that does not parse (a git describe of a fork, say) counts as new.
    expect(validatePrompt(unknown, info, { version: 'unknown' })).toMatchObject({
      error: { type: 'missing_node_type' },
    })
  })

  it('checks a client prompt_id as 0.25.0 does, and takes it as str() before', () => {
    const refused = validatePrompt(txt2img(), info, { promptId: 'ABC' })
    expect(refused).toEqual({
      ok: false,
      error: {
        type: 'invalid_prompt_id',
        message: 'prompt_id must be a valid UUID',
        details:
          'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
        extra_info: {},
      },
      nodeErrors: {},
    })
    expect(validatePrompt(txt2img(), info, { promptId: ID.toUpperCase() }).ok).toBe(false)
    // The id is checked before the graph: a bad id on a bad graph is still invalid_prompt_id.
    expect(validatePrompt({}, info, { promptId: 7 })).toMatchObject({ error: { type: 'invalid_prompt_id' } })
    expect(validatePrompt(txt2img(), info, { promptId: ID })).toMatchObject({ ok: true, promptId: ID })
    expect(validatePrompt(txt2img(), info, { promptId: null })).not.toHaveProperty('promptId')
    expect(validatePrompt(txt2img(), info, { promptId: 'mine', version: '0.24.0' })).toMatchObject({
      promptId: 'mine',
    })
    expect(validatePrompt(txt2img(), info, { promptId: null, version: '0.24.0' })).toMatchObject({
      promptId: 'None',
    })
    expect(validatePrompt(txt2img(), info, { promptId: 'mine', version: '0.3.44' })).not.toHaveProperty(
      'promptId',
    )
  })

  it('ignores partialExecutionTargets before 0.3.48', () => {
    const prompt = { ...txt2img(), '10': { class_type: 'PreviewImage', inputs: { images: ['8', 0] } } }
    expect(validatePrompt(prompt, info, { partialExecutionTargets: ['10'] })).toMatchObject({
      outputs: ['10'],
    })
    expect(validatePrompt(prompt, info, { partialExecutionTargets: null })).toMatchObject({
      outputs: ['9', '10'],
    })
    expect(
      validatePrompt(prompt, info, { partialExecutionTargets: ['10'], version: '0.3.47' }),
    ).toMatchObject({
      outputs: ['9', '10'],
    })
  })

  it('skips the list check of inputs a class’s VALIDATE_INPUTS takes: LoadImage’s image by default', () => {
    expect(COMFYUI_VALIDATE_INPUTS.LoadImage).toEqual(['image'])
    // Uploaded after the object_info was read, or annotated: ComfyUI's own check takes it, not the list.
    expect(validatePrompt(loadAndSave('upload.png [input]'), info)).toMatchObject({
      ok: true,
      nodeErrors: {},
    })
    const listChecked = validatePrompt(loadAndSave('upload.png [input]'), info, { validateInputs: {} })
    expect(listChecked.nodeErrors['1']?.errors).toEqual([
      {
        type: 'value_not_in_list',
        message: 'Value not in list',
        details: "image: 'upload.png [input]' not in ['example.png']",
        extra_info: {
          input_name: 'image',
          input_config: [['example.png'], { image_upload: true }],
          received_value: 'upload.png [input]',
        },
      },
    ])
    const custom = { ...COMFYUI_VALIDATE_INPUTS, TagPicker: ['mode'] }
    const prompt = { '1': { class_type: 'TagPicker', inputs: { mode: 'any' } } }
    expect(validatePrompt(prompt, info, { validateInputs: custom }).ok).toBe(true)
    expect(validatePrompt(prompt, info).ok).toBe(false)
  })

  it('runs a class’s own check where the caller can: custom_validation_failed as ComfyUI reports it', () => {
    const inputFolder = new Set(['cat.png'])
    const ownChecks = {
      LoadImage: ({ image }: Readonly<Record<string, unknown>>) =>
        inputFolder.has(String(image)) || `Invalid image file: ${String(image)}`,
    }
    expect(validatePrompt(loadAndSave('cat.png'), info, { ownChecks }).ok).toBe(true)
    const missing = validatePrompt(loadAndSave('dog.png'), info, { ownChecks })
    expect(missing.ok).toBe(false)
    expect(missing.nodeErrors['1']).toEqual({
      errors: [
        {
          type: 'custom_validation_failed',
          message: 'Custom validation failed for node',
          details: 'image - Invalid image file: dog.png',
          extra_info: { input_name: 'image' },
        },
      ],
      dependent_outputs: ['2'],
      class_type: 'LoadImage',
    })
    // false: the input's name alone.
    const no = validatePrompt(loadAndSave('cat.png'), info, { ownChecks: { LoadImage: () => false } })
    expect(no.nodeErrors['1']?.errors[0]?.details).toBe('image')
  })

  it('throws PythonError where ComfyUI raises (and answers a plain-text 500)', () => {
    expect(() => validatePrompt(5, info)).toThrow(PythonError)
    expect(() => validatePrompt({ '1': 'SaveImage' }, info)).toThrow(PythonError)
    expect(() => validatePrompt({ '1': { class_type: ['SaveImage'], inputs: {} } }, info)).toThrow(
      PythonError,
    )
    expect(() => validatePrompt(txt2img(), info, { partialExecutionTargets: 9 })).toThrow(PythonError)
  })
})

describe('Python text helpers', () => {
  it('writes repr() and str() of parsed JSON as Python does', () => {
    expect(pyRepr(["it's", 'a "b"', '\'"', null, true, 1.5, { k: [1] }])).toBe(
      `["it's", 'a "b"', '\\'"', None, True, 1.5, {'k': [1]}]`,
    )
    expect(pyRepr('tab\there\n\u0001')).toBe("'tab\\there\\n\\x01'")
    expect(pyStr('plain')).toBe('plain')
    expect(pyStr(null)).toBe('None')
  })

  it('compares versions as major.minor.patch, an unparsable one as new', () => {
    expect(versionAtLeast('0.11.1', [0, 12, 0])).toBe(false)
    expect(versionAtLeast('v0.12', [0, 12, 0])).toBe(true)
    expect(versionAtLeast('0.26.0-3-gabc', [0, 25, 0])).toBe(true)
    expect(versionAtLeast('nightly', [9, 0, 0])).toBe(true)
  })
})
