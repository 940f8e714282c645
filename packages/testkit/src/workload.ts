import { seededRandom } from './random'

/** One job of a benchmark workload: when it arrives and how much work it is (ms at speed 1). */
export interface WorkItem {
  readonly index: number
  readonly arrivalMs: number
  readonly workMs: number
}

/** Lognormal job sizes with the given mean (σ of the underlying normal = 0.5), from a seeded source. */
function lognormal(random: () => number, meanMs: number, sigma = 0.5): number {
  const mu = Math.log(meanMs) - (sigma * sigma) / 2
  // Box–Muller: two uniforms → one standard normal.
  const u = Math.max(random(), 1e-12)
  const v = random()
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  return Math.max(1, Math.round(Math.exp(mu + sigma * normal)))
}

/** Poisson arrivals at `ratePerMs`, `count` jobs, fixed seed. */
export function poissonWorkload(
  count: number,
  ratePerMs: number,
  meanWorkMs: number,
  seed: number,
): WorkItem[] {
  const random = seededRandom(seed)
  const items: WorkItem[] = []
  let t = 0
  for (let index = 0; index < count; index++) {
    t += -Math.log(Math.max(random(), 1e-12)) / ratePerMs
    items.push({ index, arrivalMs: Math.round(t), workMs: lognormal(random, meanWorkMs) })
  }
  return items
}

/** `count` jobs all arriving at once. */
export function burstWorkload(count: number, meanWorkMs: number, seed: number): WorkItem[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, index) => ({
    index,
    arrivalMs: 0,
    workMs: lognormal(random, meanWorkMs),
  }))
}

/** Mean, 95th percentile and makespan of a run, in ms. */
export interface RunStats {
  readonly mean: number
  readonly p95: number
  readonly makespan: number
}

/** Summarises job latencies (and finish times, for the makespan). */
export function summarize(latencies: readonly number[], finishes: readonly number[] = latencies): RunStats {
  if (latencies.length === 0) return { mean: 0, p95: 0, makespan: 0 }
  const sorted = [...latencies].sort((a, b) => a - b)
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!
  return { mean, p95, makespan: Math.max(...finishes) }
}
