import type { WorkItem } from '@comfy-balancer/testkit'

/**
 * The offline oracle: one central FIFO queue, each job (in arrival order) to the server where it
 * would finish earliest, knowing every job's size and every server's speed exactly. Returns each
 * job's latency (finish − arrival) in ms.
 */
export function oracleLatencies(
  items: readonly WorkItem[],
  speeds: readonly number[],
  /** Fault-aware: a server that can run nothing in `[fromMs, toMs)` (it fails, hangs or is down). */
  outage?: { readonly server: number; readonly fromMs: number; readonly toMs: number },
): number[] {
  const freeAt = speeds.map(() => 0)
  return items.map((item) => {
    let best = 0
    let bestFinish = Number.POSITIVE_INFINITY
    speeds.forEach((speed, s) => {
      let start = Math.max(item.arrivalMs, freeAt[s]!)
      const length = item.workMs / speed
      if (outage?.server === s && start < outage.toMs && start + length > outage.fromMs) start = outage.toMs
      const finish = start + length
      if (finish < bestFinish) {
        bestFinish = finish
        best = s
      }
    })
    freeAt[best] = bestFinish
    return bestFinish - item.arrivalMs
  })
}
