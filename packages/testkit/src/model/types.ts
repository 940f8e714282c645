import type { TimerHandle } from '../clock'
import type { Catalog, CatalogOptions } from './catalog'
import type {
  HistoryResponse,
  JobInfo,
  PromptAccepted,
  PromptRejected,
  QueueSnapshot,
  SystemStats,
} from './comfy-types'
import type { ModelMemoryOptions } from './model-memory'
import type { PreviewOptions } from './previews'
import type { ServerFiles } from './server-files'

/** How a simulated server misbehaves at the HTTP layer. */
export type FaultKind = 'refuse' | 'hang' | 'http500' | 'malformed' | 'wrongShape' | 'slow'

/**
 * A fault of the worker rather than the HTTP face: `black-hole` fails every job at its first node
 * at once (while the API answers perfectly); `stall` stops the running job where it is until cleared.
 */
export type WorkerFault = 'black-hole' | 'stall'

/** The HTTP endpoints a fault can target and that are counted separately. */
export type Endpoint =
  | 'system_stats'
  | 'prompt'
  | 'queue'
  | 'history'
  | 'interrupt'
  | 'jobs'
  | 'view'
  /** `/upload/image`, `/upload/mask`. */
  | 'upload'
  /** `/object_info`, `/object_info/{class}`, `/models`, `/models/{folder}`, `/embeddings`, `/extensions`, `/features`. */
  | 'catalog'

/** Every {@link Endpoint}, in a fixed order. */
export const ENDPOINTS: readonly Endpoint[] = [
  'system_stats',
  'prompt',
  'queue',
  'history',
  'interrupt',
  'jobs',
  'view',
  'upload',
  'catalog',
]

/** A count of zero for every {@link Endpoint}. */
export function zeroCounts(): Record<Endpoint, number> {
  return Object.fromEntries(ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<Endpoint, number>
}

/** A fault injected into a simulated server's HTTP face (the model's own methods ignore it). */
export interface Fault {
  kind: FaultKind
  /** For `slow`: extra latency in clock milliseconds before the server handles the request. */
  delayMs?: number
  /** Which endpoints it hits; default all. */
  endpoints?: readonly Endpoint[]
  /**
   * Whether a POST still takes effect although its reply is faulty (`hang`, `http500`, `malformed`,
   * `wrongShape`). Default false. With `hang` this is the classic "the POST timed out but the job
   * was queued". `slow` always takes effect (after the delay); `refuse` never does.
   */
  process?: boolean
}

/** The clock a model needs: core's `Clock`, optionally with `sleep` (a {@link TestClock} fits). */
export interface ModelClock {
  /** Epoch milliseconds. */
  now(): number
  /** Runs `callback` once after `ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle
  /** Cancels a timer. */
  clearTimeout(handle: TimerHandle): void
  /** Resolves after `ms`; emulated with `setTimeout` when absent. */
  sleep?(ms: number): Promise<void>
}

/** Options for {@link createComfyModel}. */
export interface ComfyModelOptions {
  /** Drives job run times, timestamps and `slow` faults. */
  clock: ModelClock
  /** A name for logs and lookups; default `'comfyui'`. */
  id?: string
  /** Work is divided by this factor; default 1. Must be positive. */
  speed?: number
  /** Work (ms at speed 1) of a prompt without a `SimWork` node; default 0. */
  defaultWorkMs?: number
  /** `system_stats` `comfyui_version`; default `'0.26.0'`. */
  version?: string
  /** Node classes and model files this server has; default ComfyUI's core loaders and nodes. */
  catalog?: CatalogOptions
  /**
   * Model file sizes, disk speed and VRAM slots: a prompt whose loader names a model that is not
   * held pays size ÷ speed inside that loader. Default: sizes unknown, so loads are instant.
   */
  models?: ModelMemoryOptions
  /**
   * Live previews while `SimWork` nodes run (binary WebSocket frames, as ComfyUI sends with a
   * preview method on): `SimWork` nodes then work in sampler steps, each with `progress` and,
   * when the prompt's preview method is on, a preview. Default `false`: no previews, and one
   * `progress` 1/1 at the end of each `SimWork` node. See {@link PreviewOptions}.
   */
  previews?: PreviewOptions | false
}

/** The result of {@link ComfyModel.submit}: what `POST /prompt` answers. */
export type SubmitResult =
  | { status: 200; body: PromptAccepted }
  | { status: 400; body: PromptRejected }
  /** aiohttp's plain-text 500, for bodies that make server.py raise (e.g. a non-numeric `number`). */
  | { status: 500; body: string }

/** Request context that is not part of the JSON body. */
export interface SubmitContext {
  /** The `Comfy-Usage-Source` header, copied into `extra_data.comfy_usage_source`. */
  usageSource?: string
}

/** Query of `GET /history`: the newest `maxItems`, or from `offset`, as server.py reads them. */
export interface HistoryQuery {
  maxItems?: number
  offset?: number
}

/** How a job ended, server-side. `lost` means the server crashed while it ran. */
export type JobOutcome = 'success' | 'error' | 'interrupted' | 'lost'

/** One job execution, server-side. A prompt submitted twice appears twice. */
export interface ExecutionLogEntry {
  readonly promptId: string
  readonly startedAt: number
  readonly endedAt?: number
  readonly outcome?: JobOutcome
  /** Model files this execution loaded from disk (not held in VRAM, not served from cache); absent when none. */
  readonly loads?: readonly string[]
}

/** A WebSocket-style message; `clientId` is the target socket, absent for broadcasts. */
export interface ModelEvent {
  type: string
  data: unknown
  clientId?: string
}

/** A stateful simulation of one ComfyUI server: one worker, a priority queue, in-memory history. */
export interface ComfyModel {
  /** The id given at creation. */
  readonly id: string
  /** The clock the model runs on. */
  readonly clock: ModelClock
  /** Its node classes and model files (the catalog routes). */
  readonly catalog: Catalog
  /** The model files VRAM holds now, most recently used last. */
  readonly heldModels: readonly string[]
  /** `POST /prompt` with a parsed JSON body. */
  submit(body: unknown, context?: SubmitContext): SubmitResult
  /** `GET /queue`: running and pending items (5-tuples). */
  queueSnapshot(): QueueSnapshot
  /** `queue_remaining`: running plus pending. */
  readonly queueRemaining: number
  /** `GET /history/{id}` for a string, `GET /history` (optionally paged) otherwise. Deep copies. */
  history(selector?: string | HistoryQuery): HistoryResponse
  /** `GET /system_stats`. */
  systemStats(): SystemStats
  /** `POST /interrupt`: ends the running job now if its id matches or no id is given. True if it did. */
  interrupt(promptId?: string): boolean
  /** `POST /queue {delete}`: removes the first pending match per id. Returns how many were removed. */
  deleteQueued(promptIds: readonly string[]): number
  /** `POST /queue {clear: true}`: empties the pending queue (the running job is untouched). */
  clearQueue(): void
  /** `POST /history {delete}`: removes these history entries; unknown ids are ignored. No event. */
  deleteHistory(promptIds: readonly string[]): void
  /** `POST /history {clear: true}`: wipes the history. No event. */
  clearHistory(): void
  /** `GET /api/jobs/{id}`; undefined where the server answers 404. */
  jobStatus(promptId: string): JobInfo | undefined
  /** Its folders (output, input, temp): what `/view` finds and uploads go to; they survive crashes. */
  readonly files: ServerFiles
  /** The current speed factor. */
  readonly speed: number
  /** Changes the speed factor for jobs that start from now on; the running job keeps its speed. */
  setSpeed(speed: number): void
  /** A restart: loses the queue, the running job and history, and resets the prompt counter. */
  crash(): void
  /** Sets or clears the HTTP fault. */
  setFault(fault: Fault | undefined): void
  /** The current HTTP fault. */
  readonly fault: Fault | undefined
  /** Sets or clears the worker fault; clearing `stall` lets the running job go on. */
  setWorkerFault(fault: WorkerFault | undefined): void
  /** The current worker fault. */
  readonly workerFault: WorkerFault | undefined
  /** Every job the worker started, in start order (copies). */
  readonly log: readonly ExecutionLogEntry[]
  /** HTTP requests routed to this server per endpoint, faulted ones included (copy). */
  readonly requestCounts: Readonly<Record<Endpoint, number>>
  /** Response body bytes sent per endpoint (copy). */
  readonly bytesSent: Readonly<Record<Endpoint, number>>
  /** Counts one HTTP request; called by the HTTP faces. */
  recordRequest(endpoint: Endpoint): void
  /** Adds response body bytes; called by the HTTP faces. */
  recordResponseBytes(endpoint: Endpoint, bytes: number): void
  /** Subscribes to WebSocket-style events, in ComfyUI's order. Returns the unsubscribe function. */
  onEvent(listener: (event: ModelEvent) => void): () => void
  /** Cancels the model's timers; the running job stops where it is. */
  dispose(): void
}
