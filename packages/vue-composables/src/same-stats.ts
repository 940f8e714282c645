import type { ServerStats } from '@comfy-balancer/core'

/** Rows are equal when every field is (the last failure compared by time and reason). */
export function sameStats(a: readonly ServerStats[], b: readonly ServerStats[]): boolean {
  if (a.length !== b.length) return false
  return a.every((row, i) => {
    const other = b[i]!
    for (const key of Object.keys(row) as (keyof ServerStats)[]) {
      if (key === 'lastFailure') {
        if (
          row.lastFailure?.at !== other.lastFailure?.at ||
          row.lastFailure?.reason !== other.lastFailure?.reason
        )
          return false
      } else if (!Object.is(row[key], other[key])) return false
    }
    return true
  })
}
