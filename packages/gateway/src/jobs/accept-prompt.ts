import { type FileRef, isJsonObject } from '@comfy-balancer/comfyui-rules'
import type { Owner } from '../auth.js'
import type { GatewayJob } from './gateway-job.js'
import type { JobTable } from './job-table.js'

/** ComfyUI's `{type, message, details, extra_info}` error. */
export interface ComfyError {
  readonly type: string
  readonly message: string
  readonly details: string
  readonly extra_info: Record<string, unknown>
}

/** What validating a prompt against the fleet gives: the outputs to run, or ComfyUI's 400 error. */
export type Verdict =
  | {
      readonly ok: true
      readonly outputs: readonly string[]
      readonly nodeErrors: Record<string, unknown>
      /** The caller's uploads it names (masks after their originals): placed before each POST. */
      readonly uploads?: readonly FileRef[]
    }
  | { readonly ok: false; readonly error: ComfyError; readonly nodeErrors: Record<string, unknown> }

/** Validates an API-format prompt as ComfyUI's `validate_prompt` would, against what the fleet can run. */
export type PromptValidator = (
  prompt: Record<string, unknown>,
  partialTargets: readonly string[] | undefined,
  /** Who posts it: their uploads count as files the prompt may name. */
  owner: Owner,
) => Promise<Verdict>

/** A `POST /prompt` answer: the status and body to send, and the job to run when it was taken. */
export interface Acceptance {
  readonly status: 200 | 400
  readonly body: Record<string, unknown>
  readonly job?: GatewayJob
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * `POST /prompt` as ComfyUI's `post_prompt` answers it (0.26.0): the number counter advances on
 * every request; a client `prompt_id` must be a canonical UUID; the prompt is validated before it
 * is taken, and a taken prompt answers at once while it waits in the gateway for a server.
 */
export async function acceptPrompt(
  body: unknown,
  owner: Owner,
  context: {
    readonly jobs: JobTable
    readonly validate: PromptValidator
    readonly now: () => number
    readonly newId: () => string
    readonly bus?: { readonly id: string } | undefined
  },
): Promise<Acceptance> {
  const json = isJsonObject(body) ? body : {}
  const counter = context.jobs.nextNumber()
  const number =
    typeof json.number === 'number' && Number.isFinite(json.number)
      ? json.number
      : json.front
        ? -counter
        : counter
  if (!isJsonObject(json.prompt)) return rejected('no_prompt', 'No prompt provided', 'No prompt provided')
  const promptId = json.prompt_id ?? null
  if (
    promptId !== null &&
    (typeof promptId !== 'string' || !UUID.test(promptId) || context.jobs.has(promptId))
  ) {
    const why =
      typeof promptId === 'string' && UUID.test(promptId) ? 'is already taken' : 'must be a canonical UUID'
    return rejected('invalid_prompt_id', `prompt_id ${why}`, `Invalid prompt_id: ${JSON.stringify(promptId)}`)
  }
  const targets = Array.isArray(json.partial_execution_targets)
    ? json.partial_execution_targets.filter((id): id is string => typeof id === 'string')
    : undefined
  const verdict = await context.validate(json.prompt, targets, owner)
  if (!verdict.ok) return { status: 400, body: { error: verdict.error, node_errors: verdict.nodeErrors } }
  const id = (promptId as string | null) ?? context.newId()
  const clientId = typeof json.client_id === 'string' && json.client_id !== '' ? json.client_id : undefined
  const extraData: Record<string, unknown> = {
    ...(isJsonObject(json.extra_data) ? json.extra_data : {}),
    ...(clientId === undefined ? {} : { client_id: clientId }),
    create_time: context.now(),
  }
  const job: GatewayJob = {
    promptId: id,
    number,
    prompt: json.prompt,
    extraData,
    outputsToExecute: verdict.outputs,
    ...(verdict.uploads === undefined || verdict.uploads.length === 0 ? {} : { uploads: verdict.uploads }),
    clientId: clientId ?? (typeof extraData.client_id === 'string' ? extraData.client_id : undefined),
    owner,
    ...(context.bus === undefined ? {} : { runner: context.bus.id }),
    status: 'pending',
    messages: [],
    outputs: {},
    meta: {},
    createdAt: context.now(),
  }
  return { status: 200, body: { prompt_id: id, number, node_errors: verdict.nodeErrors }, job }
}

function rejected(type: string, message: string, details: string): Acceptance {
  return { status: 400, body: { error: { type, message, details, extra_info: {} }, node_errors: {} } }
}
