import { isCandidate } from '../balancer/selection.js'
import type { TimerHandle } from '../contracts/clock.js'
import type { ServerSnapshot } from '../contracts/server.js'
import { SubmitError } from '../errors/job-errors.js'
import { DisposedError } from '../errors/server-errors.js'
import type { DispatchHost, LateBindingOptions } from './dispatch-host.js'
import { type DispatchTuning, dispatchTuning } from './dispatch-options.js'
import { planDispatch, planFleetLoads, planServers } from './dispatch-plan.js'
import { checkPrompt } from './prompt-check.js'
import type { ComfyPrompt, JobEvent, JobResult, ResultOptions, Submission, SubmitOptions } from './types.js'
import {
  afterFailedHandOver,
  handOverOptions,
  isUnplannable,
  leftTheLine,
  strandedError,
  strandedTooLong,
  type WaitingEntry,
} from './waiting-entry.js'
import { planJobs, rejectIncapable, sayWhyWaiting } from './waiting-fit.js'
import { WaitingJobs } from './waiting-jobs.js'

const ABORTED = 'the submission was aborted while it waited for a server'

/**
 * Late binding, the balancer's default job path: jobs wait in the app in priority order and each is
 * handed to a server when one has room, where it would finish soonest by the per-server job-time
 * estimates — a job may wait a moment for a fast GPU rather than start at once on a slow one.
 * Each hand-over is one early-bound placement on the planned server (safe failover included); a
 * job whose hand-over failed waits again, up to `maxAttempts` hand-overs.
 */
export class LateBindingDispatcher {
  readonly #tickMs: number
  readonly #tuning: DispatchTuning
  readonly #waiting: WaitingJobs<WaitingEntry>
  /** When our job on a server was seen starting, to estimate the time it has left. */
  readonly #started = new Map<string, number>()
  /**
   * Our jobs being handed to each server. Once a submission resolves, the balancer counts the job
   * itself (in flight until a reading includes it), so this covers only the moment before that.
   */
  readonly #outstanding = new Map<string, number>()
  /** Hand-overs under way, by prompt id: an interrupt meanwhile waits for where the job lands. */
  readonly #handingOver = new Map<string, Promise<Submission>>()
  #unsubscribe: (() => void) | undefined
  #key = 0
  #planQueued = false
  #timer: TimerHandle | undefined
  /** When we last asked for a refresh because nothing was known or nothing was healthy. */
  #askedAt: number | undefined
  #closed = false

  constructor(
    private readonly host: DispatchHost,
    options: LateBindingOptions = {},
  ) {
    this.#tuning = dispatchTuning(options)
    this.#tickMs = this.#tuning.tickMs
    this.#waiting = new WaitingJobs<WaitingEntry>(host.clock, () => this.#schedule())
  }

  /** Jobs waiting in the app. */
  get waiting(): number {
    return this.#waiting.size
  }

  /** Queues `prompt` in the app; resolves once it was handed to (POSTed on) a server. */
  submit(prompt: ComfyPrompt, options: SubmitOptions = {}): Promise<Submission> {
    if (this.#closed) return Promise.reject(new DisposedError('submit a prompt'))
    const promptId = options.promptId ?? this.host.newPromptId()
    try {
      checkPrompt(prompt, promptId, this.#waiting.has(promptId) || this.host.isSubmitted(promptId))
    } catch (error) {
      return Promise.reject(error)
    }
    const signal = options.signal
    if (signal?.aborted) return Promise.reject(leftTheLine({ promptId, attempts: [] }, ABORTED))
    // Every change the balancer sees (a pushed queue, a probe, a failure) may free a server.
    this.#unsubscribe ??= this.host.subscribe(() => this.#schedule())
    return new Promise<Submission>((resolve, reject) => {
      const onAbort = () => this.#drop(entry)
      const entry: WaitingEntry = {
        key: this.#key++,
        promptId,
        prompt,
        options,
        priority: options.job?.priority ?? 0,
        attempts: [],
        resolve,
        reject,
        forget: () => signal?.removeEventListener('abort', onAbort),
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting.add(entry)
    })
  }

  /** `submit`, then follows the job to its result (and learns from its start and end). */
  async run(prompt: ComfyPrompt, options: SubmitOptions & ResultOptions = {}): Promise<JobResult> {
    const submission = await this.submit(prompt, options)
    const onEvent = (event: JobEvent) => {
      if (event.type === 'started') this.#started.set(event.serverId, this.host.clock.now())
      options.onEvent?.(event)
    }
    try {
      const result = await this.host.result(submission.promptId, { ...options, onEvent })
      this.#jobEnded(result.serverId)
      return result
    } catch (error) {
      this.#jobEnded(submission.serverId)
      throw error
    }
  }

  /**
   * Takes a job that still waits in the app out of the line: its `submit` rejects (reason
   * `aborted`) and nothing was sent. Resolves `undefined` for a job that does not wait here, or,
   * for one being handed over right now, the submission once it landed (to interrupt it there).
   */
  async cancel(promptId: string): Promise<'removed' | Submission | undefined> {
    const entry = this.#waiting.find(promptId)
    if (entry !== undefined && this.#waiting.remove(entry)) {
      entry.forget()
      entry.reject(leftTheLine(entry, 'it was interrupted while it waited for a server'))
      return 'removed'
    }
    const landing = this.#handingOver.get(promptId)
    if (landing === undefined) return undefined
    const landed = await landing.catch(() => undefined)
    // A hand-over that failed put the job back in the line: take it out there.
    return landed ?? (this.#waiting.has(promptId) ? this.cancel(promptId) : undefined)
  }

  /** Stops: waiting jobs reject with `DISPOSED`; jobs already on servers run on. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#unsubscribe?.()
    this.host.clock.clearTimeout(this.#timer)
    for (const entry of this.#waiting.drain()) {
      entry.forget()
      entry.reject(new DisposedError('send a job that was still waiting'))
    }
  }

  #drop(entry: WaitingEntry): void {
    if (this.#waiting.remove(entry)) entry.reject(leftTheLine(entry, ABORTED))
  }

  #schedule(): void {
    if (this.#planQueued || this.#closed || this.#waiting.line.length === 0) return
    this.#planQueued = true
    queueMicrotask(() => {
      this.#planQueued = false
      this.#plan()
    })
  }

  #plan(): void {
    if (this.#closed || this.#waiting.line.length === 0) return
    const snapshot = this.host.snapshot()
    const now = this.host.clock.now()
    if (snapshot.refreshedAt === undefined) {
      // Nothing is known of the servers yet (nor, with a config source, maybe of the config): ask.
      this.#ask(now)
      this.#tick()
      return
    }
    const settings = this.host.settings()
    const pool = settings.autoSwitch
      ? snapshot.servers
      : snapshot.servers.filter((server) => server.id === snapshot.primaryId)
    if (now - snapshot.refreshedAt >= settings.cacheMs) void this.host.refresh().catch(() => undefined)
    this.host.fit.ensure(pool.map((server) => server.id))
    rejectIncapable(this.#waiting, this.host.fit, pool)
    this.#sendUnplannable(pool)
    const healthy = pool.filter((server) => isCandidate(server, undefined))
    if (healthy.length === 0) this.#ask(now)
    this.#giveUpStranded(healthy, now, settings.lostAfterMs)
    const servers = planServers(
      healthy.map((server) => ({
        server,
        outstanding: this.#outstanding.get(server.id) ?? 0,
        ourStartAt: this.#started.get(server.id),
      })),
      now,
    )
    const { modelAware } = this.#tuning
    const decisions = planDispatch(
      planJobs(this.#waiting.line, healthy, this.host.fit, modelAware),
      servers,
      this.#tuning,
      modelAware ? planFleetLoads(snapshot.servers) : undefined,
    )
    for (const { key, serverId } of decisions) {
      const entry = this.#waiting.take(key)
      if (entry !== undefined) this.#send(entry, serverId)
    }
    sayWhyWaiting(this.#waiting.line, this.host.fit, healthy)
    this.#tick()
  }

  /**
   * A job put back after failed hand-overs waits for a server to recover, but not for ever: once no
   * healthy server could take it for `jobs.lostAfterMs`, it rejects, naming the servers it tried.
   */
  #giveUpStranded(healthy: readonly ServerSnapshot[], now: number, lostAfterMs: number): void {
    const expired = this.#waiting.takeWhere((entry) => strandedTooLong(entry, healthy, now, lostAfterMs))
    for (const entry of expired) {
      entry.forget()
      entry.reject(strandedError(entry, lostAfterMs))
    }
  }

  /**
   * Refreshes at most once a tick: each refresh changes the snapshot, which plans again, and with
   * every server down (connections refused at once) that would be a refresh storm.
   */
  #ask(now: number): void {
    if (this.#askedAt !== undefined && now - this.#askedAt < this.#tickMs) return
    this.#askedAt = now
    void this.host.refresh().catch(() => undefined)
  }

  /** Plans again a tick from now while jobs wait, whether or not anything changes. */
  #tick(): void {
    this.host.clock.clearTimeout(this.#timer)
    if (this.#waiting.line.length > 0)
      this.#timer = this.host.clock.setTimeout(() => this.#schedule(), this.#tickMs)
  }

  /**
   * A new job no healthy server may take has nothing to wait for: it goes the early-bound way at
   * once, where the fallback policy applies (the primary, or `NO_SERVER_AVAILABLE`), as it would
   * have. A job put back after a failed hand-over waits instead, for a server to recover, at the
   * pace of the retry budget.
   */
  #sendUnplannable(pool: readonly ServerSnapshot[]): void {
    const unplannable = this.#waiting.takeWhere((entry) => isUnplannable(entry, pool))
    for (const entry of unplannable) {
      // Its placement is final: the early path fails over within `maxAttempts` by itself.
      this.#handOver(entry, this.host.submit(entry.prompt, handOverOptions(entry)), false)
    }
  }

  #send(entry: WaitingEntry, serverId: string): void {
    this.#outstanding.set(serverId, (this.#outstanding.get(serverId) ?? 0) + 1)
    const submitting = this.host
      .submit(entry.prompt, {
        ...handOverOptions(entry),
        // The plan chose the server (within the job's hints); a later re-placement may go anywhere.
        server: serverId,
        maxAttempts: 1,
      })
      .finally(() => this.#submitted(serverId))
    this.#handOver(entry, submitting, true)
  }

  /** Settles the job with its hand-over, or, for a `planned` one that failed, lets it wait again. */
  #handOver(entry: WaitingEntry, submitting: Promise<Submission>, planned: boolean): void {
    this.#handingOver.set(entry.promptId, submitting)
    const landed = () => this.#handingOver.delete(entry.promptId)
    submitting.then(landed, landed)
    submitting.then(
      (submission) => {
        entry.forget()
        entry.resolve(submission)
      },
      (error: unknown) => {
        const settle = (outcome: unknown) => {
          entry.forget()
          entry.reject(outcome)
        }
        const live = planned && !this.#closed && !entry.options.signal?.aborted
        if (!live || !(error instanceof SubmitError)) return settle(error)
        const maxAttempts = entry.options.maxAttempts ?? this.host.settings().maxAttempts
        const after = afterFailedHandOver(entry, error, maxAttempts)
        if (after.next === 'wait') this.#waiting.setAside(entry, this.#tickMs)
        else if (after.next === 'retry') this.#waiting.add(entry, true)
        else settle(after.error)
      },
    )
  }

  #submitted(serverId: string): void {
    const left = (this.#outstanding.get(serverId) ?? 1) - 1
    if (left > 0) this.#outstanding.set(serverId, left)
    else this.#outstanding.delete(serverId)
  }

  /** One of our jobs ended on `serverId`: without pushes, ask the server now rather than wait. */
  #jobEnded(serverId: string): void {
    this.#started.delete(serverId)
    const server = this.host.snapshot().servers.find((s) => s.id === serverId)
    const pushed = server?.queue !== 'unknown' && server?.queue.known && server.queue.source === 'ws'
    if (server && !pushed) void this.host.probe(serverId).catch(() => undefined)
    this.#schedule()
  }
}
