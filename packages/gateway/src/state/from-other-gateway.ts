import type { GatewayContext } from '../context.js'
import { stopJob } from '../jobs/stop-job.js'
import type { BusMessage } from './gateway-bus.js'

/**
 * What another gateway on the same state said: a job changed (kept as it is there), a message for
 * a caller's sockets (sent to those connected here), or a request to stop a job this gateway runs.
 */
export function fromOtherGateway(context: GatewayContext, message: BusMessage): void {
  if (message.kind === 'job') {
    const local = context.jobs.find(message.promptId)
    // This gateway runs it: its own copy is the truth, the echo is older.
    if (local !== undefined && local.runner === context.bus?.id) return
    context.jobs.apply(message.promptId, message.job)
    return
  }
  if (message.kind === 'json' || message.kind === 'binary') {
    context.sockets.receive(message)
    return
  }
  const job = context.jobs.find(message.promptId)
  if (job === undefined || job.runner !== context.bus?.id || job.status === 'done') return
  void stopJob(context, job, message.kind)
}
