/** Exponentially weighted moving average: `alpha` is the weight of the new sample (0–1]. */
export function ewma(previous: number | undefined, sample: number, alpha: number): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous)
}

/**
 * A peak-sensitive EWMA (as Finagle's): a sample above the average replaces it at once, so a
 * server that slows down is seen as slow immediately; samples below decay in gradually.
 */
export function peakEwma(previous: number | undefined, sample: number, alpha: number): number {
  if (previous === undefined || sample > previous) return sample
  return previous + alpha * (sample - previous)
}
