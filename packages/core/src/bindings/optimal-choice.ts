import type { BalancerSnapshot } from '../balancer/snapshot.js'
import type { ServerSnapshot } from '../contracts/server.js'
import type { JobHints } from '../contracts/strategy.js'
import type { BindingBalancer } from './balancer.js'

/** `pending` until the first probe round ends; `error` when a refresh (or the config load) failed. */
export type OptimalServerStatus = 'pending' | 'ready' | 'error'

/** The server the next job would go to, as a binding holds it between renders. */
export interface OptimalChoice {
  /** True until the first full probe round has finished: nothing is chosen yet. */
  readonly pending: boolean
  /** The chosen server (redacted URL: safe to show). */
  readonly server: ServerSnapshot | undefined
  /** Its real base URL (with credentials, if configured): use it, do not render it. */
  readonly url: string | undefined
}

const PENDING: OptimalChoice = { pending: true, server: undefined, url: undefined }

/** True until the first full probe round has finished. */
export function isPending(snapshot: BalancerSnapshot): boolean {
  return snapshot.refreshedAt === undefined
}

/**
 * The choice for `snapshot`, read with `balancer.preview()` (nothing counted in flight, locked or
 * emitted), so a binding can compute it on every change.
 */
export function chooseOptimal(
  balancer: Pick<BindingBalancer, 'preview' | 'serverUrl'>,
  snapshot: BalancerSnapshot,
  job: JobHints | undefined,
): OptimalChoice {
  if (isPending(snapshot)) return PENDING
  const server = balancer.preview(job ? { job } : {})
  return { pending: false, server, url: server && balancer.serverUrl(server.id) }
}

/**
 * Choices are the same when the same server (in the same health) is chosen: a new probe of an
 * unchanged choice does not make the UI render again.
 */
export function sameChoice(a: OptimalChoice, b: OptimalChoice): boolean {
  return a.pending === b.pending && a.server?.id === b.server?.id && a.server?.health === b.server?.health
}

/** The status a binding shows: a failed refresh wins, then pending, else ready. */
export function optimalStatus(choice: OptimalChoice, failure: RefreshFailure | null): OptimalServerStatus {
  return failure !== null ? 'error' : choice.pending ? 'pending' : 'ready'
}

/** Why the last refresh failed (boxed, so that a thrown `undefined` still counts as a failure). */
export interface RefreshFailure {
  readonly error: unknown
}

/**
 * A `refresh` that never rejects: it probes every server and hands `report` the failure, or `null`
 * once a refresh succeeds.
 */
export function refreshReporting(
  balancer: Pick<BindingBalancer, 'refresh'>,
  report: (failure: RefreshFailure | null) => void,
): () => Promise<void> {
  return async () => {
    try {
      await balancer.refresh()
      report(null)
    } catch (error) {
      report({ error })
    }
  }
}

/**
 * Whether a binding that just mounted should start a first probe round: nothing is known yet and no
 * round runs (a background round is shared instead of starting another).
 */
export function needsFirstRound(snapshot: BalancerSnapshot): boolean {
  return isPending(snapshot) && !snapshot.refreshing
}
