import {
  isJsonObject,
  PythonError,
  pyContains,
  pyFloat,
  pyGet,
  pyTruthy,
  type ValidatePromptOptions,
  validatePrompt,
} from '@comfy-balancer/comfyui-rules'
import type { Catalog } from './catalog'
import type { ComfyErrorInfo, JsonObject, NodeError, PromptGraph } from './comfy-types'
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
  /**
   * The server's node classes and model files (as its `/object_info` shows them) and its ComfyUI
   * version (which error shapes apply).
   */
  server(): { nodes: Pick<Catalog, 'rules'>; version: string; ownChecks?: ValidatePromptOptions['ownChecks'] }
}

/** What {@link parseSubmission} decides: the job to queue (and its dropped outputs' errors), or the answer. */
export type Submission =
  | { job: QueuedJob; nodeErrors: Record<string, NodeError>; result?: undefined }
  | { job?: undefined; result: SubmitResult }

// Partner-API credentials server.py moves out of extra_data before queueing.
const SENSITIVE_EXTRA_DATA_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org']

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
  const { nodes, version, ownChecks } = env.server()
  const { objectInfo, validateInputs } = nodes.rules()
  // server.py's prompt_id check, then `validate_prompt`, on the copy of the prompt that gets queued.
  const validation = validatePrompt(json.prompt, objectInfo, {
    version,
    promptId: json.prompt_id,
    partialExecutionTargets: Object.hasOwn(json, 'partial_execution_targets')
      ? json.partial_execution_targets
      : null,
    validateInputs,
    ...(ownChecks === undefined ? {} : { ownChecks }),
  })
  if (!validation.ok && validation.error.type === 'invalid_prompt_id')
    return { result: rejected(validation.error) }
  const extraData = buildExtraData(json, context)
  if (!validation.ok) return { result: rejected(validation.error, validation.nodeErrors) }
  for (const key of SENSITIVE_EXTRA_DATA_KEYS) delete extraData[key]
  extraData.create_time = Math.floor(env.now())
  const promptId = validation.promptId ?? env.newId()
  const prompt = validation.prompt as PromptGraph
  const job = { number, promptId, prompt, extraData, outputs: validation.outputs }
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

function rejected(error: ComfyErrorInfo, nodeErrors: Record<string, NodeError> = {}): SubmitResult {
  return { status: 400, body: { error, node_errors: nodeErrors } }
}

function noPrompt(): ComfyErrorInfo {
  return { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }
}
