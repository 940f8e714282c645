import type { ModelState } from '../contracts/server.js'

/** `held` after a prompt that uses `models`: they become the most recent; the oldest beyond `slots` go. */
export function heldAfter(held: readonly string[], models: readonly string[], slots: number): string[] {
  if (models.length === 0) return [...held]
  const next = held.filter((model) => !models.includes(model))
  next.push(...models)
  return next.length > slots ? next.slice(next.length - slots) : next
}

/**
 * What loading the models a job needs costs on a server (ms): nothing for a held model; else its
 * own observed load time there, or the same model's elsewhere, or this server's typical load, or
 * the fleet's. Zero before any load was ever seen: the cost is learned, not guessed.
 */
export function switchCostMs(
  state: ModelState | undefined,
  held: readonly string[],
  models: readonly string[] | undefined,
  fleet: FleetLoads,
): number {
  if (models === undefined || models.length === 0) return 0
  let cost = 0
  for (const model of models) {
    if (held.includes(model)) continue
    cost += state?.loadMs[model] ?? fleet.byModel.get(model) ?? typicalLoad(state) ?? fleet.typical ?? 0
  }
  return cost
}

/** Load times across the fleet, for servers that never loaded a model. */
export interface FleetLoads {
  readonly byModel: ReadonlyMap<string, number>
  readonly typical: number | undefined
}

/** Averages each model's load time over the servers that loaded it, and all of them together. */
export function fleetLoads(states: ReadonlyArray<ModelState | undefined>): FleetLoads {
  const sums = new Map<string, { total: number; count: number }>()
  let total = 0
  let count = 0
  for (const state of states) {
    if (state === undefined) continue
    for (const [model, ms] of Object.entries(state.loadMs)) {
      const sum = sums.get(model) ?? { total: 0, count: 0 }
      sum.total += ms
      sum.count++
      sums.set(model, sum)
      total += ms
      count++
    }
  }
  const byModel = new Map([...sums].map(([model, sum]) => [model, sum.total / sum.count]))
  return { byModel, typical: count === 0 ? undefined : total / count }
}

function typicalLoad(state: ModelState | undefined): number | undefined {
  if (state === undefined) return undefined
  const values = Object.values(state.loadMs)
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length
}

/** A fleet with nothing learned. */
export const NO_FLEET_LOADS: FleetLoads = { byModel: new Map(), typical: undefined }
