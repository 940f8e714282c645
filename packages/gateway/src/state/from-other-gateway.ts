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
  if (message.kind === 'left') {
    void takeOver(context)
    return
  }
  const job = context.jobs.find(message.promptId)
  if (job === undefined || job.runner !== context.bus?.id || job.status === 'done') return
  void stopJob(context, job, message.kind)
}

/**
 * Follows the unfinished prompts of gateways that are gone (left, or stopped renewing their
 * heartbeat): each is claimed once, so exactly one gateway takes it, and followed where it is.
 */
export async function takeOver(context: GatewayContext): Promise<number> {
  const bus = context.bus
  if (bus === undefined) return 0
  let taken = 0
  const alive = new Map<string, boolean>()
  for (const job of context.jobs.unfinished()) {
    const runner = job.runner
    if (runner === undefined || runner === bus.id) continue
    if (!alive.has(runner)) alive.set(runner, await bus.isAlive(runner))
    if (alive.get(runner) === true || !(await bus.claim(job.promptId))) continue
    job.runner = bus.id
    context.jobs.touch(job)
    context.log(`job ${job.promptId}: taken over from gateway ${runner}, which is gone`)
    context.run(job, true)
    taken += 1
  }
  return taken
}
