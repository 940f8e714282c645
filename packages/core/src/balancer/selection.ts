import { queueLength, type ServerSnapshot } from '../contracts/server.js'
import type { JobHints, SelectContext, Strategy } from '../contracts/strategy.js'
import { NoServerAvailableError } from '../errors/server-errors.js'
import type { SelectionReason } from './events.js'

export interface SelectionInput {
  readonly servers: readonly ServerSnapshot[]
  /** The primary (lowest priority), if configured. */
  readonly primary: ServerSnapshot | undefined
  readonly autoSwitch: boolean
  readonly fallback: 'primary' | 'error'
  /** Below this share of healthy servers in the pool, held-out servers that answer join in (0: never). */
  readonly panicThreshold: number
  readonly strategy: Strategy
  readonly ctx: SelectContext
}

export interface Selection {
  readonly server: ServerSnapshot
  readonly reason: SelectionReason
  readonly candidates: number
  /** Set when the strategy threw; the primary was used instead. */
  readonly strategyError?: unknown
}

/** True when the job's hints allow this server at all (hard constraints, fallback included). */
export function allowedByHints(server: ServerSnapshot, job: JobHints | undefined): boolean {
  if (!job) return true
  if (job.include && !job.include.includes(server.id)) return false
  if (job.exclude?.includes(server.id)) return false
  if (job.tags && !job.tags.every((tag) => server.tags.includes(tag))) return false
  return true
}

/** Why a server is not a candidate, or undefined when it is one. */
export function unusableReason(server: ServerSnapshot, job: JobHints | undefined): string | undefined {
  if (!allowedByHints(server, job)) return 'excluded by the job'
  if (server.health === 'unknown') return 'not probed yet'
  if (server.health === 'unhealthy') return server.healthReason ?? 'unhealthy'
  if (server.maxQueue !== undefined && queueLength(server) >= server.maxQueue) {
    return `queue full (${queueLength(server)} ≥ maxQueue ${server.maxQueue})`
  }
  return undefined
}

/** The fast form of `unusableReason(server, job) === undefined`. */
export function isCandidate(server: ServerSnapshot, job: JobHints | undefined): boolean {
  if (server.health !== 'healthy') return false
  if (server.maxQueue !== undefined && queueLength(server) >= server.maxQueue) return false
  return job === undefined || allowedByHints(server, job)
}

/**
 * The selection rules of the original design, with the strategy in the middle: candidates are the
 * healthy servers (only the primary when `autoSwitch` is off); none → the primary, or
 * {@link NoServerAvailableError} when the fallback policy says so; a throwing strategy → the primary.
 */
export function selectServer(input: SelectionInput): Selection {
  const { servers, ctx } = input
  const primary = input.primary
  const pool = input.autoSwitch ? servers : primary ? [primary] : []
  const candidates: ServerSnapshot[] = []
  let healthy = 0
  // A plain loop: this runs on every choice, over every server.
  for (let i = 0; i < pool.length; i++) {
    const server = pool[i]!
    if (server.health === 'healthy') healthy++
    if (isCandidate(server, ctx.job)) candidates.push(server)
  }
  const panic = healthy < input.panicThreshold * pool.length && addHeldOut(pool, candidates, ctx.job)
  if (candidates.length > 0) {
    try {
      const chosen = input.strategy.select(candidates, ctx)
      if (chosen)
        return { server: chosen, reason: panic ? 'panic' : 'strategy', candidates: candidates.length }
    } catch (error) {
      const fallback = usablePrimary(primary, ctx.job) ?? candidates[0]!
      return {
        server: fallback,
        reason: 'strategy-error',
        candidates: candidates.length,
        strategyError: error,
      }
    }
  }
  const usable = usablePrimary(primary, ctx.job)
  if (input.fallback === 'primary' && usable) {
    return { server: usable, reason: 'fallback-primary', candidates: candidates.length }
  }
  throw new NoServerAvailableError(
    servers.map((server) => ({
      id: server.id,
      reason:
        !input.autoSwitch && server.id !== primary?.id
          ? 'autoSwitch is off: only the primary is used'
          : (unusableReason(server, ctx.job) ?? 'the strategy found it unacceptable'),
    })),
  )
}

/**
 * Panic mode: adds the servers outlier logic holds out but whose last probe answered. Unlike
 * Envoy, never a server whose last probe failed: a refused connection is certain to fail the job.
 * Returns whether any was added.
 */
function addHeldOut(
  pool: readonly ServerSnapshot[],
  candidates: ServerSnapshot[],
  job: JobHints | undefined,
): boolean {
  const before = candidates.length
  for (const server of pool) {
    if (server.health !== 'unhealthy' || server.ejectedUntil === undefined || lastProbeFailed(server))
      continue
    if (server.maxQueue !== undefined && queueLength(server) >= server.maxQueue) continue
    if (allowedByHints(server, job)) candidates.push(server)
  }
  return candidates.length > before
}

/**
 * Whether the server's latest probe failed (it did not answer), as opposed to being held out or
 * reported failed while it answers. A failed probe is recorded with the time it finished, which
 * is also the server's `checkedAt`.
 */
export function lastProbeFailed(server: ServerSnapshot): boolean {
  const last = server.failures[server.failures.length - 1]
  return last !== undefined && last.kind === 'probe' && last.at === server.checkedAt
}

function usablePrimary(
  primary: ServerSnapshot | undefined,
  job: JobHints | undefined,
): ServerSnapshot | undefined {
  return primary && allowedByHints(primary, job) ? primary : undefined
}
