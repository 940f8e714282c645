import type { WorkItem } from '@comfy-balancer/testkit'

/**
 * The offline oracle: one central FIFO queue, each job (in arrival order) to the server where it
 * would finish earliest, knowing every job's size and every server's speed exactly. Returns each
 * job's latency (finish − arrival) in ms.
 */
export function oracleLatencies(items: readonly WorkItem[], speeds: readonly number[]): number[] {
  const freeAt = speeds.map(() => 0)
  return items.map((item) => {
    let best = 0
    let bestFinish = Number.POSITIVE_INFINITY
    speeds.forEach((speed, s) => {
      const finish = Math.max(item.arrivalMs, freeAt[s]!) + item.workMs / speed
      if (finish < bestFinish) {
        bestFinish = finish
        best = s
      }
    })
    freeAt[best] = bestFinish
    return bestFinish - item.arrivalMs
  })
}
