import { JobError } from '../errors/job-errors.js'
import { BINARY_FRAME } from '../ws/running-prompt.js'
import type { ComfyClient } from './comfy-client.js'
import type { JobHost } from './host.js'
import { LoadWatch } from './load-watch.js'
import { locate, type Whereabouts } from './locate.js'
import { lostWhy, silenceLimit } from './lost-verdict.js'
import { readOutcome } from './outcome.js'
import type { OwnedJob } from './ownership.js'
import type { Placement } from './placement.js'
import { collect, type Pushed, pushedFailure } from './pushed.js'
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
  const loads = new LoadWatch(
    job.prompt,
    (serverId, nodeId) => host.fit.nodeModels(serverId, job.prompt, nodeId),
    (serverId, model, ms) => host.modelLoaded(serverId, model, ms),
  )
  const stopListening = host.onPrompt(job.promptId, (type, data, serverId, at, epoch) => {
    if (serverId !== job.serverId) return
    if (type === BINARY_FRAME) {
      if (data.bytes instanceof Uint8Array)
        emit({
          type: 'message',
          promptId: job.promptId,
          serverId,
          message: { kind: 'binary', bytes: data.bytes },
        })
      return
    }
    emit({ type: 'message', promptId: job.promptId, serverId, message: { kind: 'json', type, data } })
    collect(pushed, type, data, serverId, at)
    loads.message(type, data, serverId, at)
    if (type === 'execution_error' && !pushed.failureObserved) {
      // The push is ComfyUI's own word: take the server out now, before the result is read, or an
      // idle black hole takes the next job in the meantime.
      pushed.failureObserved = true
      host.observe(serverId, { type: 'job-failed', reason: pushedFailure(job.promptId, serverId, data) })
    }
    if (type === 'execution_start' && job.watch?.serverId !== serverId && epoch !== undefined) {
      // Its start came over this connection: every later message of this run comes over it too, so
      // it is watched from the start even before the first status check.
      job.watch = { serverId, epoch }
    }
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
    return await followLoop(deps, job, options, emit, news, pushed, loads)
  } finally {
    stopListening()
    news.arrive()
  }
}

async function whereOnOwner(deps: FollowDeps, job: OwnedJob): Promise<'held' | 'absent' | 'unreachable'> {
  const target = deps.host.target(job.serverId)
  if (!target) return 'absent'
  const where = await locate(deps.client, target, job.promptId, deps.host.settings().requestTimeoutMs)
  return where.state === 'absent' ? 'absent' : where.state === 'unreachable' ? 'unreachable' : 'held'
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
  pushed: Pushed,
  loads: LoadWatch,
): Promise<JobResult> {
  const { host, client, onStaleCopy } = deps
  const { clock } = host
  for (;;) {
    if (options.signal?.aborted)
      throw new JobError(job.promptId, job.serverId, 'aborted', 'stopped waiting: aborted')
    const settings = host.settings()
    const target = host.target(job.serverId)
    const epochBefore = host.socketEpoch(job.serverId)
    const where = target
      ? await locate(client, target, job.promptId, settings.requestTimeoutMs, options.signal)
      : ({ state: 'unreachable', reason: 'the server left the config', cause: 'connection' } as const)
    const now = clock.now()
    if (where.state === 'done') {
      const outcome = readOutcome(job.promptId, job.serverId, where.entry)
      if (!outcome.ok) {
        if (outcome.error.reason === 'execution_error' && !pushed.failureObserved)
          host.observe(job.serverId, { type: 'job-failed', reason: outcome.error.message })
        throw outcome.error
      }
      host.observe(job.serverId, { type: 'job-succeeded' })
      // The GPU's work alone: a model load is counted where the job goes, by the models it needs.
      if (outcome.durationMs !== undefined)
        host.recordJobDuration(job.serverId, Math.max(0, outcome.durationMs - loads.loadMs))
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
      const epoch = host.socketEpoch(job.serverId)
      job.watch = epoch !== undefined && epoch === epochBefore ? { serverId: job.serverId, epoch } : undefined
      if (where.state === 'running' && !job.started) {
        job.started = true
        emit({ type: 'started', promptId: job.promptId, serverId: job.serverId })
      }
    } else {
      const gone = where.state === 'absent' || now - job.lastSeenAt >= silenceLimit(host, job, where)
      // ComfyUI pushed the success: a silent or forgetful owner changes nothing, the outputs are known.
      if ((gone || where.state === 'unreachable') && pushed.success && pushed.serverId === job.serverId) {
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
        const why = lostWhy(host, job, where as Extract<Whereabouts, { state: 'absent' | 'unreachable' }>)
        if (why.verdict === 'lost') throw new JobError(job.promptId, job.serverId, 'lost', why.text)
        job.started = false
        delete job.watch
        if (where.state === 'unreachable') {
          // Silent for this long is down: it must answer probes again before it gets work, and its
          // copy of the prompt is removed when it does.
          host.observe(job.serverId, { type: 'connection', reason: why.text })
          onStaleCopy(job.serverId, job.promptId)
        }
        await replace(deps, job, why.text, emit)
        continue
      }
    }
    // With pushes, status checks only reconcile (events can be missed while a socket reconnects);
    // an owner that stopped answering is checked at the poll pace, so a silence limit is not overrun.
    const pushing = host.pushes(job.serverId) && where.state !== 'unreachable'
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
  host.logger.warn(`job ${job.promptId} on ${from}: ${why}; placing it again`)
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
