import { fleetMedianJobMs, jobEstimateMs } from '../balancer/job-estimate.js'
import type { LoadBalancer } from '../balancer/load-balancer.js'
import { allowedByHints, isCandidate } from '../balancer/selection.js'
import type { TimerHandle } from '../contracts/clock.js'
import { queueLength } from '../contracts/server.js'
import { ComfyBalancerError } from '../errors/base.js'
import { SubmitError } from '../errors/job-errors.js'
import { type PlanServer, planDispatch } from './dispatch-plan.js'
import type { ComfyPrompt, JobEvent, JobResult, ResultOptions, SubmitOptions } from './types.js'

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** Prompts a server may hold waiting behind its running one. Default 0: only idle servers get work. */
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
}

/** One job for the dispatcher: a submission plus how urgent it is. */
export interface DispatchOptions extends SubmitOptions, ResultOptions {
  /** Larger runs sooner; equal priorities run in arrival order. Default 0. */
  readonly priority?: number
}

/** Holds jobs client-side and hands each to a server when one is ready for it. */
export interface Dispatcher {
  /** Queues `prompt` client-side, then runs it where it will finish first. */
  run(prompt: ComfyPrompt, options?: DispatchOptions): Promise<JobResult>
  /** Jobs waiting client-side. */
  readonly waiting: number
  /** Stops: waiting jobs reject with `DISPOSED`; jobs already on servers run on. */
  close(): void
}

interface Entry {
  readonly key: number
  readonly prompt: ComfyPrompt
  readonly options: DispatchOptions
  readonly priority: number
  failures: number
  resolve(result: JobResult): void
  reject(error: unknown): void
}

/**
 * Late binding: jobs wait in the app in priority order and are released to a server when it has
 * room, so a fast GPU that frees up first takes the next job. Each release goes where the job would
 * finish soonest by the per-server job-time estimates — a job may wait a moment for a fast server
 * rather than start at once on a slow one.
 *
 * @example
 * ```ts
 * const dispatcher = createDispatcher(balancer)
 * const results = await Promise.all(prompts.map((prompt) => dispatcher.run(prompt)))
 * ```
 */
export function createDispatcher(balancer: LoadBalancer, options: DispatcherOptions = {}): Dispatcher {
  return new LateBindingDispatcher(balancer, options)
}

class LateBindingDispatcher implements Dispatcher {
  readonly #maxPending: number
  readonly #tickMs: number
  readonly #leadMs: number
  readonly #holdMargin: number
  readonly #waiting: Entry[] = []
  /** When our job on a server was seen starting, to estimate the time it has left. */
  readonly #started = new Map<string, number>()
  /**
   * Our jobs being submitted to each server. Once a submission resolves, the balancer counts the job
   * itself (in flight until a reading includes it), so this covers only the moment before that.
   */
  readonly #outstanding = new Map<string, number>()
  readonly #unsubscribe: () => void
  #key = 0
  #planQueued = false
  #timer: unknown
  /** Jobs put back for a tick because nothing could be sent (see `#later`). */
  readonly #deferred = new Map<TimerHandle, Entry>()
  #closed = false

  constructor(
    private readonly balancer: LoadBalancer,
    options: DispatcherOptions,
  ) {
    this.#maxPending = options.maxPendingPerServer ?? 0
    this.#tickMs = options.tickMs ?? 500
    this.#leadMs = options.leadMs ?? 0
    this.#holdMargin = options.holdMargin ?? 0.5
    // Every change the balancer sees (a pushed queue, a probe, a failure) may free a server.
    this.#unsubscribe = balancer.subscribe(() => this.#schedule())
  }

  get waiting(): number {
    return this.#waiting.length
  }

  run(prompt: ComfyPrompt, options: DispatchOptions = {}): Promise<JobResult> {
    if (this.#closed) return Promise.reject(new ComfyBalancerError('DISPOSED', 'This dispatcher was closed.'))
    return new Promise<JobResult>((resolve, reject) => {
      const entry: Entry = {
        key: this.#key++,
        prompt,
        options,
        priority: options.priority ?? 0,
        failures: 0,
        resolve,
        reject,
      }
      // Stable insertion: after every job of equal or higher priority.
      let at = this.#waiting.length
      while (at > 0 && this.#waiting[at - 1]!.priority < entry.priority) at--
      this.#waiting.splice(at, 0, entry)
      options.signal?.addEventListener('abort', () => this.#drop(entry, options.signal?.reason), {
        once: true,
      })
      this.#schedule()
    })
  }

  #later(entry: Entry): void {
    const timer = this.balancer.clock.setTimeout(() => {
      this.#deferred.delete(timer)
      this.#waiting.unshift(entry)
      this.#schedule()
    }, this.#tickMs)
    this.#deferred.set(timer, entry)
  }

  close(): void {
    this.#closed = true
    this.#unsubscribe()
    this.balancer.clock.clearTimeout(this.#timer)
    for (const [timer, entry] of this.#deferred) {
      this.balancer.clock.clearTimeout(timer)
      this.#waiting.push(entry)
    }
    this.#deferred.clear()
    for (const entry of this.#waiting.splice(0)) {
      entry.reject(new ComfyBalancerError('DISPOSED', 'The dispatcher was closed before this job was sent.'))
    }
  }

  #drop(entry: Entry, reason: unknown): void {
    const at = this.#waiting.indexOf(entry)
    if (at < 0) return
    this.#waiting.splice(at, 1)
    entry.reject(reason ?? new ComfyBalancerError('UNEXPECTED', 'aborted'))
  }

  #schedule(): void {
    if (this.#planQueued || this.#closed || this.#waiting.length === 0) return
    this.#planQueued = true
    queueMicrotask(() => {
      this.#planQueued = false
      this.#plan()
    })
  }

  #plan(): void {
    if (this.#closed || this.#waiting.length === 0) return
    const snapshot = this.balancer.getSnapshot()
    const now = this.balancer.clock.now()
    const healthy = snapshot.servers.filter((server) => isCandidate(server, undefined))
    if (healthy.length === 0 || snapshot.refreshedAt === undefined)
      void this.balancer.refresh().catch(() => undefined)
    const median = fleetMedianJobMs(healthy)
    const servers: PlanServer[] = healthy.map((server) => {
      const jobMs = jobEstimateMs(server, median)
      const ahead = Math.max(queueLength(server), this.#outstanding.get(server.id) ?? 0)
      // Pushed starts (any prompt) beat our own record (our prompts only); else assume half a job left.
      const startedAt = server.runningSince ?? this.#started.get(server.id)
      const runningLeftMs =
        ahead === 0
          ? 0
          : startedAt === undefined
            ? jobMs / 2
            : Math.max(jobMs * 0.1, jobMs - (now - startedAt))
      return { id: server.id, ahead, runningLeftMs, jobMs }
    })
    const byId = new Map(healthy.map((server) => [server.id, server]))
    const decisions = planDispatch(
      this.#waiting.map((entry) => ({
        key: entry.key,
        allowed: (id) => allowedByHints(byId.get(id)!, entry.options.job),
      })),
      servers,
      { maxPending: this.#maxPending, leadMs: this.#leadMs, holdMargin: this.#holdMargin },
    )
    for (const { key, serverId } of decisions) {
      const at = this.#waiting.findIndex((entry) => entry.key === key)
      if (at >= 0) this.#send(this.#waiting.splice(at, 1)[0]!, serverId)
    }
    this.balancer.clock.clearTimeout(this.#timer)
    if (this.#waiting.length > 0)
      this.#timer = this.balancer.clock.setTimeout(() => this.#schedule(), this.#tickMs)
  }

  #send(entry: Entry, serverId: string): void {
    this.#outstanding.set(serverId, (this.#outstanding.get(serverId) ?? 0) + 1)
    const options = {
      ...entry.options,
      // The plan chose the server (within the job's hints); a later re-placement may go anywhere.
      server: serverId,
      maxAttempts: 1,
      // A job put back after a failed submission is a retry: it spends the balancer's retry budget.
      isRetry: entry.failures > 0,
    }
    const onEvent = (event: JobEvent) => {
      if (event.type === 'started') this.#started.set(event.serverId, this.balancer.clock.now())
      entry.options.onEvent?.(event)
    }
    this.balancer
      .submit(entry.prompt, options)
      .finally(() => this.#submitted(serverId))
      .then((submission) => {
        onEvent({ type: 'queued', promptId: submission.promptId, serverId: submission.serverId })
        return this.balancer.result(submission.promptId, { ...entry.options, onEvent })
      })
      .then(
        (result) => {
          this.#finished(result.serverId)
          entry.resolve(result)
        },
        (error: unknown) => {
          this.#finished(serverId)
          if (error instanceof SubmitError && error.attempts.length === 0 && !this.#closed) {
            // Nothing was sent (the retry budget is spent, or the server left): not a failure of the
            // job; it waits a tick and is planned again, at the pace the budget refills.
            this.#later(entry)
            return
          }
          // A server that failed before taking the job: put the job back, up to three times.
          if (error instanceof SubmitError && entry.failures < 2 && !this.#closed) {
            entry.failures += 1
            this.#waiting.unshift(entry)
            this.#schedule()
          } else entry.reject(error)
        },
      )
  }

  #submitted(serverId: string): void {
    const left = (this.#outstanding.get(serverId) ?? 1) - 1
    if (left > 0) this.#outstanding.set(serverId, left)
    else this.#outstanding.delete(serverId)
  }

  #finished(serverId: string): void {
    this.#started.delete(serverId)
    // Without pushes, ask the server now rather than wait for the next probe to see it free.
    const server = this.balancer.getSnapshot().servers.find((s) => s.id === serverId)
    const pushed =
      server !== undefined && server.queue !== 'unknown' && server.queue.known && server.queue.source === 'ws'
    if (server && !pushed) void this.balancer.probe(serverId).catch(() => undefined)
    this.#schedule()
  }
}
