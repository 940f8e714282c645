import type { Catalog } from './catalog'
import type { ComfyErrorInfo, JsonObject, PromptGraph } from './comfy-types'
import { isJsonObject, PythonError, pyContains, pyFloat, pyGet, pyTruthy } from './python'
import type { SubmitContext, SubmitResult } from './types'

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
  /** The node classes this server has (`nodes.NODE_CLASS_MAPPINGS`). */
  nodes(): Pick<Catalog, 'hasNode' | 'isOutputNode'>
}

// Partner-API credentials server.py moves out of extra_data before queueing.
const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org']
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Runs `post_prompt` up to `PromptQueue.put`: number, prompt_id, validation, extra_data. Returns
 * the job to queue or the response to send. Throws {@link PythonError} where server.py raises.
 */
export function parseSubmission(
  body: unknown,
  env: SubmissionEnv,
  context: SubmitContext = {},
): { job: QueuedJob; result?: undefined } | { job?: undefined; result: SubmitResult } {
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
  const validation = validatePrompt(json.prompt, partial, env.nodes())
  const extraData = buildExtraData(json, context)
  if ('error' in validation) return { result: rejected(validation.error) }
  for (const key of SENSITIVE_EXTRA_DATA_KEYS) delete extraData[key]
  extraData.create_time = Math.floor(env.now())
  const prompt = structuredClone(json.prompt) as PromptGraph
  return { job: { number, promptId, prompt, extraData, outputs: validation.outputs } }
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
 * `execution.validate_prompt`'s first pass: every node has a `class_type` the server has, and the
 * outputs are its output nodes (per-input validation is not simulated yet).
 */
function validatePrompt(
  prompt: unknown,
  partial: unknown,
  nodes: Pick<Catalog, 'hasNode' | 'isOutputNode'>,
): { outputs: string[] } | { error: ComfyErrorInfo } {
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
    const title = typeof meta.title === 'string' ? meta.title : null
    if (!Object.hasOwn(node, 'class_type')) {
      return {
        error: {
          type: 'missing_node_type',
          message: `Node '${title || `ID #${nodeId}`}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
          details: `Node ID '#${nodeId}'`,
          extra_info: { node_id: nodeId, class_type: null, node_title: title },
        },
      }
    }
    const classType = node.class_type
    if (typeof classType !== 'string' || !nodes.hasNode(classType)) {
      const shownTitle = title ?? classType
      return {
        error: {
          type: 'missing_node_type',
          message: `Node '${String(shownTitle)}' not found. The custom node may not be installed.`,
          details: `Node ID '#${nodeId}'`,
          extra_info: { node_id: nodeId, class_type: classType, node_title: shownTitle },
        },
      }
    }
    if (nodes.isOutputNode(classType) && (partial === null || pyContains(partial, nodeId))) {
      outputs.push(nodeId)
    }
  }
  return outputs.length === 0 ? { error: noOutputs() } : { outputs }
}

function rejected(error: ComfyErrorInfo): SubmitResult {
  return { status: 400, body: { error, node_errors: {} } }
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
