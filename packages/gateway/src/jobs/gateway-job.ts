import type { FileRef } from '@comfy-balancer/comfyui-rules'

/** A message ComfyUI keeps in a history entry's `status.messages`: `[type, data]`. */
export type StatusMessage = [type: string, data: Record<string, unknown>]

/** One prompt as the gateway's clients see it: one virtual ComfyUI, wherever it runs. */
export interface GatewayJob {
  readonly promptId: string
  /** ComfyUI's priority number: the gateway's counter, negative for `front`, or the client's. */
  readonly number: number
  readonly prompt: Record<string, unknown>
  /** The client's `extra_data`, with `client_id` and `create_time` as ComfyUI stores them. */
  readonly extraData: Record<string, unknown>
  /** Output node ids that passed validation: the ones that run. */
  readonly outputsToExecute: readonly string[]
  /** The caller's uploads it names, found once when it was taken; put on each server it is sent to. */
  readonly uploads?: readonly FileRef[]
  /** The WebSocket client id its messages go to, if the client gave one. */
  readonly clientId: string | undefined
  /** Who posted it (a token's id; `''` on an open gateway): only they see it. */
  readonly owner: string
  /** The gateway that runs it, when several share their state: the one to ask to stop it. */
  runner?: string
  status: 'pending' | 'running' | 'done'
  /** The server it is on now, and the prompt id it runs as there (a rerun gets a new one). */
  serverId?: string
  runningAs?: string
  /** `execution_start`, `execution_cached` and the outcome's message, for the history entry. */
  messages: StatusMessage[]
  outputs: Record<string, Record<string, unknown>>
  meta: Record<string, Record<string, unknown>>
  outcome?: 'success' | 'error' | 'interrupted'
  /** Its place in history (finish order), kept across restarts. */
  finishedSeq?: number
  /** Taken out of the line before it reached a server (`POST /queue` delete): no history, as ComfyUI. */
  removed?: boolean
  readonly createdAt: number
  startedAt?: number
  endedAt?: number
}

/** ComfyUI's 5-element queue and history item: number, id, graph, extra_data, outputs to execute. */
export function queueItem(
  job: GatewayJob,
): [number, string, Record<string, unknown>, Record<string, unknown>, string[]] {
  return [job.number, job.promptId, job.prompt, job.extraData, [...job.outputsToExecute]]
}

/** The job's `/history/{id}` entry, as ComfyUI's `task_done` writes it. */
export function historyEntry(job: GatewayJob): Record<string, unknown> {
  const success = job.outcome === 'success'
  return {
    prompt: queueItem(job),
    outputs: job.outputs,
    status: { status_str: success ? 'success' : 'error', completed: success, messages: job.messages },
    meta: job.meta,
  }
}
