import type { ServerSnapshot } from '../contracts/server.js'
import type { JobHints, SelectContext, Strategy } from '../contracts/strategy.js'
import { compareByQueue, minQueue } from './min-queue.js'
import { allowedByHints, isCandidate } from './selection.js'
import type { BalancerSnapshot } from './snapshot.js'

const byQueue = minQueue()
const noRandom = (): number => 0

/** What {@link previewOptimal} needs besides the snapshot. */
export interface PreviewOptions {
  /** The balancer's clock time (ms), to tell a live lock from a lapsed one. */
  readonly now: number
  /** Rank by this strategy's `score` when it has one (else by prompts ahead, as `minQueue`). */
  readonly strategy?: Strategy
  readonly job?: JobHints
}

/**
 * The server the next job would go to, read from a snapshot without choosing: nothing is counted in
 * flight, nothing locked, no event fired and no strategy state touched, so a UI can call it on every
 * render. A live selection lock wins while its server is a candidate; otherwise the candidate the
 * strategy scores best (ties to the lower priority, then config order); with no candidate, the
 * primary. A stateful strategy (round robin, weighted) may still pick differently when it chooses.
 */
export function previewOptimal(
  snapshot: BalancerSnapshot,
  options: PreviewOptions,
): ServerSnapshot | undefined {
  const { now, job } = options
  const candidates = snapshot.servers.filter((server) => isCandidate(server, job))
  const lock = snapshot.lock
  if (lock !== undefined && lock.until > now) {
    const locked = candidates.find((server) => server.id === lock.serverId)
    if (locked !== undefined) return locked
  }
  const score = options.strategy?.score
  let best: ServerSnapshot | undefined
  if (score) {
    const ctx: SelectContext = job ? { now, random: noRandom, job } : { now, random: noRandom }
    let bestScore = Number.POSITIVE_INFINITY
    for (const server of candidates) {
      const value = score.call(options.strategy, server, ctx, candidates)
      if (
        value < bestScore ||
        (value === bestScore && best !== undefined && compareByQueue(server, best) < 0)
      ) {
        best = server
        bestScore = value
      }
    }
  } else {
    best = byQueue.select(candidates, { now, random: noRandom })
  }
  return (
    best ?? snapshot.servers.find((server) => server.id === snapshot.primaryId && allowedByHints(server, job))
  )
}
