import { describe, expect, it } from 'vitest'
import { createTestClock } from '../clock'
import type { CatalogOptions } from '../model/catalog'
import { createComfyModel } from '../model/comfy-model'
import { loadAndSave } from './fixtures'

/** Per-input validation of `ComfyModel.submit` (execution.py's `validate_inputs`, v0.26.0). */
const catalog: CatalogOptions = {
  nodes: {
    Loop: { required: { x: ['MODEL'] }, outputs: ['MODEL'] },
    Pick: {
      required: { mode: ['COMBO', { options: ['fast', 'slow'] }] },
      optional: { tags: ['COMBO', { options: ['a', 'b'], multiselect: true }] },
      outputNode: true,
    },
  },
}

function setup() {
  return createComfyModel({ clock: createTestClock(0), catalog })
}

/** The node errors of a refused prompt, or of a 200 that dropped outputs. */
function nodeErrors(result: ReturnType<ReturnType<typeof setup>['submit']>): unknown {
  if (result.status === 500) throw new Error('unexpected 500')
  return result.body.node_errors
}

const exception = (type: string, details: string) => ({
  type: 'exception_during_validation',
  message: 'Exception when validating node',
  details,
  extra_info: { exception_type: type, traceback: [] },
})

describe('ComfyModel.submit input validation', () => {
  it('reports a dependency cycle on every node of it; the output above carries no errors', () => {
    const model = setup()
    const result = model.submit({
      prompt: {
        '1': { class_type: 'SimWork', inputs: { ms: 1, model: ['2', 0] } },
        '2': { class_type: 'Loop', inputs: { x: ['3', 0] } },
        '3': { class_type: 'Loop', inputs: { x: ['2', 0] } },
      },
    })
    const cycle = (nodeId: string) => ({
      errors: [
        {
          type: 'dependency_cycle',
          message: 'Dependency cycle detected',
          details: '2 (Loop) -> 3 (Loop) -> 2 (Loop)',
          extra_info: { node_id: nodeId, cycle_nodes: ['2', '3'] },
        },
      ],
      dependent_outputs: ['1'],
      class_type: 'Loop',
    })
    expect(result.status).toBe(400)
    expect(nodeErrors(result)).toEqual({ '2': cycle('2'), '3': cycle('3') })
    expect(model.queueRemaining).toBe(0)
  })

  it('checks COMBO options (each value of a multiselect), and queues `__value__` inputs unwrapped', () => {
    const model = setup()
    const refused = model.submit({
      prompt: {
        '1': { class_type: 'Pick', inputs: { mode: 'medium', tags: { __value__: ['a', 'c', 'd'] } } },
      },
    })
    expect(nodeErrors(refused)).toEqual({
      '1': {
        errors: [
          {
            type: 'value_not_in_list',
            message: 'Value not in list',
            details: "mode: 'medium' not in ['fast', 'slow']",
            extra_info: {
              input_name: 'mode',
              input_config: ['COMBO', { options: ['fast', 'slow'] }],
              received_value: 'medium',
            },
          },
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
        ],
        dependent_outputs: ['1'],
        class_type: 'Pick',
      },
    })
    // A bare list is a link, so a list value travels as `{"__value__": [...]}`.
    const accepted = model.submit({
      prompt: {
        '1': { class_type: 'Pick', inputs: { mode: { __value__: 'fast' }, tags: { __value__: ['b'] } } },
      },
    })
    expect(accepted).toMatchObject({ status: 200, body: { node_errors: {} } })
    expect(model.queueSnapshot().queue_running[0]?.[2]).toEqual({
      '1': { class_type: 'Pick', inputs: { mode: 'fast', tags: ['b'] } },
    })
  })

  it('raises as Python does for a bad slot, a missing `inputs` and an id that is not a node', () => {
    const model = setup()
    const refusedWith = (prompt: unknown) => {
      const result = model.submit({ prompt })
      expect(result.status).toBe(400)
      return (nodeErrors(result) as Record<string, { errors: unknown[] }>)['2']?.errors
    }
    const image = { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } }
    const preview = (images: unknown) => ({
      '1': image,
      '2': { class_type: 'PreviewImage', inputs: { images } },
    })
    expect(refusedWith(preview(['1', 1]))).toEqual([exception('IndexError', 'tuple index out of range')])
    expect(refusedWith(preview(['1', 'IMAGE']))).toEqual([
      exception('TypeError', 'tuple indices must be integers or slices, not str'),
    ])
    expect(refusedWith(preview([1, 0]))).toEqual([exception('KeyError', '1')])
    expect(refusedWith({ '2': { class_type: 'PreviewImage' } })).toEqual([exception('KeyError', "'inputs'")])
    expect(refusedWith({ '2': { class_type: 'PreviewImage', inputs: null } })).toEqual([
      exception('TypeError', "argument of type 'NoneType' is not iterable"),
    ])
    // A slot counted from the end, as Python indexes, is fine.
    expect(model.submit({ prompt: preview(['1', -1]) }).status).toBe(200)
  })

  it('checks LoadImage’s image in the input folder, where ComfyUI ships example.png', () => {
    const model = setup()
    expect(model.submit({ prompt: loadAndSave() })).toMatchObject({ status: 200, body: { node_errors: {} } })
  })
})
