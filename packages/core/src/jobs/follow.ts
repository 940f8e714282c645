import { JobError } from '../errors/job-errors.js'
import type { ComfyClient } from './comfy-client.js'
import type { JobHost } from './host.js'
import { locate } from './locate.js'
import { readOutcome } from './outcome.js'
import type { OwnedJob } from './ownership.js'
import type { Placement } from './placement.js'
import type { JobEvent, JobResult, ResultOptions } from './types.js'

/** What following a job needs from the job service. */
export interface FollowDeps {
  readonly host: JobHost
  readonly client: ComfyClient
  readonly placement: Placement
  /** A server that may still hold a copy we gave up on: remove it there once it answers. */
  readonly onStaleCopy: (serverId: string, promptId: string) => void
}

/**
 * Follows one job on its owner until it has outputs or a typed error. A job that disappears before
 * it ever ran (its server restarted, or stayed unreachable past `lostAfterMs`) is placed again;
 * a job known to have run is never resubmitted.
 */
export async function follow(deps: FollowDeps, job: OwnedJob, options: ResultOptions): Promise<JobResult> {
  const { host } = deps
  const emit = (event: JobEvent) => options.onEvent?.(event)
  const news = new News()
  const stopListening = host.onPrompt(job.promptId, (type, data, serverId) => {
    if (serverId !== job.serverId) return
    if (type === 'execution_start' && !job.started) {
      job.started = true
      emit({ type: 'started', promptId: job.promptId, serverId })
    } else if (type === 'progress' && typeof data.value === 'number' && typeof data.max === 'number') {
      const node = typeof data.node === 'string' ? { node: data.node } : {}
      emit({ type: 'progress', promptId: job.promptId, serverId, value: data.value, max: data.max, ...node })
      return
    }
    news.arrive()
  })
  try {
    return await followLoop(deps, job, options, emit, news)
  } finally {
    stopListening()
    news.arrive()
  }
}

/** Wakes the follow loop early when the owner pushes something about the job. */
class News {
  #pending = false
  #wake: (() => void) | undefined

  arrive(): void {
    this.#pending = true
    this.#wake?.()
  }

  /** Resolves at the next push (or at once if one came since the last call), or after `ms`. */
  async next(clock: JobHost['clock'], ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#pending) {
      this.#pending = false
      return
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clock.clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.#wake = undefined
        resolve()
      }
      const timer = clock.setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      this.#wake = done
    })
    this.#pending = false
  }
}

async function followLoop(
  deps: FollowDeps,
  job: OwnedJob,
  options: ResultOptions,
  emit: (event: JobEvent) => void,
  news: News,
): Promise<JobResult> {
  const { host, client, placement, onStaleCopy } = deps
  const { clock } = host
  for (;;) {
    if (options.signal?.aborted)
      throw new JobError(job.promptId, job.serverId, 'aborted', 'stopped waiting: aborted')
    const settings = host.settings()
    const target = host.target(job.serverId)
    const where = target
      ? await locate(client, target, job.promptId, settings.requestTimeoutMs, options.signal)
      : ({ state: 'unreachable', reason: 'the server left the config', cause: 'connection' } as const)
    const now = clock.now()
    if (where.state === 'done') {
      const outcome = readOutcome(job.promptId, job.serverId, where.entry)
      if (!outcome.ok) {
        if (outcome.error.reason === 'execution_error')
          host.observe(job.serverId, { type: 'job-failed', reason: outcome.error.message })
        throw outcome.error
      }
      host.observe(job.serverId, { type: 'job-succeeded' })
      if (outcome.durationMs !== undefined) host.recordJobDuration(job.serverId, outcome.durationMs)
      return {
        promptId: job.promptId,
        serverId: job.serverId,
        url: target?.base ?? '',
        outputs: outcome.outputs,
        durationMs: outcome.durationMs,
        attempts: job.attempts,
      }
    }
    if (where.state === 'pending' || where.state === 'running') {
      job.lastSeenAt = now
      if (where.state === 'running' && !job.started) {
        job.started = true
        emit({ type: 'started', promptId: job.promptId, serverId: job.serverId })
      }
    } else {
      const gone = where.state === 'absent' || now - job.lastSeenAt >= settings.lostAfterMs
      if (gone) {
        const why =
          where.state === 'unreachable'
            ? `unreachable: ${where.reason}`
            : 'its server no longer has it (restarted?)'
        if (job.started && !job.options.rerunIfLost)
          throw new JobError(
            job.promptId,
            job.serverId,
            'lost',
            `it had started, then ${why}; not resubmitted (set rerunIfLost for idempotent workflows)`,
          )
        job.started = false
        if (where.state === 'unreachable') onStaleCopy(job.serverId, job.promptId)
        await replace(host, placement, job, why, emit)
        continue
      }
    }
    // With pushes, status checks only reconcile (events can be missed while a socket reconnects).
    const pushed = host.pushes(job.serverId)
    await news.next(clock, pushed ? settings.pollIntervalMs * 10 : settings.pollIntervalMs, options.signal)
  }
}

async function replace(
  host: JobHost,
  placement: Placement,
  job: OwnedJob,
  why: string,
  emit: (event: JobEvent) => void,
): Promise<void> {
  const from = job.serverId
  host.logger.warn(`job ${job.promptId} never ran on ${from} (${why}): placing it again`)
  const submission = await placement.place(job.promptId, job.prompt, job.options, [from]).catch(() =>
    // Only the old server is left: it answers again and lost the job, so it may take it back.
    placement.place(job.promptId, job.prompt, job.options),
  )
  job.serverId = submission.serverId
  host.shareOwner(job.promptId, submission.serverId)
  job.attempts += 1
  job.lastSeenAt = host.clock.now()
  emit({ type: 'resubmitted', promptId: job.promptId, from, reason: why })
  emit({ type: 'queued', promptId: job.promptId, serverId: submission.serverId })
}
