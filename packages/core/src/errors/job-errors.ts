import { ComfyBalancerError } from './base.js'

/** ComfyUI's per-node validation errors, as `POST /prompt` returns them with HTTP 400. */
export type NodeErrors = Readonly<Record<string, unknown>>

/** Why a submission failed: see {@link SubmitError.reason}. */
export type SubmitFailure = 'aborted' | 'budget' | 'no-server' | 'refused' | 'attempts'

/** A submission could not be placed on any server. Nothing was queued anywhere. */
export class SubmitError extends ComfyBalancerError {
  /**
   * Why: `'aborted'` (your signal), `'budget'` (the retry budget is spent: the cluster is failing),
   * `'no-server'` (none left to try), `'refused'` (a server answered a 4xx other than 400), or
   * `'attempts'` (every attempt allowed failed).
   */
  readonly reason: SubmitFailure
  readonly promptId: string
  /** Every server tried, in order, with why it did not take the job. */
  readonly attempts: ReadonlyArray<{ readonly serverId: string; readonly reason: string }>
  /** The last server tried, if any. */
  readonly serverId: string | undefined

  constructor(
    promptId: string,
    attempts: ReadonlyArray<{ readonly serverId: string; readonly reason: string }>,
    reason: SubmitFailure,
    detail: string,
    options?: { cause?: unknown },
  ) {
    // Reasons that start with the server id already name it.
    const tried = attempts
      .map((a) => (a.reason.startsWith(a.serverId) ? a.reason : `${a.serverId} (${a.reason})`))
      .join('; ')
    super(
      'SUBMIT_FAILED',
      `Prompt ${promptId} was not queued: ${detail}${tried ? `. Tried: ${tried}` : ''}.`,
      options,
    )
    this.name = 'SubmitError'
    this.reason = reason
    this.promptId = promptId
    this.attempts = attempts
    this.serverId = attempts[attempts.length - 1]?.serverId
  }

  /** Every attempt allowed failed. */
  static gaveUp(
    promptId: string,
    attempts: ReadonlyArray<{ readonly serverId: string; readonly reason: string }>,
    options?: { cause?: unknown },
  ): SubmitError {
    const count = `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`
    return new SubmitError(promptId, attempts, 'attempts', `gave up after ${count}`, options)
  }
}

/** ComfyUI refused the prompt as invalid (HTTP 400). Not retried: another server would refuse it too. */
export class PromptRejectedError extends ComfyBalancerError {
  readonly promptId: string
  readonly serverId: string
  /** ComfyUI's `error.type`, e.g. `prompt_outputs_failed_validation`, `missing_node_type`. */
  readonly type: string
  /** ComfyUI's `node_errors`, by node id. */
  readonly nodeErrors: NodeErrors

  constructor(promptId: string, serverId: string, type: string, message: string, nodeErrors: NodeErrors) {
    const nodes = Object.keys(nodeErrors)
    super(
      'PROMPT_REJECTED',
      `${serverId} rejected prompt ${promptId} (${type}): ${message}${nodes.length ? ` — nodes ${nodes.join(', ')}` : ''}. Fix the workflow; it is not retried elsewhere.`,
    )
    this.name = 'PromptRejectedError'
    this.promptId = promptId
    this.serverId = serverId
    this.type = type
    this.nodeErrors = nodeErrors
  }
}

/** How a job ended without outputs. */
export type JobFailure = 'execution_error' | 'interrupted' | 'lost' | 'aborted'

/** One run of a job that failed on a server, as {@link JobError.failures} lists them. */
export interface JobRunFailure {
  readonly promptId: string
  readonly serverId: string
  readonly reason: JobFailure
  /** From ComfyUI's `execution_error`, when it sent one. */
  readonly exceptionType: string | undefined
  readonly exceptionMessage: string | undefined
  readonly nodeId: string | undefined
  readonly nodeType: string | undefined
}

/** A job was queued but did not produce outputs. */
export class JobError extends ComfyBalancerError {
  readonly promptId: string
  /** The server that held the job last. */
  readonly serverId: string
  readonly reason: JobFailure
  /** ComfyUI's `execution_error` data (node id, type, exception), when it failed there. */
  readonly details: Readonly<Record<string, unknown>> | undefined
  /**
   * Every run of the job that failed, in order, when `run()` retried it on other servers: one per
   * server, with what each one's ComfyUI reported. Empty for a job that ran once.
   */
  readonly failures: readonly JobRunFailure[]

  constructor(
    promptId: string,
    serverId: string,
    reason: JobFailure,
    message: string,
    details?: Readonly<Record<string, unknown>>,
    failures: readonly JobRunFailure[] = [],
  ) {
    super(reason === 'lost' ? 'JOB_LOST' : 'JOB_FAILED', `Job ${promptId} on ${serverId}: ${message}`)
    this.name = 'JobError'
    this.promptId = promptId
    this.serverId = serverId
    this.reason = reason
    this.details = details
    this.failures = failures
  }
}

/**
 * `interrupt()` could not tell whether the job was stopped: its server did not answer (or answered
 * nonsense) both to the interrupt and to the check after it. The job may still run.
 */
export class InterruptError extends ComfyBalancerError {
  readonly promptId: string
  readonly serverId: string

  constructor(promptId: string, serverId: string, reason: string, options?: { cause?: unknown }) {
    super('INTERRUPT_FAILED', `Could not interrupt prompt ${promptId} on ${serverId}: ${reason}`, options)
    this.name = 'InterruptError'
    this.promptId = promptId
    this.serverId = serverId
  }
}

/** Thrown by `result()` and friends for a prompt id this balancer did not place (or forgot). */
export class UnknownJobError extends ComfyBalancerError {
  readonly promptId: string

  constructor(promptId: string) {
    super('UNKNOWN_JOB', `No job ${promptId} was submitted through this balancer (or its record expired).`)
    this.name = 'UnknownJobError'
    this.promptId = promptId
  }
}
