import type { Catalog } from './catalog'
import type { ComfyErrorInfo, JsonObject, NodeError, PromptGraph } from './comfy-types'
import { isJsonObject, PythonError, pyContains, pyFloat, pyGet, pyStr, pyTruthy } from './python'
import type { SubmitContext, SubmitResult } from './types'
import { validateOutputs } from './validate-prompt'
import { versionAtLeast } from './version'

/** A prompt that passed validation, ready for the queue. */
export interface QueuedJob {
  readonly number: number
  readonly promptId: string
  readonly prompt: PromptGraph
  readonly extraData: JsonObject
  readonly outputs: string[]
}

/** What the model must supply: the prompt counter, the time and an id source. */
export interface SubmissionEnv {
  /** Returns the counter value and advances it (server.py's `self.number`). */
  takeNumber(): number
  now(): number
  newId(): string
  /**
   * The server's node classes (`nodes.NODE_CLASS_MAPPINGS`) and model files, and its ComfyUI version
   * (which error shapes apply).
   */
  server(): { nodes: Pick<Catalog, 'hasNode' | 'isOutputNode' | 'nodeClass' | 'files'>; version: string }
}

/** What {@link parseSubmission} decides: the job to queue (and its dropped outputs' errors), or the answer. */
export type Submission =
  | { job: QueuedJob; nodeErrors: Record<string, NodeError>; result?: undefined }
  | { job?: undefined; result: SubmitResult }

// Partner-API credentials server.py moves out of extra_data before queueing.
const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org']
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Runs `post_prompt` up to `PromptQueue.put`: number, prompt_id, validation, extra_data. Returns
 * the job to queue or the response to send. Throws {@link PythonError} where server.py raises.
 */
export function parseSubmission(body: unknown, env: SubmissionEnv, context: SubmitContext = {}): Submission {
  let number: number
  if (pyContains(body, 'number')) {
    number = pyFloat(pyGet(body, 'number'))
  } else {
    const counter = env.takeNumber()
    const front = pyContains(body, 'front') && pyTruthy(pyGet(body, 'front'))
    number = front && counter !== 0 ? -counter : counter
  }
  if (!pyContains(body, 'prompt')) return { result: rejected(noPrompt()) }
  if (!isJsonObject(body)) throw new PythonError(`${typeof body} indices must be integers`)
  const json = body
  const clientPromptId = json.prompt_id ?? null
  if (
    clientPromptId !== null &&
    !(typeof clientPromptId === 'string' && CANONICAL_UUID.test(clientPromptId))
  ) {
    return { result: rejected(invalidPromptId()) }
  }
  const promptId = clientPromptId ?? env.newId()
  const partial = Object.hasOwn(json, 'partial_execution_targets') ? json.partial_execution_targets : null
  const { nodes, version } = env.server()
  const classes = checkClasses(json.prompt, partial, nodes, version)
  // Validation works on the copy that gets queued, as ComfyUI edits the prompt it queues.
  const prompt = structuredClone(json.prompt) as Record<string, JsonObject>
  const validation =
    classes.error === undefined
      ? validateOutputs(prompt, classes.outputs, nodes)
      : { error: classes.error, nodeErrors: {} }
  const extraData = buildExtraData(json, context)
  if (validation.error !== undefined) return { result: rejected(validation.error, validation.nodeErrors) }
  for (const key of SENSITIVE_EXTRA_DATA_KEYS) delete extraData[key]
  extraData.create_time = Math.floor(env.now())
  const job = { number, promptId, prompt: prompt as PromptGraph, extraData, outputs: validation.outputs }
  return { job, nodeErrors: validation.nodeErrors }
}

function buildExtraData(json: JsonObject, context: SubmitContext): JsonObject {
  const given = Object.hasOwn(json, 'extra_data') ? json.extra_data : {}
  if (!isJsonObject(given)) throw new PythonError("'extra_data' must be a dict")
  const extraData = structuredClone(given)
  if (Object.hasOwn(json, 'client_id')) extraData.client_id = json.client_id
  if (!Object.hasOwn(extraData, 'comfy_usage_source') && context.usageSource) {
    extraData.comfy_usage_source = context.usageSource
  }
  return extraData
}

/**
 * `execution.validate_prompt`'s first pass: every node has a `class_type` the server has (before
 * 0.12.0 a failure is `invalid_prompt`, since then `missing_node_type`), and the outputs are its
 * output nodes (of `partial_execution_targets` when given).
 */
function checkClasses(
  prompt: unknown,
  partial: unknown,
  nodes: Pick<Catalog, 'hasNode' | 'isOutputNode'>,
  version: string,
): { outputs: string[]; error?: undefined } | { outputs?: undefined; error: ComfyErrorInfo } {
  if (!isJsonObject(prompt)) {
    // Iterating an empty list or string finds no outputs; anything else raises in server.py.
    if ((Array.isArray(prompt) || typeof prompt === 'string') && prompt.length === 0)
      return { error: noOutputs() }
    throw new PythonError(`prompt of type ${typeof prompt} cannot be validated`)
  }
  const renamed = versionAtLeast(version, [0, 12, 0])
  const outputs: string[] = []
  for (const [nodeId, node] of Object.entries(prompt)) {
    if (!isJsonObject(node)) throw new PythonError(`node ${nodeId} is not a dict`)
    const meta = isJsonObject(node._meta) ? node._meta : {}
    if (!Object.hasOwn(node, 'class_type')) return { error: noClassType(nodeId, meta, renamed) }
    const classType = node.class_type
    // `NODE_CLASS_MAPPINGS.get(class_type)` raises for a list or dict.
    if (typeof classType === 'object' && classType !== null) throw new PythonError('unhashable type')
    if (typeof classType !== 'string' || !nodes.hasNode(classType)) {
      return { error: unknownClass(nodeId, classType, meta, renamed) }
    }
    if (nodes.isOutputNode(classType) && (partial === null || pyContains(partial, nodeId))) {
      outputs.push(nodeId)
    }
  }
  return outputs.length === 0 ? { error: noOutputs() } : { outputs }
}

function rejected(error: ComfyErrorInfo, nodeErrors: Record<string, NodeError> = {}): SubmitResult {
  return { status: 400, body: { error, node_errors: nodeErrors } }
}

/** A node without `class_type`: `missing_node_type` since 0.12.0, `invalid_prompt` before. */
function noClassType(nodeId: string, meta: JsonObject, renamed: boolean): ComfyErrorInfo {
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
function unknownClass(
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

function noPrompt(): ComfyErrorInfo {
  return { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }
}

function noOutputs(): ComfyErrorInfo {
  return { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }
}

function invalidPromptId(): ComfyErrorInfo {
  return {
    type: 'invalid_prompt_id',
    message: 'prompt_id must be a valid UUID',
    details:
      'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
    extra_info: {},
  }
}
