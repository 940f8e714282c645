import type { SelectContext, ServerSnapshot, Strategy } from '@comfy-balancer/core'
import {
  DEFAULT_JOB_ESTIMATE_MS,
  expectedFinishMs,
  type FleetLoads,
  fleetLoads,
  fleetMedianJobMs,
  switchCostMs,
} from '@comfy-balancer/core/internal'
import { pickAmongNearTies } from './near-ties.js'

export interface LeastExpectedWaitOptions {
  /** Scores within this share of the best count as a tie, broken at random. Default 0.1 (10 %). */
  readonly tieTolerance?: number
  /** Job time assumed before any server has been measured (ms). Only ratios matter. Default 1,000. */
  readonly defaultJobMs?: number
}

/**
 * Minimises when this job would finish: the time left on the running prompt (known when the server
 * pushes its start; a whole job otherwise), plus (queued + in flight + 1) × that server's job time,
 * plus loading the job's models (`ctx.job.models`) where the server does not hold them.
 * Job times come from each server's peak-sensitive `jobMs` (fed by `recordJobDuration` or the job
 * API); before a server has one, the fleet median scaled by 1/weight. Near-ties (within 10 %) are
 * broken with `ctx.random`, never by list order — "first wins ties" is what herds a burst onto one
 * server. The strategy that wins on mixed GPUs.
 *
 * @example
 * ```ts
 * createLoadBalancer({ config, strategy: leastExpectedWait() })
 * ```
 */
export function leastExpectedWait(options: LeastExpectedWaitOptions = {}): Strategy {
  const tolerance = options.tieTolerance ?? 0.1
  const defaultMs = options.defaultJobMs ?? DEFAULT_JOB_ESTIMATE_MS
  // Decorators score servers one at a time against the same list: compute its median once.
  let medianOf: readonly ServerSnapshot[] | undefined
  let median: number | undefined
  let loads: FleetLoads | undefined
  const score = (server: ServerSnapshot, ctx: SelectContext, candidates: readonly ServerSnapshot[]) => {
    if (candidates !== medianOf) {
      medianOf = candidates
      median = fleetMedianJobMs(candidates)
      loads = undefined
    }
    const models = ctx.job?.models
    if (models === undefined || models.length === 0)
      return expectedFinishMs(server, median, ctx.now, defaultMs)
    loads ??= fleetLoads(candidates.map((candidate) => candidate.models))
    return expectedFinishMs(server, median, ctx.now, defaultMs) + switchCost(server, models, loads)
  }
  return {
    name: 'leastExpectedWait',
    score,
    select(candidates, ctx) {
      if (candidates.length === 0) return undefined
      const median = fleetMedianJobMs(candidates)
      const scores = new Float64Array(candidates.length)
      for (let i = 0; i < candidates.length; i++)
        scores[i] = expectedFinishMs(candidates[i]!, median, ctx.now, defaultMs)
      const models = ctx.job?.models
      if (models !== undefined && models.length > 0) {
        const loads = fleetLoads(candidates.map((candidate) => candidate.models))
        for (let i = 0; i < candidates.length; i++) scores[i]! += switchCost(candidates[i]!, models, loads)
      }
      return pickAmongNearTies(candidates, scores, tolerance, ctx.random)
    },
  }
}

function switchCost(server: ServerSnapshot, models: readonly string[], loads: FleetLoads): number {
  return switchCostMs(server.models, server.models?.held ?? [], models, loads)
}
