import { expect, it } from 'vitest'
import { type ObjectInfo, validatePrompt } from '../index'

// The README's quickstart, its console.log lines recorded.
it('runs the README example', () => {
  const log: unknown[][] = []
  const print = (...values: unknown[]) => log.push(values)

  // Two classes of what `GET /object_info` answers (other fields left out).
  const objectInfo: ObjectInfo = {
    EmptyImage: {
      input: {
        required: {
          width: ['INT', { default: 512, min: 1, max: 16384, step: 1 }],
          height: ['INT', { default: 512, min: 1, max: 16384, step: 1 }],
          batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
          color: ['INT', { default: 0, min: 0, max: 16777215, step: 1, display: 'color' }],
        },
      },
      output: ['IMAGE'],
      output_node: false,
    },
    PreviewImage: { input: { required: { images: ['IMAGE'] } }, output: [], output_node: true },
  }

  const canary = {
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
  }
  const accepted = validatePrompt(canary, objectInfo)
  if (accepted.ok) print(accepted.outputs, accepted.nodeErrors) // [ '2' ] {}

  const refused = validatePrompt({ '2': { class_type: 'PreviewImage', inputs: {} } }, objectInfo)
  if (!refused.ok) print(JSON.stringify({ error: refused.error, node_errors: refused.nodeErrors }))

  expect(log).toEqual([
    [['2'], {}],
    [
      '{"error":{"type":"prompt_outputs_failed_validation","message":"Prompt outputs failed validation",' +
        '"details":"Required input is missing: images","extra_info":{}},"node_errors":{"2":{"errors":[{' +
        '"type":"required_input_missing","message":"Required input is missing","details":"images",' +
        '"extra_info":{"input_name":"images"}}],"dependent_outputs":["2"],"class_type":"PreviewImage"}}}',
    ],
  ])
})
