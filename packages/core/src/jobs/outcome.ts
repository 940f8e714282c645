import { JobError } from '../errors/job-errors.js'
import type { HistoryEntry } from './locate.js'

/** What a finished history entry says: outputs and server-side run time, or why it failed. */
export type Outcome =
  | {
      readonly ok: true
      readonly outputs: Record<string, Record<string, unknown>>
      readonly durationMs?: number
    }
  | { readonly ok: false; readonly error: JobError }

type Message = [string, Record<string, unknown>]

function messagesOf(entry: HistoryEntry): Message[] {
  const raw = entry.status?.messages
  if (!Array.isArray(raw)) return []
  return raw.filter(
    (m): m is Message =>
      Array.isArray(m) && typeof m[0] === 'string' && typeof m[1] === 'object' && m[1] !== null,
  )
}

function timestamp(messages: Message[], type: string): number | undefined {
  const found = messages.find((m) => m[0] === type)?.[1].timestamp
  return typeof found === 'number' ? found : undefined
}

/** Reads a `/history/{id}` entry of a finished job. */
export function readOutcome(promptId: string, serverId: string, entry: HistoryEntry): Outcome {
  const messages = messagesOf(entry)
  const status = entry.status?.status_str
  if (status === 'success' || entry.status?.completed === true) {
    const started = timestamp(messages, 'execution_start')
    const ended = timestamp(messages, 'execution_success')
    const outcome = { ok: true as const, outputs: entry.outputs ?? {} }
    return started !== undefined && ended !== undefined && ended >= started
      ? { ...outcome, durationMs: ended - started }
      : outcome
  }
  const interrupted = messages.find((m) => m[0] === 'execution_interrupted')
  if (interrupted) {
    return {
      ok: false,
      error: new JobError(promptId, serverId, 'interrupted', 'it was interrupted', interrupted[1]),
    }
  }
  const failure = messages.find((m) => m[0] === 'execution_error')?.[1]
  const detail = failure
    ? `${String(failure.node_type ?? 'a node')} (node ${String(failure.node_id ?? '?')}) raised ${String(failure.exception_type ?? 'an error')}: ${String(failure.exception_message ?? '').trim()}`
    : `it ended with status ${String(status)}`
  return {
    ok: false,
    error: new JobError(promptId, serverId, 'execution_error', `execution failed: ${detail}`, failure),
  }
}
