import { isRecord } from '../util/is-record.js'
import { readOutcome } from './outcome.js'

/**
 * What the owner pushed about the job over its WebSocket: enough to finish the job if the server
 * restarts (wiping its in-memory history) after it pushed `execution_success` but before the result
 * was read — rather than call it lost, or run it again.
 */
export interface Pushed {
  serverId: string
  outputs: Record<string, Record<string, unknown>>
  success: boolean
  /** An `execution_error` was pushed and already counted against the server. */
  failureObserved?: boolean
  startedAt?: number
  endedAt?: number
}

/** Records one pushed message about the job; a message from another server starts over (placed again). */
export function collect(
  pushed: Pushed,
  type: string,
  data: Record<string, unknown>,
  serverId: string,
  now: number,
): void {
  if (pushed.serverId !== serverId) {
    // Placed again elsewhere: what the old server said no longer applies.
    pushed.serverId = serverId
    pushed.outputs = {}
    pushed.success = false
    delete pushed.failureObserved
    delete pushed.startedAt
    delete pushed.endedAt
  }
  if (type === 'execution_start') pushed.startedAt = now
  else if (type === 'executed' && typeof data.node === 'string' && isRecord(data.output)) {
    pushed.outputs[data.node] = data.output
  } else if (type === 'execution_success') {
    pushed.success = true
    pushed.endedAt = now
  }
}

/** The reason an outlier record gives for a pushed `execution_error`, as the history's would read. */
export function pushedFailure(promptId: string, serverId: string, data: Record<string, unknown>): string {
  const outcome = readOutcome(promptId, serverId, {
    status: { status_str: 'error', messages: [['execution_error', data]] },
  })
  return outcome.ok ? 'execution_error' : outcome.error.message
}
