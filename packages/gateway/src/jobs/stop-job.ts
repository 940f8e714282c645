import type { LoadBalancer } from '@comfy-balancer/core'
import type { GatewayBus } from '../state/gateway-bus.js'
import type { GatewayJob } from './gateway-job.js'

/** What stopping a job needs: the balancer that may run it, and the bus to the gateway that does. */
export interface StopHost {
  readonly balancer: LoadBalancer
  readonly bus?: GatewayBus | undefined
}

/**
 * Stops a job wherever it is: `remove` takes a waiting one out of the line (no history, as ComfyUI's
 * `POST /queue` delete), `interrupt` stops it where it waits or runs. A job another gateway runs is
 * that gateway's to stop: it is asked over the bus. Resolves with what the balancer said, or true
 * when the ask went out.
 */
export async function stopJob(
  host: StopHost,
  job: GatewayJob,
  how: 'remove' | 'interrupt',
): Promise<boolean> {
  if (how === 'remove') job.removed = true
  if (host.bus !== undefined && job.runner !== undefined && job.runner !== host.bus.id) {
    host.bus.publish({ kind: how, promptId: job.promptId })
    return true
  }
  // A rerun runs under a new id: that is the one its server knows.
  return host.balancer.interrupt(job.runningAs ?? job.promptId).catch(() => false)
}
