import { allowedByHints } from '../balancer/selection.js'
import type { ServerSnapshot } from '../contracts/server.js'
import { SubmitError } from '../errors/job-errors.js'
import type { ComfyPrompt, Submission, SubmitOptions } from './types.js'
import type { WaitingJob } from './waiting-jobs.js'

type Attempt = SubmitError['attempts'][number]

/** One job waiting in the app for late binding, with the caller's promise to settle. */
export interface WaitingEntry extends WaitingJob {
  readonly prompt: ComfyPrompt
  readonly options: SubmitOptions
  /** Servers that failed to take it, across hand-overs. */
  readonly attempts: Attempt[]
  resolve(submission: Submission): void
  reject(error: unknown): void
  /** Stops listening to the job's abort signal. */
  forget(): void
  /** Since when no healthy server may take it, after a failed hand-over (balancer clock, ms). */
  strandedSince?: number | undefined
  /** The last reason it was told it waits (said once per reason). */
  waitingFor?: string | undefined
}

/** What to do with a job whose planned hand-over failed. */
export type AfterFailedHandOver =
  /** Nothing was sent: wait a tick and plan it again. */
  | { readonly next: 'wait' }
  /** A server failed before taking it: back to the head of the line. */
  | { readonly next: 'retry' }
  | { readonly next: 'reject'; readonly error: unknown }

/**
 * Decides after a planned hand-over failed. Pushes the servers that failed onto `entry.attempts`.
 * `no-server` (the planned server left) and `budget` (the retry budget is spent) are not failures
 * of the job: it is planned again a tick later, so retries go at the pace the budget refills. A
 * refusal (a 4xx) would happen anywhere, as early binding has it.
 */
export function afterFailedHandOver(
  entry: WaitingEntry,
  error: SubmitError,
  maxAttempts: number,
): AfterFailedHandOver {
  if (error.reason === 'no-server' || error.reason === 'budget') return { next: 'wait' }
  entry.attempts.push(...error.attempts)
  if (error.reason !== 'attempts') {
    const first = entry.attempts.length === error.attempts.length
    return {
      next: 'reject',
      error: first
        ? error
        : new SubmitError(entry.promptId, entry.attempts, 'refused', 'the server refused it', {
            cause: error,
          }),
    }
  }
  if (entry.attempts.length < maxAttempts) return { next: 'retry' }
  return { next: 'reject', error: SubmitError.gaveUp(entry.promptId, entry.attempts, { cause: error }) }
}

/** The options of one hand-over: the early-bound path with the job's own id. */
export function handOverOptions(entry: WaitingEntry): SubmitOptions {
  return {
    ...entry.options,
    promptId: entry.promptId,
    binding: 'early',
    // A job put back after a failed hand-over is a retry: it spends the balancer's retry budget.
    isRetry: entry.options.isRetry === true || entry.attempts.length > 0,
  }
}

/**
 * The servers a job may be planned on: those its hints allow, and of them the ones that have not
 * failed it yet, as early binding fails over elsewhere (all of them again once every one has).
 */
export function allowedFor(
  entry: WaitingEntry,
  healthy: readonly ServerSnapshot[],
): (serverId: string) => boolean {
  const allowed = new Set(
    healthy.filter((server) => allowedByHints(server, entry.options.job)).map((server) => server.id),
  )
  const untried = [...allowed].filter((id) => !entry.attempts.some((attempt) => attempt.serverId === id))
  const pick = new Set(untried.length > 0 ? untried : allowed)
  return (serverId) => pick.has(serverId)
}

/** A new job no healthy server may take: nothing to wait for (the early path's fallback applies). */
export function isUnplannable(entry: WaitingEntry, pool: readonly ServerSnapshot[]): boolean {
  return (
    entry.attempts.length === 0 &&
    !pool.some((server) => server.health === 'healthy' && allowedByHints(server, entry.options.job))
  )
}

/**
 * Marks when a job that failed somewhere first had no healthy server left to take it (clears the
 * mark once one is back) and says whether it has waited so for `lostAfterMs` already.
 */
export function strandedTooLong(
  entry: WaitingEntry,
  healthy: readonly ServerSnapshot[],
  now: number,
  lostAfterMs: number,
): boolean {
  const stranded =
    entry.attempts.length > 0 && !healthy.some((server) => allowedByHints(server, entry.options.job))
  if (!stranded) entry.strandedSince = undefined
  else entry.strandedSince ??= now
  return entry.strandedSince !== undefined && now - entry.strandedSince >= lostAfterMs
}

/** The rejection of a job that waited for a server to recover for `lostAfterMs` in vain. */
export function strandedError(entry: WaitingEntry, lostAfterMs: number): SubmitError {
  return new SubmitError(
    entry.promptId,
    entry.attempts,
    'no-server',
    `no server it may run on was healthy again within ${lostAfterMs} ms (jobs.lostAfterMs)`,
  )
}

/** The rejection of a job that left the line before it was sent (abort signal or `interrupt()`). */
export function leftTheLine(entry: Pick<WaitingEntry, 'promptId' | 'attempts'>, why: string): SubmitError {
  return new SubmitError(entry.promptId, entry.attempts, 'aborted', why)
}
