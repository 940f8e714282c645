import type { SimCluster } from '@comfy-balancer/testkit/sim'
import type { ModelJob, ModelOracleResult } from './model-oracle.js'

/**
 * `BENCH_TRACE` lines, to see where the time goes: `oracle <latency> <arrival> <server> <model>
 * <work> <loaded>` per job (ms, server index) and `run <server> <start> <end> <models loaded>
 * <prompt id>` per prompt a simulated server ran (ms since the run began).
 */
export function traceOracle(jobs: readonly ModelJob[], ideal: ModelOracleResult): void {
  for (const [i, job] of jobs.entries()) {
    const fields = [
      ideal.latencies[i],
      job.arrivalMs,
      ideal.servers[i],
      job.model,
      job.workMs,
      ideal.loads[i],
    ]
    console.log(
      `oracle ${fields.map((field) => (typeof field === 'number' ? Math.round(field) : field)).join(' ')}`,
    )
  }
}

export function traceRuns(sims: SimCluster['sims'], t0: number): void {
  for (const [i, sim] of sims.entries()) {
    for (const entry of sim.log) {
      const end = entry.endedAt === undefined ? 'running' : Math.round(entry.endedAt - t0)
      console.log(
        `run ${i} ${Math.round(entry.startedAt - t0)} ${end} ${JSON.stringify(entry.loads ?? [])} ${entry.promptId}`,
      )
    }
  }
}
