import type { JobResult } from '@comfy-balancer/core'

/** How one typed error was explained, or not. */
export interface ErrorCause {
  readonly code: string
  readonly cause: string
}

export interface SoakReport {
  readonly jobs: number
  readonly seed: number
  readonly timeScale: number
  readonly speeds: readonly number[]
  readonly settled: number
  readonly succeeded: number
  /** Jobs that never settled, or settled with outputs no server produced for them. */
  readonly lost: number
  /** Prompt ids that completed (success or error) more than once, or jobs settled more than once. */
  readonly duplicated: number
  /** Typed errors by code. */
  readonly errors: Record<string, number>
  /** Typed errors by code and cause (the fault that explains them). */
  readonly errorCauses: Record<string, number>
  /** Typed errors no injected fault explains (should be 0). */
  readonly unexplained: number
  /** Errors that were not our typed errors at all (should be 0). */
  readonly untyped: number
  /** Duplicated prompt ids by cause (see {@link WIPED_RESULT}); `other` has no known cause. */
  readonly duplicatedCauses: Record<string, number>
  /** The first few duplicated prompt ids: each run, the job's outcome and the faults around it. */
  readonly duplicateDetails: readonly string[]
  /** Prompt ids that started on two servers: each preceded by a lost or interrupted run. */
  readonly startedOnTwoServers: number
  /** Executions cut short: by a crash (`lost`) or by the balancer removing a stale copy (`interrupted`). */
  readonly executions: { total: number; success: number; lost: number; interrupted: number; error: number }
  readonly faults: Record<string, number>
  readonly resubmitted: number
  /** Log lines and events the balancer produced (debug level), all scanned for credentials. */
  readonly scannedLines: number
  readonly secretHits: number
  /** Latency from arrival to the end of the job on its server (simulated ms). */
  readonly latency: { mean: number; p95: number }
  readonly simulatedMs: number
  readonly wallMs: number
  /** `process.memoryUsage().heapUsed` after `gc()`, in MB; null without `--expose-gc`. */
  readonly heap: { beforeMb: number | null; afterJobsMb: number | null; afterDisposeMb: number | null }
}

/**
 * A known core behaviour the soak finds: a job with `rerunIfLost` that finished on its server, whose
 * server then restarted (wiping ComfyUI's in-memory history) before the balancer read the result,
 * is run a second time, although the balancer had seen it start and end.
 */
export const WIPED_RESULT =
  'rerunIfLost job run again: a restart wiped its finished result before it was read'

/**
 * The same window for a job *without* `rerunIfLost`: it finished on its server so soon after being
 * handed over (or while its server's socket was reconnecting) that the balancer had not yet seen it
 * run, and a restart then wiped the evidence, so it was placed again as never run. Issue 15 item 4
 * (count every duplicate) has to close this; until then the soak names it rather than hide it.
 */
export const WIPED_UNSEEN =
  'run again as never run: a restart wiped its finished result before the balancer saw it run'

/** One job as the soak saw it from the caller's side. */
export interface JobRecord {
  readonly index: number
  readonly arrival: number
  readonly rerunIfLost: boolean
  settledAt?: number
  settles: number
  /** The balancer reported the job started (a pushed or polled start). */
  started: boolean
  promptId?: string
  result?: JobResult
  error?: unknown
}
