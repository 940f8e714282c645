/** Mean, 95th percentile and makespan of a run, in ms. */
export interface RunStats {
  readonly mean: number
  readonly p95: number
  readonly makespan: number
}

export function summarize(latencies: readonly number[], finishes: readonly number[]): RunStats {
  const sorted = [...latencies].sort((a, b) => a - b)
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!
  return { mean, p95, makespan: Math.max(...finishes) }
}
