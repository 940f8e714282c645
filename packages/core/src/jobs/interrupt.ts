import { InterruptError } from '../errors/job-errors.js'
import type { ComfyClient, JobTarget } from './comfy-client.js'
import { type HistoryEntry, locate } from './locate.js'

/** Whether a finished history entry ended by interruption (ComfyUI's `execution_interrupted`). */
function wasInterrupted(entry: HistoryEntry): boolean {
  const messages = entry.status?.messages
  return Array.isArray(messages) && messages.some((m) => Array.isArray(m) && m[0] === 'execution_interrupted')
}

/**
 * Stops a job on its owner: removes it from the queue, or interrupts it if it is running. True when
 * it did, false when the job was neither queued nor running there; throws `InterruptError` when the
 * server could not say (the job may still run).
 */
export async function interruptJob(
  client: ComfyClient,
  target: JobTarget,
  promptId: string,
  timeoutMs: number,
): Promise<boolean> {
  const serverId = target.id
  const where = await locate(client, target, promptId, timeoutMs)
  if (where.state === 'unreachable') {
    throw new InterruptError(promptId, serverId, `its server did not say where the job is (${where.reason})`)
  }
  if (where.state !== 'pending' && where.state !== 'running') return false
  const answer =
    where.state === 'pending'
      ? await client.deleteQueued(target, promptId, { timeoutMs })
      : await client.interrupt(target, promptId, { timeoutMs })
  if (answer.ok) return true
  // The request failed, but the server may have acted on it: look again before saying no.
  const after = await locate(client, target, promptId, timeoutMs)
  if (after.state === 'absent' || (after.state === 'done' && wasInterrupted(after.entry))) return true
  if (after.state === 'unreachable') {
    throw new InterruptError(promptId, serverId, `${answer.failure.message}; then ${after.reason}`)
  }
  return false
}
