import { ComfyBalancerError } from '../errors/base.js'
import { InterruptError, JobError } from '../errors/job-errors.js'
import { InvalidArgumentError } from '../errors/server-errors.js'
import { endpointUrl } from '../util/request-target.js'
import type { ComfyClient } from './comfy-client.js'
import { type FollowDeps, follow } from './follow.js'
import type { JobHost } from './host.js'
import { type HistoryEntry, locate } from './locate.js'
import { type OwnedJob, OwnershipMap } from './ownership.js'
import { Placement } from './placement.js'
import type {
  ComfyPrompt,
  JobEvent,
  JobResult,
  OutputFile,
  ResultOptions,
  Submission,
  SubmitOptions,
} from './types.js'
import { CANONICAL_UUID } from './wait.js'

/** One shared follow of a job: its outcome, and who is waiting for it. */
interface Following {
  readonly promise: Promise<JobResult>
  readonly listeners: Set<(event: JobEvent) => void>
  callers: number
  readonly controller: AbortController
}

type Outcome =
  | { readonly ok: true; readonly value: JobResult }
  | { readonly ok: false; readonly error: unknown }

/** Whether a finished history entry ended by interruption (ComfyUI's `execution_interrupted`). */
function wasInterrupted(entry: HistoryEntry): boolean {
  const messages = entry.status?.messages
  return Array.isArray(messages) && messages.some((m) => Array.isArray(m) && m[0] === 'execution_interrupted')
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

/**
 * The job API behind `submit`, `result`, `run`, `interrupt` and `viewUrl`: places prompts safely,
 * remembers their owners, follows them to outputs, and cleans up copies left on servers it gave up on.
 */
export class JobService {
  readonly #owners = new OwnershipMap()
  readonly #following = new Map<string, Following>()
  readonly #finished = new Map<string, Outcome & { readonly at: number }>()
  readonly #stale = new Map<string, Set<string>>()
  readonly #placement: Placement
  readonly #followDeps: FollowDeps

  constructor(
    private readonly host: JobHost,
    private readonly client: ComfyClient,
  ) {
    const onStaleCopy = (serverId: string, promptId: string) => this.#remember(serverId, promptId)
    this.#placement = new Placement(host, client, onStaleCopy)
    this.#followDeps = { host, client, placement: this.#placement, onStaleCopy }
    host.events.on('health-changed', (event) => {
      if (event.health === 'healthy') void this.#sweep(event.server.id)
    })
  }

  async submit(prompt: ComfyPrompt, options: SubmitOptions = {}): Promise<Submission> {
    if (typeof prompt !== 'object' || prompt === null || Array.isArray(prompt)) {
      throw new InvalidArgumentError(
        'submit expects a ComfyUI prompt in API format: { nodeId: { class_type, inputs } }.',
      )
    }
    const promptId = options.promptId ?? this.host.newPromptId()
    if (!CANONICAL_UUID.test(promptId)) {
      throw new InvalidArgumentError(
        `promptId must be a lowercase hyphenated UUID (ComfyUI 0.25+ rejects anything else), received "${promptId}".`,
      )
    }
    if (this.#owners.get(promptId)) {
      throw new InvalidArgumentError(`Prompt ${promptId} was already submitted: ComfyUI would run it twice.`)
    }
    const submission = await this.#placement.place(promptId, prompt, options)
    const now = this.host.clock.now()
    this.#owners.add(
      {
        promptId,
        serverId: submission.serverId,
        prompt,
        options,
        attempts: 1,
        started: false,
        lastSeenAt: now,
        createdAt: now,
      },
      now,
    )
    this.host.shareOwner(promptId, submission.serverId)
    return submission
  }

  /**
   * Follows a job to its outcome. Several callers share one follow (one status poll, one decision
   * to place it again); each gets its own events and may abort alone. A finished outcome stays
   * readable for a while, so a remounted view asking again gets the same answer.
   */
  result(promptId: string, options: ResultOptions = {}): Promise<JobResult> {
    const finished = this.#finished.get(promptId)
    if (finished) return finished.ok ? Promise.resolve(finished.value) : Promise.reject(finished.error)
    const job = this.#owners.get(promptId)
    if (!job) return this.#adopt(promptId).then(() => this.result(promptId, options))
    let shared = this.#following.get(promptId)
    if (!shared) shared = this.#follow(job)
    options.onEvent?.({ type: 'queued', promptId, serverId: job.serverId })
    return this.#attach(shared, job, options)
  }

  /** A prompt another app instance placed: follow it where the shared state store says it lives. */
  async #adopt(promptId: string): Promise<void> {
    const serverId = await this.host.findOwner(promptId)
    if (serverId === undefined) throw new UnknownJobError(promptId)
    if (this.#owners.get(promptId)) return
    const now = this.host.clock.now()
    this.#owners.add(
      {
        promptId,
        serverId,
        prompt: {},
        options: {},
        attempts: 1,
        // This instance does not have the prompt, so it could never place it again.
        started: true,
        lastSeenAt: now,
        createdAt: now,
      },
      now,
    )
  }

  #follow(job: OwnedJob): Following {
    const controller = new AbortController()
    const listeners = new Set<(event: JobEvent) => void>()
    const promise = follow(this.#followDeps, job, {
      signal: controller.signal,
      onEvent: (event) => {
        for (const listener of listeners) listener(event)
      },
    })
    const shared: Following = { promise, listeners, callers: 0, controller }
    this.#following.set(job.promptId, shared)
    promise
      .then(
        (value) => this.#settle(job.promptId, { ok: true, value }),
        (error: unknown) => {
          // Stopped because every caller left: not an outcome; a later result() follows again.
          if (!controller.signal.aborted) this.#settle(job.promptId, { ok: false, error })
        },
      )
      .finally(() => {
        if (this.#following.get(job.promptId) === shared) this.#following.delete(job.promptId)
      })
    return shared
  }

  #attach(shared: Following, job: OwnedJob, options: ResultOptions): Promise<JobResult> {
    const onEvent = options.onEvent
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

  #settle(promptId: string, outcome: Outcome): void {
    this.#owners.delete(promptId)
    this.#finished.delete(promptId)
    this.#finished.set(promptId, { ...outcome, at: this.host.clock.now() })
    const now = this.host.clock.now()
    // Bounded: at most 1,000 outcomes, each kept ten minutes.
    for (const [id, entry] of this.#finished) {
      if (this.#finished.size <= 1_000 && now - entry.at < 600_000) break
      this.#finished.delete(id)
    }
  }

  async run(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions = {}): Promise<JobResult> {
    const submission = await this.submit(prompt, options)
    return this.result(submission.promptId, options)
  }

  /** Stops a job on its owner: removes it from the queue, or interrupts it if it is running. */
  async interrupt(promptId: string): Promise<boolean> {
    const job = this.#owners.get(promptId)
    if (!job) throw new UnknownJobError(promptId)
    const target = this.host.target(job.serverId)
    if (!target) return false
    const timeoutMs = this.host.settings().requestTimeoutMs
    const where = await locate(this.client, target, promptId, timeoutMs)
    if (where.state === 'unreachable') {
      throw new InterruptError(
        promptId,
        job.serverId,
        `its server did not say where the job is (${where.reason})`,
      )
    }
    if (where.state !== 'pending' && where.state !== 'running') return false
    const answer =
      where.state === 'pending'
        ? await this.client.deleteQueued(target, promptId, { timeoutMs })
        : await this.client.interrupt(target, promptId, { timeoutMs })
    if (answer.ok) return true
    // The request failed, but the server may have acted on it: look again before saying no.
    const after = await locate(this.client, target, promptId, timeoutMs)
    if (after.state === 'absent' || (after.state === 'done' && wasInterrupted(after.entry))) return true
    if (after.state === 'unreachable') {
      throw new InterruptError(promptId, job.serverId, `${answer.failure.message}; then ${after.reason}`)
    }
    return false
  }

  /** The server that holds `promptId`, while the balancer remembers it. */
  owner(promptId: string): string | undefined {
    return this.#owners.get(promptId)?.serverId
  }

  /** A `GET /view` URL for an output file, on the server that produced it. */
  viewUrl(serverId: string, file: OutputFile): string {
    const target = this.host.target(serverId)
    if (!target) throw new InvalidArgumentError(`viewUrl: unknown server "${serverId}".`)
    const url = new URL(endpointUrl(target.base, '/view'))
    url.searchParams.set('filename', file.filename)
    url.searchParams.set('subfolder', file.subfolder)
    url.searchParams.set('type', file.type)
    return url.toString()
  }

  /** How many prompts are remembered (bounded; for tests and leak checks). */
  get tracked(): number {
    return this.#owners.size
  }

  #remember(serverId: string, promptId: string): void {
    let ids = this.#stale.get(serverId)
    if (!ids) {
      ids = new Set()
      this.#stale.set(serverId, ids)
    }
    if (ids.size < 1_000) ids.add(promptId)
  }

  /** A server answers again: remove copies of prompts that now live elsewhere, so none runs twice. */
  async #sweep(serverId: string): Promise<void> {
    const ids = this.#stale.get(serverId)
    const target = this.host.target(serverId)
    if (!ids || !target) return
    this.#stale.delete(serverId)
    const timeoutMs = this.host.settings().requestTimeoutMs
    for (const promptId of ids) {
      if (this.#owners.get(promptId)?.serverId === serverId) continue
      await this.client.deleteQueued(target, promptId, { timeoutMs })
      await this.client.interrupt(target, promptId, { timeoutMs })
      this.host.logger.info(`removed a stale copy of ${promptId} from ${serverId}`)
    }
  }
}
