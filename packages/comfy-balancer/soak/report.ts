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

/** One job as the soak saw it from the caller's side. */
export interface JobRecord {
  readonly index: number
  readonly arrival: number
  /** `rerunIfLost: false` (strict at-most-once); otherwise the default. */
  readonly strict: boolean
  settledAt?: number
  settles: number
  /** The balancer reported the job started (a pushed or polled start). */
  started: boolean
  promptId?: string
  result?: JobResult
  error?: unknown
}
