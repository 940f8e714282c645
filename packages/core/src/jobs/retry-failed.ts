import { JobError, type JobRunFailure, SubmitError } from '../errors/job-errors.js'
import type { ComfyPrompt, JobResult, ResultOptions, SubmitOptions } from './types.js'

/** What retrying a failed job needs from the job API. */
export interface RetryHost {
  newPromptId(): string
  /** Runs allowed per job (`jobs.maxAttempts`). */
  maxAttempts(): number
  /** Whether the caller asked to interrupt this prompt (then its interruption is no failure). */
  interruptedByCaller(promptId: string): boolean
  /** The job now runs as `current`: `interrupt(first)` must reach it there. */
  renamed(first: string, current: string): void
}

type RunOptions = SubmitOptions & ResultOptions

/** A run that failed on its server, not because of the caller: another server may well succeed. */
function failedThere(error: unknown, host: RetryHost): error is JobError {
  if (!(error instanceof JobError)) return false
  if (error.reason === 'execution_error') return true
  return error.reason === 'interrupted' && !host.interruptedByCaller(error.promptId)
}

function runFailure(error: JobError): JobRunFailure {
  const text = (key: string) => {
    const value = error.details?.[key]
    return value === undefined || value === null ? undefined : String(value)
  }
  return {
    promptId: error.promptId,
    serverId: error.serverId,
    reason: error.reason,
    exceptionType: text('exception_type'),
    exceptionMessage: text('exception_message')?.trim(),
    nodeId: text('node_id'),
    nodeType: text('node_type'),
  }
}

function describe(failure: JobRunFailure): string {
  if (failure.reason === 'interrupted') return `${failure.serverId}: interrupted`
  const node =
    failure.nodeId === undefined
      ? ''
      : ` at node ${failure.nodeId}${failure.nodeType ? ` (${failure.nodeType})` : ''}`
  return `${failure.serverId}: ${failure.exceptionType ?? 'error'}${failure.exceptionMessage ? `: ${failure.exceptionMessage}` : ''}${node}`
}

/** The last failure, carrying every one before it. */
function withFailures(last: JobError, failures: readonly JobRunFailure[]): JobError {
  if (failures.length < 2)
    return new JobError(last.promptId, last.serverId, last.reason, detail(last), last.details, failures)
  const servers = new Set(failures.map((f) => f.serverId)).size
  const verdict =
    servers > 1 && failures.every((f) => f.reason === 'execution_error')
      ? `failed on ${servers} different servers, so the workflow itself fails`
      : `failed ${failures.length} times`
  return new JobError(
    last.promptId,
    last.serverId,
    last.reason,
    `${verdict} — ${failures.map(describe).join('; ')}`,
    last.details,
    failures,
  )
}

/** The message of a JobError without its `Job … on …:` prefix. */
function detail(error: JobError): string {
  const prefix = `Job ${error.promptId} on ${error.serverId}: `
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
}

/**
 * Runs a job and, when a run fails on its server (`execution_error`, or an interruption the caller
 * did not ask for), runs the same prompt again under a new prompt id on a server it has not failed
 * on, drawing on the retry budget, up to `maxAttempts` runs. Two different servers failing it make
 * it the workflow's fault: the error then lists every server's exception. A 400 (invalid workflow)
 * is a `PromptRejectedError` and never retried; `retryFailed: false` turns all of this off.
 */
export async function runRetryingFailures(
  runOnce: (prompt: ComfyPrompt, options: RunOptions) => Promise<JobResult>,
  prompt: ComfyPrompt,
  options: RunOptions,
  host: RetryHost,
): Promise<JobResult> {
  const failures: JobRunFailure[] = []
  const first = options.promptId
  let current = options
  let lastError: JobError | undefined
  for (;;) {
    let error: JobError
    try {
      const result = await runOnce(prompt, current)
      return failures.length === 0 ? result : { ...result, attempts: result.attempts + failures.length }
    } catch (caught) {
      if (!failedThere(caught, host)) {
        // A retry that could not be placed (no other server, budget spent): the failure is the news.
        if (failures.length > 0 && caught instanceof SubmitError) throw withFailures(lastError!, failures)
        throw caught
      }
      error = caught
    }
    failures.push(runFailure(error))
    lastError = error
    const failedOn = [...new Set(failures.map((f) => f.serverId))]
    const workflowsFault = failedOn.length > 1 && failures.every((f) => f.reason === 'execution_error')
    const spent = failures.length >= (options.maxAttempts ?? host.maxAttempts())
    if (options.retryFailed === false || workflowsFault || spent || options.signal?.aborted)
      throw withFailures(error, failures)
    const promptId = host.newPromptId()
    host.renamed(first ?? failures[0]!.promptId, promptId)
    options.onEvent?.({
      type: 'resubmitted',
      promptId: error.promptId,
      from: error.serverId,
      reason: `${describe(failures.at(-1)!)}; running again as ${promptId}`,
    })
    const exclude = [...(options.job?.exclude ?? []), ...failedOn]
    // A pinned server chose the first run only; the rerun goes wherever it is allowed.
    const { server: _pinned, ...unpinned } = options
    current = { ...unpinned, promptId, isRetry: true, job: { ...options.job, exclude } }
  }
}
