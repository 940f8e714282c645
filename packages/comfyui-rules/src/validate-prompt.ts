import { invalidPromptId, noClassType, noOutputs, unknownClass } from './errors'
import { classInfo, hasClass, isOutputNode } from './object-info'
import { isJsonObject, PythonError, pyContains, pyStr } from './python'
import type {
  ComfyErrorInfo,
  JsonObject,
  ObjectInfo,
  ValidateInputsTable,
  ValidatePromptOptions,
  ValidatePromptResult,
} from './types'
import { validateOutputs } from './validate-inputs'
import { versionAtLeast } from './version'

/**
 * The classes of ComfyUI's own nodes (nodes.py) whose `VALIDATE_INPUTS` takes an input: `LoadImage`,
 * `LoadImageMask` and `LoadImageOutput` check that their `image` file exists, `LoadLatent` its
 * `latent`. `/object_info` does not say which classes have one, so custom nodes' must be added.
 */
export const COMFYUI_VALIDATE_INPUTS: ValidateInputsTable = Object.freeze({
  LoadImage: Object.freeze(['image']),
  LoadImageMask: Object.freeze(['image']),
  LoadImageOutput: Object.freeze(['image']),
  LoadLatent: Object.freeze(['latent']),
})

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Validates an API-format prompt as a ComfyUI server whose `GET /object_info` is `objectInfo` would
 * when it is posted to `POST /prompt` (server.py's `prompt_id` check, then execution.py's
 * `validate_prompt` and `validate_inputs`, v0.26.0): every node's `class_type` known, the output
 * nodes found (of `partialExecutionTargets` when given), each output validated through its links —
 * required inputs, link shapes, links to missing nodes or slots, dependency cycles, COMBO values.
 *
 * The result carries what the server would answer: `{ ok: false, error, nodeErrors }` is the 400
 * body `{ error, node_errors }`; `{ ok: true, outputs, nodeErrors }` is a prompt it would queue,
 * running only `outputs` (the 200's `node_errors` list the dropped ones). Neither `prompt` nor
 * `objectInfo` is changed. Not checked, as a server would: input types and conversion
 * (`invalid_input_type`), `min`/`max`, `return_type_mismatch`, classes' own `VALIDATE_INPUTS`
 * (`custom_validation_failed`; their inputs skip the COMBO check, see
 * {@link ValidatePromptOptions.validateInputs}).
 *
 * @param prompt The body's `prompt` as parsed JSON (`{ [nodeId]: { class_type, inputs, _meta? } }`).
 * @param objectInfo The server's `GET /object_info` document.
 * @throws {PythonError} Where ComfyUI itself raises and answers a plain-text 500: a prompt that is not
 *   an object (an empty list or string is `prompt_no_outputs`), a node that is not an object, a list
 *   or object as `class_type`, a `partialExecutionTargets` that is not a list, object or string.
 *
 * @example
 * ```ts
 * const objectInfo = await (await fetch(`${server}/object_info`)).json()
 * const verdict = validatePrompt(body.prompt, objectInfo, { promptId: body.prompt_id })
 * if (!verdict.ok) return json(400, { error: verdict.error, node_errors: verdict.nodeErrors })
 * ```
 */
export function validatePrompt(
  prompt: unknown,
  objectInfo: ObjectInfo,
  options: ValidatePromptOptions = {},
): ValidatePromptResult {
  const version = options.version ?? ''
  const promptId = clientPromptId(options.promptId, version)
  if (promptId === false) return refused(invalidPromptId())
  const partial = versionAtLeast(version, [0, 3, 48]) ? (options.partialExecutionTargets ?? null) : null
  const classes = checkClasses(prompt, partial, objectInfo, versionAtLeast(version, [0, 12, 0]))
  if (classes.error !== undefined) return refused(classes.error)
  // Validation works on the copy that gets queued, as ComfyUI edits the prompt it queues.
  const queued = structuredClone(prompt) as Record<string, JsonObject>
  const validatesOwn = options.validateInputs ?? COMFYUI_VALIDATE_INPUTS
  const verdict = validateOutputs(queued, classes.outputs, objectInfo, validatesOwn, options.ownChecks)
  if (verdict.error !== undefined) return { ok: false, error: verdict.error, nodeErrors: verdict.nodeErrors }
  const accepted = {
    ok: true as const,
    prompt: queued,
    outputs: verdict.outputs,
    nodeErrors: verdict.nodeErrors,
  }
  return promptId === undefined ? accepted : { ...accepted, promptId }
}

/**
 * The client's `prompt_id` as server.py takes it: since 0.25.0 a canonical UUID or refused (`false`);
 * from 0.3.45 `str()` of whatever was sent; before, ignored. `undefined`: the server makes one.
 */
function clientPromptId(sent: unknown, version: string): string | false | undefined {
  if (sent === undefined || !versionAtLeast(version, [0, 3, 45])) return undefined
  if (!versionAtLeast(version, [0, 25, 0])) return pyStr(sent)
  if (sent === null) return undefined
  return typeof sent === 'string' && CANONICAL_UUID.test(sent) ? sent : false
}

/**
 * `execution.validate_prompt`'s first pass: every node has a `class_type` the server has (before
 * 0.12.0 a failure is `invalid_prompt`, since then `missing_node_type`), and the outputs are its
 * output nodes (of `partial_execution_targets` when given).
 */
function checkClasses(
  prompt: unknown,
  partial: unknown,
  objectInfo: ObjectInfo,
  renamed: boolean,
): { outputs: string[]; error?: undefined } | { outputs?: undefined; error: ComfyErrorInfo } {
  if (!isJsonObject(prompt)) {
    // Iterating an empty list or string finds no outputs; anything else raises in server.py.
    if ((Array.isArray(prompt) || typeof prompt === 'string') && prompt.length === 0)
      return { error: noOutputs() }
    throw new PythonError(`prompt of type ${typeof prompt} cannot be validated`)
  }
  const outputs: string[] = []
  for (const [nodeId, node] of Object.entries(prompt)) {
    if (!isJsonObject(node)) throw new PythonError(`node ${nodeId} is not a dict`)
    const meta = isJsonObject(node._meta) ? node._meta : {}
    if (!Object.hasOwn(node, 'class_type')) return { error: noClassType(nodeId, meta, renamed) }
    const classType = node.class_type
    // `NODE_CLASS_MAPPINGS.get(class_type)` raises for a list or dict.
    if (typeof classType === 'object' && classType !== null) throw new PythonError('unhashable type')
    if (typeof classType !== 'string' || !hasClass(objectInfo, classType)) {
      return { error: unknownClass(nodeId, classType, meta, renamed) }
    }
    if (isOutputNode(classInfo(objectInfo, classType)) && (partial === null || pyContains(partial, nodeId))) {
      outputs.push(nodeId)
    }
  }
  return outputs.length === 0 ? { error: noOutputs() } : { outputs }
}

function refused(error: ComfyErrorInfo): ValidatePromptResult {
  return { ok: false, error, nodeErrors: {} }
}
