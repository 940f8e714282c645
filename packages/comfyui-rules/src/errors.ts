/** The error objects execution.py and server.py build, word for word (v0.26.0 unless noted). */

import { pyStr, pyTruthy } from './python'
import type { ComfyErrorInfo, JsonObject } from './types'

/** `(input_type, extra_info)` as `get_input_info` gives it, a list on the wire. */
export type InputInfo = [type: unknown, extra: JsonObject]

/** A Python exception raised inside `validate_inputs`, which execution.py catches and reports. */
export class PyException extends Error {
  constructor(
    readonly pyType: string,
    readonly pyMessage: string,
  ) {
    super(`${pyType}: ${pyMessage}`)
  }
}

export function requiredInputMissing(name: string): ComfyErrorInfo {
  return {
    type: 'required_input_missing',
    message: 'Required input is missing',
    details: name,
    extra_info: { input_name: name },
  }
}

export function badLinkedInput(name: string, info: InputInfo, value: unknown[]): ComfyErrorInfo {
  return {
    type: 'bad_linked_input',
    message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
    details: name,
    extra_info: { input_name: name, input_config: info, received_value: value },
  }
}

/** An exception validating an output node itself (`traceback` is left empty). */
export function outerException(error: PyException): ComfyErrorInfo {
  return {
    type: 'exception_during_validation',
    message: 'Exception when validating node',
    details: error.pyMessage,
    extra_info: { exception_type: error.pyType, traceback: [] },
  }
}

/** An exception validating a linked node, put on that node (`traceback` is left empty). */
export function innerException(
  error: PyException,
  name: string,
  info: InputInfo,
  link: unknown[],
): ComfyErrorInfo {
  return {
    type: 'exception_during_inner_validation',
    message: 'Exception when validating inner node',
    details: error.pyMessage,
    extra_info: {
      input_name: name,
      input_config: info,
      exception_message: error.pyMessage,
      exception_type: error.pyType,
      traceback: [],
      linked_node: link,
    },
  }
}

export function dependencyCycle(nodeId: string, cycleNodes: string[], details: string): ComfyErrorInfo {
  return {
    type: 'dependency_cycle',
    message: 'Dependency cycle detected',
    details,
    extra_info: { node_id: nodeId, cycle_nodes: cycleNodes },
  }
}

/** The 400's top-level error when no output passed: `details` joins each error's "message: details". */
export function outputsFailed(errors: readonly ComfyErrorInfo[]): ComfyErrorInfo {
  return {
    type: 'prompt_outputs_failed_validation',
    message: 'Prompt outputs failed validation',
    details: errors.map((error) => `${error.message}: ${error.details}`).join('\n'),
    extra_info: {},
  }
}

/** A node without `class_type`: `missing_node_type` since 0.12.0, `invalid_prompt` before. */
export function noClassType(nodeId: string, meta: JsonObject, renamed: boolean): ComfyErrorInfo {
  const details = `Node ID '#${nodeId}'`
  if (!renamed) {
    const message = 'Cannot execute because a node is missing the class_type property.'
    return { type: 'invalid_prompt', message, details, extra_info: {} }
  }
  const title = meta.title ?? null
  const name = pyTruthy(title) ? pyStr(title) : `ID #${nodeId}`
  return {
    type: 'missing_node_type',
    message: `Node '${name}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
    details,
    extra_info: { node_id: nodeId, class_type: null, node_title: title },
  }
}

/** A `class_type` the server lacks: `missing_node_type` since 0.12.0, `invalid_prompt` before. */
export function unknownClass(
  nodeId: string,
  classType: unknown,
  meta: JsonObject,
  renamed: boolean,
): ComfyErrorInfo {
  const details = `Node ID '#${nodeId}'`
  if (!renamed) {
    const message = `Cannot execute because node ${pyStr(classType)} does not exist.`
    return { type: 'invalid_prompt', message, details, extra_info: {} }
  }
  const title = Object.hasOwn(meta, 'title') ? meta.title : classType
  return {
    type: 'missing_node_type',
    message: `Node '${pyStr(title)}' not found. The custom node may not be installed.`,
    details,
    extra_info: { node_id: nodeId, class_type: classType, node_title: title },
  }
}

export function noOutputs(): ComfyErrorInfo {
  return { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }
}

/** server.py's answer (0.25.0+) to a `prompt_id` that is not a canonical UUID. */
export function invalidPromptId(): ComfyErrorInfo {
  return {
    type: 'invalid_prompt_id',
    message: 'prompt_id must be a valid UUID',
    details:
      'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
    extra_info: {},
  }
}

/** A class's own `VALIDATE_INPUTS` said no (execution.py: details `input - reason`). */
export function customValidationFailed(name: string, reason: false | string): ComfyErrorInfo {
  return {
    type: 'custom_validation_failed',
    message: 'Custom validation failed for node',
    details: reason === false ? name : `${name} - ${reason}`,
    extra_info: { input_name: name },
  }
}
