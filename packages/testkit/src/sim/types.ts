import type { CatalogOptions } from '../model/catalog'
import type { ModelMemoryOptions } from '../model/model-memory'
import type { PreviewOptions } from '../model/previews'
import type { ComfyModel, Endpoint, ExecutionLogEntry, Fault, ModelClock, WorkerFault } from '../model/types'
import type { SimState } from './control'

/** Options of {@link startComfySim}. */
export interface ComfySimOptions {
  /** Work is divided by this factor; default 1. */
  speed?: number
  /** The model's id, for logs and lookups; default `'comfyui'`. */
  name?: string
  /** TCP port; default 0, which picks a free one. `up()` after `down()` reuses the same port. */
  port?: number
  /** A loopback address only: `'127.0.0.1'` (default), another `127.x.y.z`, `'::1'` or `'localhost'`. */
  host?: string
  /**
   * ComfyUI's `--enable-cors-header`: `true` for `*`, or an origin. Off (default): ComfyUI's origin
   * check answers 403 to cross-site browser requests instead.
   */
  cors?: boolean | string
  /**
   * Wall milliseconds per simulated millisecond for a clock made by {@link createScaledClock}; default 1.
   * Cannot be combined with `clock`.
   */
  timeScale?: number
  /** Drive the server from this clock instead (a shared scaled clock, or a `TestClock`). */
  clock?: ModelClock
  /** `system_stats` `comfyui_version`, and which version-dependent checks apply; default `'0.26.0'`. */
  version?: string
  /** Work (ms at speed 1) of a prompt without `SimWork` nodes; default 0. */
  defaultWorkMs?: number
  /** Node classes and model files this server has (the catalog routes); default ComfyUI's core nodes. */
  catalog?: CatalogOptions
  /** Model file sizes, disk speed and VRAM slots (load times); default: loads are instant. */
  models?: ModelMemoryOptions
  /**
   * Live previews: binary frames while `SimWork` nodes run, as ComfyUI sends them with a preview
   * method on (`--preview-method`, or a prompt's `extra_data.preview_method` on 0.5.0+). `SimWork`
   * nodes then work in sampler steps (default 4), each with a `progress` message and a preview:
   * type 1 (format, image) to a socket that did not negotiate `supports_preview_metadata`, after the
   * step's `progress`, or broadcast for a job without a client id; type 4 (metadata length, metadata
   * JSON, image) before it to one that did. Default `false`: no previews, and one `progress` 1/1
   * per `SimWork` node, whatever a prompt asks. See `PreviewOptions`.
   */
  previews?: PreviewOptions | false
  /** Reproduce ComfyUI's WebSocket reconnect bug #16010; default false. */
  reconnectBug?: boolean
  /** ComfyUI's `--max-upload-size` in bytes, for every request body; default 100 MiB. Larger bodies get 413. */
  maxBodyBytes?: number
  /**
   * Send WebSocket frames as server.py does: queued, and written on a later turn of the event loop
   * (its `publish_loop`), so a request's response always reaches the client before the messages the
   * request caused — `POST /prompt`'s `status`, and the job's `execution_start` and first `executing`,
   * which ComfyUI's worker thread sends only after the handler has answered. Clients that start
   * listening for a prompt once `POST /prompt` has returned (e.g. `@saintno/comfyui-sdk`'s
   * `CallWrapper`) need it. Default true; false writes frames in the turn they happen, so those
   * messages can arrive before the response (no real ComfyUI does that).
   */
  publishLoop?: boolean
}

/** A simulated ComfyUI server listening on a real loopback port. */
export interface ComfySim {
  /** The model's id. */
  readonly name: string
  /** The listening address. */
  readonly host: string
  /** The port, kept across `down()` and `up()`. */
  readonly port: number
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string
  /** `ws://127.0.0.1:<port>/ws`; add `?clientId=`. */
  readonly wsUrl: string
  /** The ComfyUI model behind the server. */
  readonly model: ComfyModel
  /** The clock the server runs on (pass it to a balancer to share simulated time). */
  readonly clock: ModelClock
  /** Whether the server is listening. */
  readonly isUp: boolean
  /** Every execution on the server, with start and end in simulated ms (the model's log). */
  readonly log: readonly ExecutionLogEntry[]
  /** HTTP requests per endpoint, faulted ones included. */
  readonly requestCounts: Readonly<Record<Endpoint, number>>
  /** Response body bytes written per endpoint. */
  readonly bytesSent: Readonly<Record<Endpoint, number>>
  /** Open WebSocket connections. */
  readonly wsClients: number
  /** What `GET /__sim/state` reports. */
  state(): SimState
  /** Sets or clears the HTTP fault (see the model's `Fault`). */
  setFault(fault: Fault | undefined): void
  /** Sets or clears the worker fault (see the model's `WorkerFault`). */
  setWorkerFault(fault: WorkerFault | undefined): void
  /** Changes the speed factor for jobs that start from now on. */
  setSpeed(speed: number): void
  /**
   * A process crash with an instant restart: queue, running job, history and prompt counter are
   * lost, WebSocket and HTTP connections are dropped, requests in flight fail. Keeps listening.
   */
  crash(): void
  /**
   * Stops listening, so new connections are refused (`ECONNREFUSED`), and drops every open
   * connection. The model keeps running, like a server behind a cut cable. With `forMs`, comes back
   * up after that many simulated ms.
   */
  down(options?: { forMs?: number }): Promise<void>
  /** Listens again on the same port. */
  up(): Promise<void>
  /** `crash()`, `down()`, then `up()` (after `downMs` simulated ms, default 0). */
  restart(options?: { downMs?: number }): Promise<void>
  /** Closes the server, its connections, timers and model. Idempotent. */
  close(): Promise<void>
}
