import type { TimerHandle } from '../clock'
import type { HistoryEntry, JsonObject, NodeMeta, OutputFile, StatusMessage } from './comfy-types'
import type { EventHub } from './event-hub'
import { previewImage } from './preview-frames'
import {
  PREVIEW_IMAGE_EVENT,
  PREVIEW_WITH_METADATA_EVENT,
  type PreviewEventData,
  type PreviewPlan,
} from './previews'
import { executionOrder, failsOnRun, simWorkMs, writesFile } from './prompt-graph'
import type { QueuedJob } from './submission'
import type { JobOutcome, ModelClock, WorkerFault } from './types'

/** What a running job needs from its server. */
export interface JobHost {
  readonly clock: ModelClock
  /** The server's speed factor now. */
  speed(): number
  readonly defaultWorkMs: number
  readonly events: EventHub
  /** Names and records a new output file. */
  saveFile(prefix: string): OutputFile
  /** The worker's fault now, if any. */
  workerFault(): WorkerFault | undefined
  /** Called once when the job ends by itself or by interrupt, with its history entry. */
  finished(job: RunningJob, outcome: Exclude<JobOutcome, 'lost'>, entry: HistoryEntry): void
  /** The nodes of this prompt the output cache serves (they do not run); called once at start. */
  cachedNodes(job: QueuedJob, order: readonly string[]): ReadonlySet<string>
  /** Runs a node's model loads; returns the ms they take (0 for a node that loads nothing held). */
  loadModels(job: QueuedJob, nodeId: string): number
  /** This job's sampler steps and previews; undefined when the server has previews off. */
  previewPlan(job: QueuedJob): PreviewPlan | undefined
}

/**
 * One job on the worker: runs the nodes its outputs need, dependencies first, spending each
 * `SimWork` node's work on the clock, and emits ComfyUI's execution messages in order.
 */
export class RunningJob {
  readonly job: QueuedJob
  readonly startedAt: number
  readonly #host: JobHost
  readonly #order: string[]
  readonly #clientId: string | undefined
  readonly #messages: StatusMessage[] = []
  readonly #outputs: Record<string, JsonObject> = {}
  readonly #meta: Record<string, NodeMeta> = {}
  readonly #executed: string[] = []
  readonly #hasSimWork: boolean
  readonly #speed: number
  readonly #previews: PreviewPlan | undefined
  #cached: ReadonlySet<string> = new Set()
  #loadMs = 0
  #index = 0
  #nodeStarted = false
  #workMs = 0
  /** Work before the current node, and the node's own (ms at speed 1). */
  #nodeWork = { from: 0, ms: 0 }
  /** Progress steps the current node has done, and whether the wait for the next one is over. */
  #stepsDone = 0
  #waited = false
  #timer: TimerHandle | undefined
  #starting = false
  #ended = false

  constructor(job: QueuedJob, host: JobHost) {
    this.job = job
    this.#host = host
    this.startedAt = host.clock.now()
    // Captured, so a speed change on the server applies to the next job and not halfway through this one.
    this.#speed = host.speed()
    this.#order = executionOrder(job.prompt, job.outputs)
    this.#hasSimWork = this.#order.some((id) => job.prompt[id]?.class_type === 'SimWork')
    const clientId = job.extraData.client_id
    this.#clientId = typeof clientId === 'string' ? clientId : undefined
    this.#previews = host.previewPlan(job)
  }

  /** Starts executing. The job never ends inside this call, so a POST returns before the job ends. */
  start(): void {
    this.#starting = true
    this.#message('execution_start', { prompt_id: this.job.promptId })
    this.#cached = this.#host.cachedNodes(this.job, this.#order)
    this.#message('execution_cached', { nodes: [...this.#cached], prompt_id: this.job.promptId })
    this.#step()
    this.#starting = false
  }

  /** Ends the job now as interrupted, at the node it is in. */
  interrupt(): void {
    if (this.#ended) return
    const nodeId = this.#order[Math.min(this.#index, this.#order.length - 1)] ?? null
    const nodeType = nodeId === null ? null : (this.job.prompt[nodeId]?.class_type ?? null)
    const data = {
      prompt_id: this.job.promptId,
      node_id: nodeId,
      node_type: nodeType,
      executed: [...this.#executed],
    }
    // The one execution message ComfyUI broadcasts when the job has no client_id.
    this.#message('execution_interrupted', data, true)
    this.#end('interrupted')
  }

  /** Stops without ending (crash, dispose): no message, no history. */
  halt(): void {
    this.#ended = true
    this.#clearTimer()
  }

  /** Goes on after a `stall` was cleared (a no-op while the job waits on a timer or has ended). */
  resume(): void {
    if (!this.#ended && this.#timer === undefined) this.#step()
  }

  #step(): void {
    const { job } = this
    const fault = this.#host.workerFault()
    if (fault === 'stall') return
    if (fault === 'black-hole') {
      const nodeId = this.#order[this.#index] ?? 'unknown'
      const fail = () =>
        this.#fail(nodeId, job.prompt[nodeId]?.class_type ?? 'unknown', 'the worker is broken (black hole)')
      if (this.#starting) this.#schedule(fail, 0)
      else fail()
      return
    }
    while (this.#index < this.#order.length) {
      const nodeId = this.#order[this.#index]!
      const node = job.prompt[nodeId]!
      if (this.#cached.has(nodeId)) {
        this.#index++
        continue
      }
      if (!this.#nodeStarted) {
        this.#nodeStarted = true
        this.#send('executing', { node: nodeId, display_node: nodeId, prompt_id: job.promptId })
        // Loading reads the disk, so it does not scale with the GPU's speed as the work does.
        this.#loadMs += this.#host.loadModels(job, nodeId)
        this.#nodeWork = { from: this.#workMs, ms: this.#workOf(nodeId) }
        this.#workMs += this.#nodeWork.ms
        this.#stepsDone = 0
        this.#waited = false
      }
      // A SimWork node works like a sampler: its steps end evenly over its work, each with progress.
      const simWork = node.class_type === 'SimWork'
      const steps = simWork ? (this.#previews?.steps ?? 1) : 1
      while (this.#stepsDone < steps) {
        if (!this.#waited) {
          const done = this.#nodeWork.from + (this.#nodeWork.ms * (this.#stepsDone + 1)) / steps
          const wait = this.startedAt + this.#loadMs + done / this.#speed - this.#host.clock.now()
          if (wait > 0) {
            // The timer is trusted when it fires, so a scaled clock's rounding cannot stall the step.
            this.#waited = true
            this.#schedule(() => this.#step(), wait)
            return
          }
        }
        this.#waited = false
        this.#stepsDone++
        if (simWork) this.#progress(nodeId, this.#stepsDone, steps)
      }
      this.#nodeStarted = false
      if (failsOnRun(node)) {
        this.#fail(nodeId, node.class_type)
        return
      }
      if (writesFile(node)) this.#recordOutput(nodeId)
      this.#executed.push(nodeId)
      this.#index++
    }
    if (this.#starting) this.#schedule(() => this.#succeed(), 0)
    else this.#succeed()
  }

  /** One sampler step's `progress`, with its preview on both of ComfyUI's paths (see PreviewEventData). */
  #progress(nodeId: string, value: number, max: number): void {
    const plan = this.#previews
    const { promptId } = this.job
    const preview: PreviewEventData | undefined =
      plan?.everySteps === undefined || value % plan.everySteps !== 0
        ? undefined
        : {
            format: plan.format,
            image: previewImage(plan.format),
            metadata: {
              node_id: nodeId,
              prompt_id: promptId,
              display_node_id: nodeId,
              parent_node_id: null,
              real_node_id: nodeId,
            },
          }
    const events = this.#host.events
    // Metadata previews go to the job's client only: without one, supports_feature is false.
    if (preview !== undefined && this.#clientId !== undefined)
      events.emit(PREVIEW_WITH_METADATA_EVENT, preview, this.#clientId)
    this.#send('progress', { value, max, prompt_id: promptId, node: nodeId }, true)
    // send_bytes with sid None: a job without a client id previews to every socket.
    if (preview !== undefined) events.emit(PREVIEW_IMAGE_EVENT, preview, this.#clientId)
  }

  // Without SimWork nodes the default work is charged to the last node, usually the saver.
  #workOf(nodeId: string): number {
    if (this.#hasSimWork) return simWorkMs(this.job.prompt[nodeId]!)
    return nodeId === this.#order.at(-1) ? this.#host.defaultWorkMs : 0
  }

  #recordOutput(nodeId: string): void {
    const prefix = this.job.prompt[nodeId]?.inputs?.filename_prefix
    const file = this.#host.saveFile(typeof prefix === 'string' && !prefix.includes('/') ? prefix : 'ComfyUI')
    const output = { images: [file] }
    this.#outputs[nodeId] = output
    this.#meta[nodeId] = { node_id: nodeId, display_node: nodeId, parent_node: null, real_node_id: nodeId }
    this.#send('executed', { node: nodeId, display_node: nodeId, output, prompt_id: this.job.promptId })
  }

  #succeed(): void {
    this.#message('execution_success', { prompt_id: this.job.promptId })
    this.#end('success')
  }

  #fail(nodeId: string, nodeType: string, why = 'SimWork failed because inputs.fail is true'): void {
    this.#message('execution_error', {
      prompt_id: this.job.promptId,
      node_id: nodeId,
      node_type: nodeType,
      executed: [...this.#executed],
      exception_message: why,
      exception_type: 'RuntimeError',
      traceback: [],
      current_inputs: {},
      current_outputs: {},
    })
    this.#end('error')
  }

  #end(outcome: Exclude<JobOutcome, 'lost'>): void {
    if (this.#ended) return
    this.#ended = true
    this.#clearTimer()
    const { job } = this
    const entry: HistoryEntry = {
      prompt: [job.number, job.promptId, job.prompt, job.extraData, job.outputs],
      outputs: this.#outputs,
      status: {
        status_str: outcome === 'success' ? 'success' : 'error',
        completed: outcome === 'success',
        messages: this.#messages,
      },
      meta: this.#meta,
    }
    this.#host.finished(this, outcome, entry)
  }

  /** `PromptExecutor.add_message`: stamped, kept for history, sent to the job's client. */
  #message(type: string, data: JsonObject, broadcastWithoutClient = false): void {
    const stamped = { ...data, timestamp: Math.floor(this.#host.clock.now()) }
    this.#messages.push([type, stamped])
    this.#send(type, stamped, broadcastWithoutClient)
  }

  // Execution messages go to the job's client only; a few are broadcast when it has none.
  #send(type: string, data: JsonObject, broadcastWithoutClient = false): void {
    if (this.#clientId !== undefined) this.#host.events.emit(type, data, this.#clientId)
    else if (broadcastWithoutClient) this.#host.events.emit(type, data)
  }

  #schedule(callback: () => void, ms: number): void {
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#timer = undefined
      callback()
    }, ms)
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#host.clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
