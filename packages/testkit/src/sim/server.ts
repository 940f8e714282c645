import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TimerHandle } from '../clock'
import { isLoopback, type SecurityOptions } from '../http/security'
import { createComfyModel } from '../model/comfy-model'
import type { ComfyModel, Endpoint, ExecutionLogEntry, Fault, ModelClock, WorkerFault } from '../model/types'
import type { SimState } from './control'
import { createScaledClock } from './scaled-clock'
import { TrackedClock } from './tracked-clock'
import { SimTransport, type TransportHost } from './transport'
import type { ComfySim, ComfySimOptions } from './types'
import { WsHub } from './ws-hub'

export type { ComfySim, ComfySimOptions } from './types'

const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024

/**
 * Starts a simulated ComfyUI server on a real loopback port: the msw handlers' routes (through the
 * same Request → Response function), `/ws`, ComfyUI's origin check or CORS headers, fault injection
 * and a control API under `/__sim/`. Runs on a real clock, optionally sped up with `timeScale`.
 *
 * @example
 * ```ts
 * const sim = await startComfySim({ speed: 2, timeScale: 0.01 })
 * await fetch(`${sim.url}/prompt`, {
 *   method: 'POST',
 *   body: JSON.stringify({ prompt: { '1': { class_type: 'SimWork', inputs: { ms: 300 } } } }),
 * }) // runs for 150 simulated ms: 1.5 ms of wall time
 * await sim.close()
 * ```
 */
export async function startComfySim(options: ComfySimOptions = {}): Promise<ComfySim> {
  const sim = new SimServer(options)
  try {
    await sim.up()
  } catch (error) {
    await sim.close()
    throw error
  }
  return sim
}

class SimServer implements ComfySim, TransportHost {
  readonly name: string
  readonly host: string
  readonly model: ComfyModel
  readonly clock: ModelClock
  readonly #timers: TrackedClock
  readonly #hub: WsHub
  readonly #transport: SimTransport
  readonly #security: SecurityOptions
  readonly #timeScale: number | undefined
  #port: number
  #server: Server | undefined
  #lifetime = new AbortController()
  #upTimer: TimerHandle | undefined
  /** Serialises up, down and close. */
  #transition: Promise<void> = Promise.resolve()
  #closed = false
  #closing: Promise<void> | undefined

  constructor(options: ComfySimOptions) {
    if (options.clock !== undefined && options.timeScale !== undefined) {
      throw new TypeError('startComfySim: pass either clock or timeScale, not both.')
    }
    const host = options.host ?? '127.0.0.1'
    if (!isLoopback(host.replace(/^\[|\]$/g, ''))) {
      throw new RangeError(
        `startComfySim: host must be a loopback address (127.0.0.1, ::1, localhost), got "${host}". ` +
          'The simulated server has no authentication.',
      )
    }
    const port = options.port ?? 0
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new RangeError(`startComfySim: port must be an integer 0–65535, got ${port}`)
    }
    this.host = host.replace(/^\[|\]$/g, '')
    this.#port = port
    this.name = options.name ?? 'comfyui'
    const scaled = options.clock === undefined ? createScaledClock(options.timeScale ?? 1) : undefined
    // A shared scaled clock (a cluster's) reports its time scale too.
    const given = (options.clock as { timeScale?: unknown } | undefined)?.timeScale
    this.#timeScale = scaled?.timeScale ?? (typeof given === 'number' ? given : undefined)
    this.clock = options.clock ?? scaled!
    this.#timers = new TrackedClock(this.clock)
    const version = options.version ?? '0.26.0'
    this.model = createComfyModel({
      clock: this.#timers,
      id: this.name,
      version,
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.defaultWorkMs === undefined ? {} : { defaultWorkMs: options.defaultWorkMs }),
      ...(options.catalog === undefined ? {} : { catalog: options.catalog }),
      ...(options.models === undefined ? {} : { models: options.models }),
      ...(options.previews === undefined ? {} : { previews: options.previews }),
    })
    this.#hub = new WsHub(this.model, { reconnectBug: options.reconnectBug ?? false })
    const { cors } = options
    this.#security = {
      corsOrigin: typeof cors === 'string' && cors !== '' ? cors : cors === true ? '*' : undefined,
      version,
    }
    this.#transport = new SimTransport(
      this,
      this.#hub,
      this.#security,
      options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      { publishLoop: options.publishLoop ?? true },
    )
  }

  get port(): number {
    return this.#port
  }

  get url(): string {
    return `http://${this.#authority()}`
  }

  get wsUrl(): string {
    return `ws://${this.#authority()}/ws`
  }

  get lifetime(): AbortSignal {
    return this.#lifetime.signal
  }

  get isUp(): boolean {
    return this.#server !== undefined
  }

  get log(): readonly ExecutionLogEntry[] {
    return this.model.log
  }

  get requestCounts(): Readonly<Record<Endpoint, number>> {
    return this.model.requestCounts
  }

  get bytesSent(): Readonly<Record<Endpoint, number>> {
    return this.model.bytesSent
  }

  get wsClients(): number {
    return this.#hub.size
  }

  state(): SimState {
    return {
      name: this.name,
      url: this.url,
      up: this.isUp,
      speed: this.model.speed,
      version: this.#security.version,
      cors: this.#security.corsOrigin ?? null,
      timeScale: this.#timeScale ?? null,
      now: this.clock.now(),
      fault: this.model.fault ?? null,
      workerFault: this.model.workerFault ?? null,
      queueRemaining: this.model.queueRemaining,
      wsClients: this.wsClients,
      requestCounts: this.requestCounts,
      bytesSent: this.bytesSent,
    }
  }

  setFault(fault: Fault | undefined): void {
    this.model.setFault(fault)
  }

  setWorkerFault(fault: WorkerFault | undefined): void {
    this.model.setWorkerFault(fault)
  }

  setSpeed(speed: number): void {
    this.model.setSpeed(speed)
  }

  crash(): void {
    if (this.#closed) return
    // Requests waiting in the dead process (slow, hang) end as network errors and never take effect.
    this.#lifetime.abort()
    this.#lifetime = new AbortController()
    this.model.crash()
    this.#hub.reset()
    this.#hub.dropAll()
    this.#server?.closeAllConnections()
  }

  down(options: { forMs?: number } = {}): Promise<void> {
    return this.#serially(async () => {
      this.#cancelUpTimer()
      await this.#stopListening()
      if (options.forMs !== undefined && !this.#closed) {
        this.#upTimer = this.#timers.setTimeout(() => {
          this.#upTimer = undefined
          void this.up().catch(() => undefined)
        }, options.forMs)
      }
    })
  }

  up(): Promise<void> {
    return this.#serially(async () => {
      if (this.#closed) throw new Error(`The simulated server ${this.name} is closed.`)
      this.#cancelUpTimer()
      if (this.#server === undefined) await this.#listen()
    })
  }

  async restart(options: { downMs?: number } = {}): Promise<void> {
    this.crash()
    const downMs = options.downMs ?? 0
    if (downMs > 0) {
      await this.down({ forMs: downMs })
    } else {
      await this.down()
      await this.up()
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true
      this.#lifetime.abort()
      await this.#serially(async () => {
        this.#cancelUpTimer()
        await this.#stopListening()
      })
      this.#hub.dispose()
      this.#transport.close()
      this.model.dispose()
      this.#timers.clearAll()
    })()
    return this.#closing
  }

  #authority(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.#port}`
  }

  #serially(step: () => Promise<void>): Promise<void> {
    const result = this.#transition.then(step)
    this.#transition = result.catch(() => undefined)
    return result
  }

  #cancelUpTimer(): void {
    if (this.#upTimer !== undefined) this.#timers.clearTimeout(this.#upTimer)
    this.#upTimer = undefined
  }

  async #listen(): Promise<void> {
    const server = createServer((req, res) => this.#transport.onRequest(req, res))
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#transport.onUpgrade(req, socket, head),
    )
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async #stopListening(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    this.#hub.dropAll()
    if (server === undefined) return
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
    // Let clients in this process see their connections close (two event-loop turns, so one poll
    // phase has passed), so that a pooled keep-alive connection is not reused after down().
    for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
  }
}
