import { isRecord } from '../util/is-record.js'
import { MODEL_FILE } from './capabilities.js'

/**
 * Whether ComfyUI refused a prompt (HTTP 400) because the server lacks something — a node class
 * (`missing_node_type`, `invalid_prompt` before 0.12) or a model file (`value_not_in_list` on a
 * model input) — rather than because the workflow is wrong: another server may run it.
 */
export function isCapabilityRefusal(body: unknown): boolean {
  if (!isRecord(body)) return false
  const error = isRecord(body.error) ? body.error : {}
  if (error.type === 'missing_node_type') return true
  // Before 0.12 an unknown class was `invalid_prompt` ("Cannot execute because node X does not exist.").
  if (error.type === 'invalid_prompt')
    return typeof error.message === 'string' && /does not exist|not found/i.test(error.message)
  if (error.type !== 'prompt_outputs_failed_validation' || !isRecord(body.node_errors)) return false
  const reasons = Object.values(body.node_errors).flatMap((node) =>
    isRecord(node) && Array.isArray(node.errors) ? node.errors : [],
  )
  // Every reason must be a missing model file: a workflow error as well would fail anywhere.
  return reasons.length > 0 && reasons.every(isMissingModel)
}

function isMissingModel(reason: unknown): boolean {
  if (!isRecord(reason) || reason.type !== 'value_not_in_list') return false
  const extra = isRecord(reason.extra_info) ? reason.extra_info : {}
  const value = extra.received_value
  return typeof value === 'string' && MODEL_FILE.test(value)
}
