import type { ModelClock } from '../model/types'
import { createScaledClock } from './scaled-clock'
import { type ComfySim, type ComfySimOptions, startComfySim } from './server'

/** One server of {@link startSimCluster}; the cluster options fill in the rest. */
export type SimServerSpec = Omit<ComfySimOptions, 'clock' | 'timeScale'>

/** Options shared by every server of {@link startSimCluster}; a spec's own values win. */
export type SimClusterOptions = Omit<ComfySimOptions, 'name' | 'port'>

/** Simulated servers on real ports, sharing one clock. */
export interface SimCluster {
  /** In spec order. */
  readonly sims: readonly ComfySim[]
  /** Their base URLs, in spec order. */
  readonly urls: readonly string[]
  /** The shared clock (simulated time). */
  readonly clock: ModelClock
  /** The server with this name or URL; throws when there is none, to catch typos in tests. */
  sim(nameOrUrl: string): ComfySim
  /** Closes every server. */
  close(): Promise<void>
}

/**
 * Starts one {@link startComfySim} server per spec, on free ports unless a spec names one, all on one
 * clock (a scaled clock from `options.timeScale`, or `options.clock`). Names default to `sim-1`, …
 *
 * @example
 * ```ts
 * const cluster = await startSimCluster([{ speed: 1 }, { speed: 4, name: 'fast' }], { timeScale: 0.01 })
 * cluster.urls // ['http://127.0.0.1:41234', 'http://127.0.0.1:41235']
 * await cluster.close()
 * ```
 */
export async function startSimCluster(
  specs: readonly SimServerSpec[],
  options: SimClusterOptions = {},
): Promise<SimCluster> {
  const { timeScale, clock: given, ...shared } = options
  if (given !== undefined && timeScale !== undefined) {
    throw new TypeError('startSimCluster: pass either clock or timeScale, not both.')
  }
  const clock = given ?? createScaledClock(timeScale ?? 1)
  const names = specs.map((spec, index) => spec.name ?? `sim-${index + 1}`)
  const duplicate = names.find((name, index) => names.indexOf(name) !== index)
  if (duplicate !== undefined) throw new Error(`startSimCluster: the name "${duplicate}" appears twice.`)
  const started = await Promise.allSettled(
    specs.map((spec, index) => startComfySim({ ...shared, ...spec, name: names[index]!, clock })),
  )
  const sims = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = started.find((result) => result.status === 'rejected')
  if (failure !== undefined) {
    await Promise.all(sims.map((sim) => sim.close()))
    throw (failure as PromiseRejectedResult).reason
  }
  return {
    sims,
    get urls() {
      return sims.map((sim) => sim.url)
    },
    clock,
    sim(nameOrUrl) {
      const sim = sims.find((candidate) => candidate.name === nameOrUrl || candidate.url === nameOrUrl)
      if (sim === undefined) {
        throw new Error(`startSimCluster: no server named or at "${nameOrUrl}"; known: ${names.join(', ')}.`)
      }
      return sim
    },
    async close() {
      await Promise.all(sims.map((sim) => sim.close()))
    },
  }
}
