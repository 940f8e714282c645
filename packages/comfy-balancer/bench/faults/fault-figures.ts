import type { SimCluster } from '@comfy-balancer/testkit/sim'

/** A fault on one server of the benchmark's cluster, between two times after the first arrival. */
export interface FaultWindow {
  readonly server: number
  readonly fromMs: number
  readonly toMs: number
}

/** What the servers' own logs say about a fault window. */
export interface FaultFigures {
  /** Job runs started on the faulty server while faulty, as a share of all job runs started then. */
  readonly shareToFaulty: number
  /** From the end of the fault to the faulty server's first successful job, in its mean job times. */
  readonly recoveryJobTimes: number | undefined
}

/**
 * Reads the fault figures off the servers' logs, counting only the benchmark's jobs (`jobIds`), not
 * the balancer's canary prompts. `jobMs` is the faulty server's mean job time.
 */
export function faultFigures(
  sims: SimCluster['sims'],
  t0: number,
  jobIds: ReadonlySet<string>,
  window: FaultWindow,
  jobMs: number,
): FaultFigures {
  const from = t0 + window.fromMs
  const to = t0 + window.toMs
  let during = 0
  let onFaulty = 0
  let firstSuccessAfter = Number.POSITIVE_INFINITY
  sims.forEach((sim, i) => {
    for (const entry of sim.log) {
      if (!jobIds.has(entry.promptId)) continue
      if (entry.startedAt >= from && entry.startedAt < to) {
        during += 1
        if (i === window.server) onFaulty += 1
      }
      if (i === window.server && entry.outcome === 'success' && entry.startedAt >= to)
        firstSuccessAfter = Math.min(firstSuccessAfter, entry.startedAt)
    }
  })
  return {
    shareToFaulty: during === 0 ? 0 : onFaulty / during,
    recoveryJobTimes: Number.isFinite(firstSuccessAfter) ? (firstSuccessAfter - to) / jobMs : undefined,
  }
}

/**
 * `BENCH_TRACE=1`: each server's busy share of the window and its idle gaps over 1 s inside it —
 * what showed that choices waited on a hung server's probe timeout.
 */
export function traceWindow(sims: SimCluster['sims'], t0: number, window: FaultWindow): string[] {
  const from = t0 + window.fromMs
  const to = t0 + window.toMs
  const lines: string[] = []
  sims.forEach((sim, i) => {
    let busy = 0
    const runs = [...sim.log].sort((a, b) => a.startedAt - b.startedAt)
    for (const entry of runs) {
      const start = Math.max(entry.startedAt, from)
      const end = Math.min(entry.endedAt ?? to, to)
      if (end > start) busy += end - start
    }
    lines.push(`server ${i}: busy ${((100 * busy) / Math.max(1, to - from)).toFixed(1)} % of the window`)
    for (let k = 1; k < runs.length; k++) {
      const gap = runs[k]!.startedAt - (runs[k - 1]!.endedAt ?? runs[k]!.startedAt)
      if (gap > 1_000 && runs[k]!.startedAt > from && runs[k]!.startedAt < to)
        lines.push(`server ${i}: idle ${Math.round(gap)} ms before ${Math.round(runs[k]!.startedAt - t0)} ms`)
    }
  })
  return lines
}
