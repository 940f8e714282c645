import { JobError } from '../errors/job-errors.js'
import type { OwnedJob } from './ownership.js'
import type { JobEvent, JobResult, ResultOptions } from './types.js'

/** One shared follow of a job: its outcome, and who is waiting for it. */
interface Following {
  readonly promise: Promise<JobResult>
  readonly listeners: Set<(event: JobEvent) => void>
  callers: number
  readonly controller: AbortController
}

/** Starts following a job: resolves with its result, reporting events to `onEvent`. */
export type StartFollow = (
  job: OwnedJob,
  options: { readonly signal: AbortSignal; readonly onEvent: (event: JobEvent) => void },
) => Promise<JobResult>

/**
 * Several callers of `result()` for one prompt share one follow (one status poll, one decision to
 * place it again); each gets its own events and may abort alone. When the last caller leaves, the
 * follow stops, and the next caller starts a fresh one.
 */
export class SharedFollows {
  readonly #following = new Map<string, Following>()

  constructor(
    private readonly start: StartFollow,
    /** The follow ended with an outcome (not because every caller left). */
    private readonly settled: (
      promptId: string,
      outcome: { ok: true; value: JobResult } | { ok: false; error: unknown },
    ) => void,
  ) {}

  /** Waits for `job`'s result, joining the follow already running for it if there is one. */
  join(job: OwnedJob, options: ResultOptions): Promise<JobResult> {
    const listener = eventsWanted(options)
    const shared = this.#following.get(job.promptId) ?? this.#follow(job, listener)
    return this.#attach(shared, job, options, listener)
  }

  #follow(job: OwnedJob, first: ((event: JobEvent) => void) | undefined): Following {
    const controller = new AbortController()
    // The first caller listens before the follow starts: messages pushed before anyone followed the
    // job are replayed at its start, and their events must reach that caller.
    const listeners = new Set<(event: JobEvent) => void>(first ? [first] : [])
    const promise = this.start(job, {
      signal: controller.signal,
      onEvent: (event) => {
        for (const listener of listeners) listener(event)
      },
    })
    const shared: Following = { promise, listeners, callers: 0, controller }
    this.#following.set(job.promptId, shared)
    promise
      .then(
        (value) => this.settled(job.promptId, { ok: true, value }),
        (error: unknown) => {
          // Stopped because every caller left: not an outcome; a later result() follows again.
          if (!controller.signal.aborted) this.settled(job.promptId, { ok: false, error })
        },
      )
      .finally(() => {
        if (this.#following.get(job.promptId) === shared) this.#following.delete(job.promptId)
      })
    return shared
  }

  #attach(
    shared: Following,
    job: OwnedJob,
    options: ResultOptions,
    onEvent: ((event: JobEvent) => void) | undefined,
  ): Promise<JobResult> {
    if (onEvent) shared.listeners.add(onEvent)
    shared.callers += 1
    return new Promise<JobResult>((resolve, reject) => {
      let attached = true
      const detach = () => {
        if (!attached) return
        attached = false
        if (onEvent) shared.listeners.delete(onEvent)
        shared.callers -= 1
        options.signal?.removeEventListener('abort', onAbort)
        if (shared.callers === 0) {
          // Nobody waits any more: stop, and let the next result() start a fresh follow at once.
          shared.controller.abort()
          if (this.#following.get(job.promptId) === shared) this.#following.delete(job.promptId)
        }
      }
      const onAbort = () => {
        detach()
        reject(new JobError(job.promptId, job.serverId, 'aborted', 'stopped waiting: aborted'))
      }
      if (options.signal?.aborted) {
        onAbort()
        return
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      shared.promise.then(
        (value) => {
          detach()
          resolve(value)
        },
        (error: unknown) => {
          detach()
          reject(error)
        },
      )
    })
  }
}

/** The caller's `onEvent`, given pushed `message` events only if it asked for them. */
function eventsWanted(options: ResultOptions): ((event: JobEvent) => void) | undefined {
  const { onEvent } = options
  if (onEvent === undefined || options.messages === true) return onEvent
  return (event) => {
    if (event.type !== 'message') onEvent(event)
  }
}
