import type { BalancerSnapshot, JobHints, ServerSnapshot } from '@comfy-balancer/core'
import type { BalancerLike } from './balancer-like.js'

/**
 * The server the next job would go to, without choosing it: core's `preview` (nothing counted in
 * flight, locked or emitted; ranked by the balancer's own strategy), so it can run on every render.
 */
export function peekOptimal(balancer: BalancerLike, job?: JobHints): ServerSnapshot | undefined {
  return balancer.preview(job ? { job } : {})
}

/** True until the first full probe round has finished. */
export function isPending(snapshot: BalancerSnapshot): boolean {
  return snapshot.refreshedAt === undefined
}
