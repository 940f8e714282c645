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
  const pushed: Pushed = { serverId: job.serverId, outputs: {}, success: false }
  const stopListening = host.onPrompt(job.promptId, (type, data, serverId) => {
    if (serverId !== job.serverId) return
    collect(pushed, type, data, serverId, host.clock.now())
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
    return await followLoop(deps, job, options, emit, news, pushed)
  } finally {
    stopListening()
    news.arrive()
  }
}

/**
 * What the owner pushed about the job over its WebSocket: enough to finish the job if the server
 * restarts (wiping its in-memory history) after it pushed `execution_success` but before the result
 * was read — rather than call it lost, or run it again.
 */
interface Pushed {
  serverId: string
  outputs: Record<string, Record<string, unknown>>
  success: boolean
  startedAt?: number
  endedAt?: number
}

function collect(
  pushed: Pushed,
  type: string,
  data: Record<string, unknown>,
  serverId: string,
  now: number,
): void {
  if (pushed.serverId !== serverId) {
    // Placed again elsewhere: what the old server said no longer applies.
    pushed.serverId = serverId
    pushed.outputs = {}
    pushed.success = false
    delete pushed.startedAt
    delete pushed.endedAt
  }
  if (type === 'execution_start') pushed.startedAt = now
  else if (type === 'executed' && typeof data.node === 'string' && isRecord(data.output)) {
    pushed.outputs[data.node] = data.output
  } else if (type === 'execution_success') {
    pushed.success = true
    pushed.endedAt = now
  }
}

async function whereOnOwner(deps: FollowDeps, job: OwnedJob): Promise<'held' | 'absent' | 'unreachable'> {
  const target = deps.host.target(job.serverId)
  if (!target) return 'absent'
  const where = await locate(deps.client, target, job.promptId, deps.host.settings().requestTimeoutMs)
  return where.state === 'absent' ? 'absent' : where.state === 'unreachable' ? 'unreachable' : 'held'
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

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
  pushed: Pushed,
): Promise<JobResult> {
  const { host, client, onStaleCopy } = deps
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
      if (gone && pushed.success && pushed.serverId === job.serverId) {
        host.logger.info(
          `${job.serverId} lost ${job.promptId} after pushing its success: finished from the pushed outputs`,
        )
        host.observe(job.serverId, { type: 'job-succeeded' })
        return {
          promptId: job.promptId,
          serverId: job.serverId,
          url: target?.base ?? '',
          outputs: pushed.outputs,
          durationMs:
            pushed.startedAt !== undefined && pushed.endedAt !== undefined
              ? pushed.endedAt - pushed.startedAt
              : undefined,
          attempts: job.attempts,
        }
      }
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
        await replace(deps, job, why, emit)
        continue
      }
    }
    // With pushes, status checks only reconcile (events can be missed while a socket reconnects).
    const pushing = host.pushes(job.serverId)
    await news.next(clock, pushing ? settings.pollIntervalMs * 10 : settings.pollIntervalMs, options.signal)
  }
}

async function replace(
  deps: FollowDeps,
  job: OwnedJob,
  why: string,
  emit: (event: JobEvent) => void,
): Promise<void> {
  const { host, placement } = deps
  const from = job.serverId
  host.logger.warn(`job ${job.promptId} never ran on ${from} (${why}): placing it again`)
  const submission = await placement.place(job.promptId, job.prompt, job.options, [from]).catch(async () => {
    // Only the old server is left (or the job may run nowhere else). Ask it first: a server that was
    // only slow still has the prompt, and ComfyUI would run the same prompt id twice. Only a definite
    // "absent" lets it have the prompt again.
    const where = await whereOnOwner(deps, job)
    if (where === 'held') return undefined
    if (where === 'unreachable') {
      throw new JobError(
        job.promptId,
        from,
        'lost',
        `its server stopped answering before it was seen to run (${why}) and no other server may take it; not placed again, as it may still run there`,
      )
    }
    return placement.place(job.promptId, job.prompt, job.options)
  })
  if (submission === undefined) {
    host.logger.info(`${from} still holds ${job.promptId}: following it there`)
    job.lastSeenAt = host.clock.now()
    return
  }
  job.serverId = submission.serverId
  host.shareOwner(job.promptId, submission.serverId)
  job.attempts += 1
  job.lastSeenAt = host.clock.now()
  emit({ type: 'resubmitted', promptId: job.promptId, from, reason: why })
  emit({ type: 'queued', promptId: job.promptId, serverId: submission.serverId })
}
