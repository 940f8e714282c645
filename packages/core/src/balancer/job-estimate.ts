import { queueLength, type ServerSnapshot } from '../contracts/server.js'

/**
 * The job time (ms) assumed for every server while none has a measured one: an estimate, not a
 * timeout. Only ratios between servers matter then, so any constant works.
 */
export const DEFAULT_JOB_ESTIMATE_MS = 1_000

/**
 * The median job time among servers that have one, normalised to weight 1 (`jobMs × weight`, so a
 * measured fast GPU does not make unmeasured slow ones look fast); undefined when none is known.
 */
export function fleetMedianJobMs(servers: readonly ServerSnapshot[]): number | undefined {
  const values: number[] = []
  for (const server of servers) {
    if (server.jobMs !== undefined && server.jobMs > 0)
      values.push(server.jobMs * (server.weight > 0 ? server.weight : 1))
  }
  const count = values.length
  if (count === 0) return undefined
  const middle = count >> 1
  const upper = select(values, middle)
  if (count % 2 === 1) return upper
  // After selecting the middle, everything left of it is ≤ it: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY
  for (let i = 0; i < middle; i++) if (values[i]! > lower) lower = values[i]!
  return (lower + upper) / 2
}

/** Quickselect: the k-th smallest value, in linear expected time (it runs on every choice). */
function select(values: number[], k: number): number {
  let left = 0
  let right = values.length - 1
  while (left < right) {
    const pivot = values[(left + right) >> 1]!
    let i = left
    let j = right
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const swap = values[i]!
        values[i] = values[j]!
        values[j] = swap
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else return values[k]!
  }
  return values[k]!
}

/**
 * How long one job takes on `server`: its own measured `jobMs` when known; before that, the
 * weight-normalised fleet median scaled by 1/weight (a weight-2 server is assumed twice as fast).
 * Never 0: an unmeasured server must not look free.
 */
export function jobEstimateMs(
  server: ServerSnapshot,
  fleetMedianMs: number | undefined,
  defaultMs = DEFAULT_JOB_ESTIMATE_MS,
): number {
  if (server.jobMs !== undefined && server.jobMs > 0) return server.jobMs
  const base = fleetMedianMs ?? defaultMs
  return base / (server.weight > 0 ? server.weight : 1e-6)
}

/**
 * When a new job would finish on `server`, from now (ms): the time left on the running prompt,
 * the queued ones, then this one. The running prompt's time left is known when the server pushed
 * its start (`runningSince`); otherwise a whole job is assumed.
 */
export function expectedFinishMs(
  server: ServerSnapshot,
  fleetMedianMs: number | undefined,
  now?: number,
  defaultMs = DEFAULT_JOB_ESTIMATE_MS,
): number {
  const jobMs = jobEstimateMs(server, fleetMedianMs, defaultMs)
  const ahead = queueLength(server)
  if (ahead === 0) return jobMs
  const left =
    server.runningSince === undefined || now === undefined
      ? jobMs
      : // An overrunning prompt is not about to end: keep a tenth of a job as its floor.
        Math.max(jobMs * 0.1, jobMs - (now - server.runningSince))
  return left + (ahead - 1) * jobMs + jobMs
}
