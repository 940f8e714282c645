import type { JobHints } from '../contracts/strategy.js'
import { PromptRejectedError } from '../errors/job-errors.js'
import type { RequestFailure } from '../probe/fetch-json.js'
import { redactText } from '../util/redact.js'
import type { JobTarget } from './comfy-client.js'
import type { ComfyPrompt, SubmitOptions } from './types.js'

/** The pieces of one placement that need none of its state: the POST body, and reading answers. */

export function body(promptId: string, prompt: ComfyPrompt, options: SubmitOptions, clientId: string) {
  return {
    prompt,
    prompt_id: promptId,
    client_id: clientId,
    extra_data: { ...(options.extraData ?? {}) },
    ...(options.front ? { front: true } : {}),
  }
}

/** 408 and 429 are worth another server; other 4xx would fail anywhere (403 origin check, 413 size). */
export function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429
}

export function withModels(job: JobHints | undefined, models: readonly string[]): JobHints | undefined {
  return models.length === 0 ? job : { ...(job ?? {}), models }
}

export function excluding(job: JobHints | undefined, ids: readonly string[]): JobHints | undefined {
  if (ids.length === 0) return job
  return { ...(job ?? {}), exclude: [...(job?.exclude ?? []), ...ids] }
}

export function rejected(
  promptId: string,
  serverId: string,
  failure: Extract<RequestFailure, { kind: 'http' }>,
) {
  const answer =
    typeof failure.body === 'object' && failure.body !== null ? (failure.body as Record<string, unknown>) : {}
  const error =
    typeof answer.error === 'object' && answer.error !== null ? (answer.error as Record<string, unknown>) : {}
  const nodeErrors =
    typeof answer.node_errors === 'object' && answer.node_errors !== null ? answer.node_errors : {}
  return new PromptRejectedError(
    promptId,
    serverId,
    typeof error.type === 'string' ? error.type : 'invalid_prompt',
    typeof error.message === 'string' ? error.message : failure.message,
    nodeErrors as Record<string, unknown>,
  )
}

/** Runs the caller's `beforePost` for this server; what went wrong, if it failed. */
export async function prepare(
  options: SubmitOptions,
  id: string,
  target: JobTarget,
): Promise<string | undefined> {
  if (options.beforePost === undefined) return undefined
  try {
    await options.beforePost({ id, target })
    return undefined
  } catch (error) {
    return redactText(error instanceof Error ? error.message : String(error))
  }
}
