/** Exponentially weighted moving average: `alpha` is the weight of the new sample (0–1]. */
export function ewma(previous: number | undefined, sample: number, alpha: number): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous)
}

/**
 * An EWMA that rises faster than it falls: a sample above the average pulls it up with weight
 * `riseAlpha`, one below with `fallAlpha`. A server that slows down is seen as slower at once, yet
 * one long job of a varied workload does not set its estimate to that job's length (as a full
 * peak EWMA would).
 */
export function riseFastEwma(
  previous: number | undefined,
  sample: number,
  riseAlpha: number,
  fallAlpha: number,
): number {
  if (previous === undefined) return sample
  return previous + (sample > previous ? riseAlpha : fallAlpha) * (sample - previous)
}
