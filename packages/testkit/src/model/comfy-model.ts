import { PythonError } from '@comfy-balancer/comfyui-rules'
import { Catalog } from './catalog'
import type { HistoryEntry, HistoryResponse, JobInfo, QueueSnapshot, SystemStats } from './comfy-types'
import { EventHub } from './event-hub'
import { HistoryStore } from './history-store'
import { jobFromHistory, jobFromQueue } from './jobs'
import { LoaderState } from './loader-state'
import { PendingQueue, toQueueItem } from './pending-queue'
import { previewPlanner } from './previews'
import { type JobHost, RunningJob } from './running-job'
import { ServerFiles } from './server-files'
import { parseSubmission } from './submission'
import { systemStatsFor } from './system-stats'
import {
  type ComfyModel,
  type ComfyModelOptions,
  type Endpoint,
  type ExecutionLogEntry,
  type Fault,
  type HistoryQuery,
  type JobOutcome,
  type ModelClock,
  type SubmitContext,
  type SubmitResult,
  type WorkerFault,
  zeroCounts,
} from './types'

/** aiohttp's body for an unhandled exception in a handler. */
export const INTERNAL_SERVER_ERROR_TEXT = '500 Internal Server Error\n\nServer got itself in trouble'

/**
 * Creates a simulated ComfyUI server: one worker taking jobs from a priority queue by (number,
 * prompt_id), run times from `SimWork` nodes divided by `speed`, history in memory, ComfyUI's
 * validation errors and WebSocket message order. Time comes only from `options.clock`.
 *
 * @example
 * ```ts
 * const clock = createTestClock()
 * const server = createComfyModel({ clock, speed: 2 })
 * server.submit({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 300 } } } })
 * await clock.advance(150) // the job is in server.history() now
 * ```
 */
export function createComfyModel(options: ComfyModelOptions): ComfyModel {
  return new SimulatedComfyServer(options)
}

type MutableLogEntry = { -readonly [K in keyof ExecutionLogEntry]: ExecutionLogEntry[K] }

class SimulatedComfyServer implements ComfyModel {
  readonly id: string
  readonly clock: ModelClock
  readonly catalog: Catalog
  readonly #version: string
  readonly #events = new EventHub()
  readonly #pending = new PendingQueue()
  readonly #history = new HistoryStore()
  readonly #files = new ServerFiles()
  readonly #log: MutableLogEntry[] = []
  readonly #requests = zeroCounts()
  readonly #bytes = zeroCounts()
  readonly #host: JobHost
  readonly #loaders: LoaderState
  #speed: number
  #running: { job: RunningJob; entry: MutableLogEntry } | undefined
  #number = 0
  #fault: Fault | undefined
  #workerFault: WorkerFault | undefined
  #disposed = false

  constructor(options: ComfyModelOptions) {
    this.#speed = checkSpeed(options.speed ?? 1)
    this.id = options.id ?? 'comfyui'
    this.clock = options.clock
    this.catalog = new Catalog(options.catalog)
    this.#loaders = new LoaderState(this.catalog, options.models)
    this.#version = options.version ?? '0.26.0'
    const planPreviews = previewPlanner(options.previews, this.#version)
    // The host is a separate object so that the job callbacks stay off the public model.
    this.#host = {
      clock: options.clock,
      speed: () => this.#speed,
      defaultWorkMs: Math.max(0, options.defaultWorkMs ?? 0),
      events: this.#events,
      saveFile: (prefix) => this.#files.save(prefix),
      workerFault: () => this.#workerFault,
      finished: (job, outcome, entry) => this.#finished(job, outcome, entry),
      cachedNodes: (job, order) => this.#loaders.cachedNodes(job, order),
      loadModels: (job, nodeId) => this.#loaders.loadModels(job, nodeId),
      previewPlan: (job) => planPreviews(job.extraData),
    }
  }

  readonly #submissionEnv = {
    takeNumber: () => this.#number++,
    now: () => this.clock.now(),
    newId: () => globalThis.crypto.randomUUID(),
    server: () => ({ nodes: this.catalog, version: this.#version, ownChecks: this.#files.ownChecks() }),
  }

  submit(body: unknown, context?: SubmitContext): SubmitResult {
    let parsed: ReturnType<typeof parseSubmission>
    try {
      parsed = parseSubmission(body, this.#submissionEnv, context)
    } catch (error) {
      if (error instanceof PythonError) return { status: 500, body: INTERNAL_SERVER_ERROR_TEXT }
      throw error
    }
    if (parsed.result !== undefined) return parsed.result
    const { job, nodeErrors } = parsed
    this.#pending.push(job)
    this.#queueUpdated()
    this.#pump()
    return { status: 200, body: { prompt_id: job.promptId, number: job.number, node_errors: nodeErrors } }
  }

  queueSnapshot(): QueueSnapshot {
    const running = this.#running === undefined ? [] : [toQueueItem(this.#running.job.job)]
    return structuredClone({ queue_running: running, queue_pending: this.#pending.items.map(toQueueItem) })
  }

  get queueRemaining(): number {
    return this.#pending.size + (this.#running === undefined ? 0 : 1)
  }

  history(selector?: string | HistoryQuery): HistoryResponse {
    return typeof selector === 'string' ? this.#history.one(selector) : this.#history.page(selector)
  }

  systemStats(): SystemStats {
    return systemStatsFor(this.#version)
  }

  interrupt(promptId?: string): boolean {
    const running = this.#running
    if (running === undefined) return false
    // server.py treats a missing or empty prompt_id as a global interrupt.
    if (promptId && running.job.job.promptId !== promptId) return false
    running.job.interrupt()
    return true
  }

  deleteQueued(promptIds: readonly string[]): number {
    let removed = 0
    for (const promptId of promptIds) {
      const wasLast = this.#pending.size === 1
      if (!this.#pending.removeFirst(promptId)) continue
      removed++
      // delete_queue_item wipes the queue for its last item, and both paths send `status`.
      if (wasLast) this.#queueUpdated()
      this.#queueUpdated()
    }
    return removed
  }

  clearQueue(): void {
    this.#pending.clear()
    this.#queueUpdated()
  }

  deleteHistory(promptIds: readonly string[]): void {
    for (const promptId of promptIds) this.#history.delete(promptId)
  }

  clearHistory(): void {
    this.#history.clear()
  }

  get heldModels(): readonly string[] {
    return this.#loaders.heldModels
  }

  get speed(): number {
    return this.#speed
  }

  setSpeed(speed: number): void {
    this.#speed = checkSpeed(speed)
  }

  jobStatus(promptId: string): JobInfo | undefined {
    const entry = this.#history.get(promptId)
    if (entry !== undefined) return jobFromHistory(promptId, entry)
    if (this.#running?.job.job.promptId === promptId)
      return jobFromQueue(toQueueItem(this.#running.job.job), 'in_progress')
    const pending = this.#pending.items.find((job) => job.promptId === promptId)
    return pending === undefined ? undefined : jobFromQueue(toQueueItem(pending), 'pending')
  }

  get files(): ServerFiles {
    return this.#files
  }

  crash(): void {
    const running = this.#running
    if (running !== undefined) {
      running.job.halt()
      running.entry.endedAt = this.clock.now()
      running.entry.outcome = 'lost'
      this.#noteLoads(running.entry)
      this.#running = undefined
    }
    this.#loaders.clear()
    this.#pending.clear()
    this.#history.clear()
    this.#number = 0
  }

  setFault(fault: Fault | undefined): void {
    this.#fault = fault === undefined ? undefined : { ...fault }
  }

  get fault(): Fault | undefined {
    return this.#fault
  }

  setWorkerFault(fault: WorkerFault | undefined): void {
    this.#workerFault = fault
    if (fault === undefined) this.#running?.job.resume()
  }

  get workerFault(): WorkerFault | undefined {
    return this.#workerFault
  }

  get log(): readonly ExecutionLogEntry[] {
    return this.#log.map((entry) => ({ ...entry }))
  }

  get requestCounts(): Readonly<Record<Endpoint, number>> {
    return { ...this.#requests }
  }

  get bytesSent(): Readonly<Record<Endpoint, number>> {
    return { ...this.#bytes }
  }

  recordRequest(endpoint: Endpoint): void {
    this.#requests[endpoint]++
  }

  recordResponseBytes(endpoint: Endpoint, bytes: number): void {
    this.#bytes[endpoint] += bytes
  }

  onEvent(listener: Parameters<ComfyModel['onEvent']>[0]): () => void {
    return this.#events.subscribe(listener)
  }

  dispose(): void {
    this.#disposed = true
    this.#running?.job.halt()
  }

  /** `task_done`, then the worker's `executing` null, then the next job. */
  #finished(job: RunningJob, outcome: Exclude<JobOutcome, 'lost'>, entry: HistoryEntry): void {
    if (this.#running?.job !== job) return
    this.#running.entry.endedAt = this.clock.now()
    this.#running.entry.outcome = outcome
    this.#noteLoads(this.#running.entry)
    this.#running = undefined
    this.#history.add(job.job.promptId, entry)
    this.#queueUpdated()
    const clientId = job.job.extraData.client_id
    if (typeof clientId === 'string') {
      this.#events.emit('executing', { node: null, prompt_id: job.job.promptId }, clientId)
    }
    this.#pump()
  }

  /** The worker thread: when idle, take the next job at once. */
  #pump(): void {
    if (this.#running !== undefined || this.#disposed) return
    const next = this.#pending.shift()
    if (next === undefined) return
    const job = new RunningJob(next, this.#host)
    const entry: MutableLogEntry = { promptId: next.promptId, startedAt: job.startedAt }
    this.#log.push(entry)
    this.#running = { job, entry }
    this.#queueUpdated()
    job.start()
  }

  #noteLoads(entry: MutableLogEntry): void {
    const loads = this.#loaders.loads
    if (loads.length > 0) entry.loads = loads
  }

  #queueUpdated(): void {
    this.#events.emit('status', { status: { exec_info: { queue_remaining: this.queueRemaining } } })
  }
}

function checkSpeed(speed: number): number {
  if (!(speed > 0 && Number.isFinite(speed)))
    throw new RangeError(`speed must be a positive number, got ${speed}`)
  return speed
}
