import type { BalancerSnapshot } from '../balancer/snapshot.js'
import type { JobFit } from '../capabilities/job-fit.js'
import type { Clock } from '../contracts/clock.js'
import type { ComfyPrompt, JobResult, ResultOptions, Submission, SubmitOptions } from './types.js'

/**
 * How late binding trades waiting for a fast GPU against keeping every GPU busy. Give it as
 * `createLoadBalancer({ dispatch })`.
 */
export interface LateBindingOptions {
  /**
   * Prompts a server may hold waiting behind its running one. Default 1: the next job is already
   * on the GPU's own queue when the running one ends, so it never idles for the notice and the
   * POST in between; 0 gives work only to idle servers (strict late binding).
   */
  readonly maxPendingPerServer?: number
  /** Re-plan at least this often while jobs wait (ms of the balancer's clock). Default 500. */
  readonly tickMs?: number
  /**
   * Send a server its next job this long before its running job is expected to end (ms), so the
   * GPU does not idle for the round trip of the hand-over. Default 0 (strict late binding).
   */
  readonly leadMs?: number
  /**
   * Hold a job for a busy server only when it would finish there at least this share sooner than
   * on the best server free now. Default 0.5: a burst's big jobs wait for fast GPUs, but a steady
   * stream does not leave slow GPUs idle. 0 holds whenever waiting is faster at all.
   */
  readonly holdMargin?: number
  /**
   * While jobs wait in line, how much a model load weighs on the jobs behind it: a load costs its
   * own time plus its time × this × the share of the line that server will take. Default 4 (the
   * line counts four times: the jobs arriving while it drains are delayed too); 0 places each job
   * where it finishes first alone. Larger keeps each model on fewer GPUs under load.
   */
  readonly loadPressure?: number
  /**
   * Count each job's model loads in where it would finish first: a server that holds the job's
   * model gets it unless waiting for it costs more than loading the model elsewhere. Default true;
   * false plans as if every server held every model (the model-blind dispatcher).
   */
  readonly modelAware?: boolean
}

/** The balancer's settings late binding reads, current at each plan. */
export interface DispatchSettings {
  /** Hand-overs tried per job at most (`jobs.maxAttempts`, or the job's own `maxAttempts`). */
  readonly maxAttempts: number
  /** A snapshot older than this is refreshed before jobs are planned on it (`probe.cacheMs`). */
  readonly cacheMs: number
  /** How long a job put back after failed hand-overs waits for any server to be healthy again (ms). */
  readonly lostAfterMs: number
  /** Off: only the primary takes jobs. */
  readonly autoSwitch: boolean
}

/**
 * What late binding needs from the balancer that owns it: what is known of the servers, the
 * early-bound path to hand a job over with, and ways to learn more. Nothing else, so the layering
 * reads balancer (choose) → jobs (run).
 */
export interface DispatchHost {
  readonly clock: Clock
  /** Where a job can run (each server's `/object_info`) and which models it loads. */
  readonly fit: JobFit
  snapshot(): BalancerSnapshot
  /** Calls `listener` whenever the snapshot changes; returns an unsubscribe. */
  subscribe(listener: () => void): () => void
  settings(): DispatchSettings
  newPromptId(): string
  /** Whether a prompt with this id was placed already (a second one would run twice). */
  isSubmitted(promptId: string): boolean
  /** Places a prompt now (early binding, the job's `server` pin honoured). */
  submit(prompt: ComfyPrompt, options: SubmitOptions): Promise<Submission>
  result(promptId: string, options: ResultOptions): Promise<JobResult>
  /** Probes one server now (its queue after one of our jobs ended). */
  probe(serverId: string): Promise<unknown>
  /** Probes every server now. */
  refresh(): Promise<unknown>
}
