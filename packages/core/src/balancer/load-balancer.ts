import { parseConfig } from '../config/parse-config.js'
import type { BalancerConfigInput } from '../config/schema.js'
import type { BalancerConfig } from '../config/types.js'
import { type Clock, type RandomSource, systemClock } from '../contracts/clock.js'
import { consoleLogger, type Logger } from '../contracts/logger.js'
import type { ServerConfig, ServerSnapshot } from '../contracts/server.js'
import type { Strategy } from '../contracts/strategy.js'
import type { ComfyBalancerError } from '../errors/base.js'
import {
  DisposedError,
  InvalidArgumentError,
  StrategyError,
  UnknownServerError,
} from '../errors/server-errors.js'
import { toComfyBalancerError } from '../errors/to-error.js'
import { ComfyClient } from '../jobs/comfy-client.js'
import { JobService } from '../jobs/job-service.js'
import type {
  ComfyPrompt,
  JobResult,
  OutputFile,
  ResultOptions,
  Submission,
  SubmitOptions,
} from '../jobs/types.js'
import { type JobUpdate, watchJob } from '../jobs/watch.js'
import type { FetchLike } from '../probe/fetch-json.js'
import { redactText, redactUrl } from '../util/redact.js'
import { toRequestTarget } from '../util/request-target.js'
import { SocketHub } from '../ws/socket-hub.js'
import { defaultWebSocketFactory, type WebSocketFactory } from '../ws/web-socket.js'
import { BackgroundRefresher } from './background.js'
import { ChoiceEffects } from './choice-effects.js'
import { type ConfigDiff, isEmptyDiff, planConfig, primaryOf } from './config-diff.js'
import { ConfigLoader } from './config-loader.js'
import { type BalancerEventHandler, type BalancerEventName, EventHub } from './events.js'
import { HealthMonitor } from './health-monitor.js'
import { InFlightCounter, type InFlightTicket } from './in-flight.js'
import { minQueue } from './min-queue.js'
import type { AcquireOptions, Lease, LoadBalancerOptions, ServerRef, ServerStats } from './options.js'
import { previewOptimal } from './preview.js'
import { selectServer } from './selection.js'
import { jobTimed, withInFlight } from './server-reducer.js'
import { SharedState } from './shared-state.js'
import type { BalancerSnapshot } from './snapshot.js'
import { toServerStats } from './stats.js'
import { BalancerStore } from './store.js'

/**
 * Probes ComfyUI servers, caches their health and queues, and hands out the best one for each job.
 * Create it with {@link createLoadBalancer}.
 */
export class LoadBalancer {
  readonly #clock: Clock
  /** The balancer's clock (for code that must share its time, such as the dispatcher). */
  readonly clock: Clock
  readonly #random: RandomSource
  readonly #logger: Logger
  readonly #fetch: FetchLike
  readonly #strategy: Strategy
  readonly #events: EventHub
  readonly #store: BalancerStore
  readonly #lifetime = new AbortController()
  readonly #monitor: HealthMonitor
  readonly #effects: ChoiceEffects
  readonly #background: BackgroundRefresher
  readonly #loader: ConfigLoader | undefined
  readonly #jobs: JobService
  readonly #webSocket: WebSocketFactory | undefined
  #hub: SocketHub | undefined
  /** This balancer's ComfyUI `client_id`: the WebSocket id its jobs report to. */
  readonly clientId: string
  #config: BalancerConfig | undefined
  #configs = new Map<string, ServerConfig>()
  #counters = new Map<string, InFlightCounter>()
  #refreshing: Promise<BalancerSnapshot> | undefined
  readonly #shared: SharedState | undefined

  constructor(options: LoadBalancerOptions) {
    if ((options.config === undefined) === (options.source === undefined)) {
      throw new InvalidArgumentError('createLoadBalancer needs exactly one of `config` or `source`.')
    }
    this.#clock = options.clock ?? systemClock
    this.clock = this.#clock
    this.#random = options.random ?? Math.random
    this.#logger = options.logger ?? consoleLogger('warn')
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.#strategy = options.strategy ?? minQueue()
    this.#events = new EventHub(
      (error, name) =>
        this.#logger.error(`an "${name}" event handler threw; the balancer carried on`, {
          error: describe(error),
        }),
      this.#logger,
    )
    this.#store = new BalancerStore(
      { primaryId: '', strategy: this.#strategy.name, refreshing: false, running: false },
      (error) =>
        this.#logger.error('a snapshot listener threw; the balancer carried on', { error: describe(error) }),
      this.#logger,
    )
    this.#effects = new ChoiceEffects(this.#store, this.#events, this.#logger, this.#strategy, (id, ttlMs) =>
      this.#shared?.lock(id, ttlMs).then((held) => {
        if (held && !this.#lifetime.signal.aborted) this.#effects.follow(held.serverId, held.until)
      }),
    )
    this.#monitor = new HealthMonitor({
      clock: this.#clock,
      random: this.#random,
      fetch: this.#fetch,
      logger: this.#logger,
      store: this.#store,
      events: this.#events,
      config: () => this.#config,
      serverConfig: (id) => this.#configs.get(id),
      counter: (id) => this.#counters.get(id),
      reportError: (error, serverId) => this.#reportError(error, undefined, serverId),
      shared: () => this.#shared,
    })
    this.#webSocket = options.webSocket ?? defaultWebSocketFactory()
    const newId = options.createPromptId ?? (() => globalThis.crypto.randomUUID())
    this.clientId = `comfy-balancer-${newId().replaceAll('-', '').slice(0, 16)}`
    this.#shared = options.stateStore
      ? new SharedState(options.stateStore, {
          clock: this.#clock,
          logger: this.#logger,
          events: this.#events,
          ownerId: this.clientId,
          config: () => this.#config,
          counter: (id) => this.#counters.get(id),
          inFlightChanged: (id) => {
            const counter = this.#counters.get(id)
            if (counter) this.#store.update(id, (s) => withInFlight(s, counter.total))
          },
          remoteProbe: (record) => this.#monitor.remoteProbe(record),
          remoteMark: (mark) => this.#monitor.remoteMark(mark),
        })
      : undefined
    this.#jobs = new JobService(
      {
        clock: this.#clock,
        random: this.#random,
        logger: this.#logger,
        events: this.#events,
        clientId: this.clientId,
        settings: () => this.#settings().jobs,
        newPromptId: newId,
        acquire: (job) => this.acquire(job ? { job } : undefined),
        target: (id) => {
          const config = this.#configs.get(id)
          if (!config) return undefined
          return { ...toRequestTarget(config.url, config.headers), id, label: redactUrl(config.url) }
        },
        observe: (id, observation) => {
          if (this.#configs.has(id)) this.#monitor.observe(id, observation)
        },
        recordJobDuration: (id, ms) => {
          if (this.#configs.has(id)) this.recordJobDuration(id, ms)
        },
        shareOwner: (promptId, serverId) => this.#shared?.owned(promptId, serverId, OWNERSHIP_TTL_MS),
        findOwner: (promptId) => this.#shared?.ownerOf(promptId) ?? Promise.resolve(undefined),
        pushes: (id) => this.#hub?.isOpen(id) ?? false,
        onPrompt: (promptId, listener) => this.#hub?.onPrompt(promptId, listener) ?? (() => undefined),
      },
      new ComfyClient(this.#fetch, this.#clock),
    )
    this.#background = new BackgroundRefresher(
      this.#clock,
      this.#random,
      () => ({
        intervalMs: this.#config?.probe.intervalMs ?? 15_000,
        jitter: this.#config?.probe.jitter ?? 0.1,
      }),
      () => this.refresh(),
      (error) => this.#reportError(toComfyBalancerError(error, 'background refresh failed')),
    )
    if (options.config !== undefined) {
      this.#apply(parseConfig(options.config))
    } else if (options.source !== undefined) {
      this.#loader = new ConfigLoader(
        options.source,
        this.#lifetime.signal,
        (config) => this.#apply(config),
        (error) =>
          this.#reportError(
            error,
            `config from ${options.source?.name} rejected; keeping the last good config`,
          ),
      )
      this.#loader.listen()
    }
  }

  // ── State for UIs ────────────────────────────────────────────────────────────

  /** The current state as one immutable object, replaced only on change. */
  getSnapshot = (): BalancerSnapshot => this.#store.snapshot()

  /** Calls `listener` (once per batch of changes) whenever the snapshot changes. Returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => this.#store.subscribe(listener)

  /** Listens to one event. Returns an unsubscribe. */
  on<K extends BalancerEventName>(name: K, handler: BalancerEventHandler<K>): () => void {
    return this.#events.on(name, handler)
  }

  /** The original design's per-server view. */
  getServerStats(): ServerStats[] {
    const now = this.#clock.now()
    return this.#store.servers.map((server) => toServerStats(server, now))
  }

  /**
   * The server the next job would go to, without choosing it (nothing counted, locked or emitted):
   * for status pages that show it on every render. See {@link previewOptimal}.
   */
  preview(options: AcquireOptions = {}): ServerSnapshot | undefined {
    const now = this.#clock.now()
    return previewOptimal(
      this.#store.snapshot(),
      options.job ? { now, strategy: this.#strategy, job: options.job } : { now, strategy: this.#strategy },
    )
  }

  /** The real base URL of a configured server (with credentials, if any): use it, do not log it. */
  serverUrl(server: ServerRef): string {
    return this.#configs.get(this.#resolve(server))!.url
  }

  /** Resolves once a config is in force (immediately with inline config). */
  async ready(): Promise<void> {
    this.#assertLive('wait for config')
    if (this.#loader && !this.#config) await this.#loader.ensureLoaded()
  }

  // ── Choosing ─────────────────────────────────────────────────────────────────

  /**
   * The base URL of the best server for the next job, like the original design. The choice counts
   * as in flight on that server until the next probe sees it, so a burst spreads out.
   */
  getOptimalServer(options?: AcquireOptions): Promise<string> {
    if (this.#shared) return this.#whenWarm(() => this.#confirmed(options ?? NO_OPTIONS)).then((c) => c.url)
    return this.#whenWarm(() => this.#choose(options ?? NO_OPTIONS).url)
  }

  /**
   * Chooses a server for one job and counts the job as in flight there until `release()` or until
   * a probe has seen it. Rejects with `NoServerAvailableError` only when the fallback policy is `error`.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    const lease = (choice: Choice): Lease => ({
      server: choice.server,
      url: choice.url,
      release: () => this.#release(choice),
    })
    if (this.#shared) return this.#whenWarm(() => this.#confirmed(options ?? NO_OPTIONS)).then(lease)
    return this.#whenWarm(() => lease(this.#choose(options ?? NO_OPTIONS)))
  }

  #release(choice: Choice): void {
    const { counter, ticket, server } = choice
    if (counter.release(ticket)) this.#store.update(server.id, (s) => withInFlight(s, counter.total))
  }

  /**
   * With a shared store: choose, then confirm the choice with the store's atomic count. If other
   * instances took the server meanwhile (their jobs were not yet known here), choose again with the
   * count now known — a reservation, so several instances do not all pile onto the same idle server.
   */
  async #confirmed(options: AcquireOptions): Promise<Choice> {
    for (let attempt = 1; ; attempt++) {
      const choice = this.#choose(options)
      const believed = choice.counter.others
      const others = await this.#shared?.reserve(choice.server.id)
      if (others === undefined || others <= believed || attempt === MAX_RESERVATIONS) return choice
      this.#release(choice)
      this.#assertLive('acquire a server')
    }
  }

  /** Runs `choose` at once on a warm cache (the hot path: no awaits), else after a refresh. */
  #whenWarm<T>(choose: () => T | Promise<T>): Promise<T> {
    try {
      this.#assertLive('acquire a server')
      if (this.#hub === undefined && this.#config?.probe.queueMode === 'ws') this.#openSockets()
      if (this.#isWarm()) return Promise.resolve(choose())
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#ensureFresh().then(() => {
      this.#assertLive('acquire a server')
      return choose()
    })
  }

  #choose(options: AcquireOptions): Choice {
    const now = this.#clock.now()
    this.#monitor.kickDue(now)
    const config = this.#settings()
    const meta = this.#store.meta
    const selection = selectServer({
      servers: this.#store.servers,
      primary: this.#store.get(meta.primaryId),
      autoSwitch: config.autoSwitch,
      fallback: config.fallback,
      panicThreshold: config.outlier.enabled ? config.outlier.panicThreshold : 0,
      strategy: this.#strategy,
      ctx: {
        now,
        random: this.#random,
        ...(meta.lock ? { lock: meta.lock } : {}),
        ...(options.job ? { job: options.job } : {}),
      },
    })
    if (selection.strategyError !== undefined) {
      this.#reportError(new StrategyError(this.#strategy.name, selection.strategyError))
    }
    const chosen = selection.server
    this.#effects.chosen(chosen, selection.reason, now)
    const counter = this.#counters.get(chosen.id)!
    const ticket = counter.take()
    const server = this.#store.update(chosen.id, (s) => withInFlight(s, counter.total)) ?? chosen
    this.#effects.reported(server, selection.reason, selection.candidates)
    return { server, url: this.#configs.get(chosen.id)!.url, counter, ticket }
  }

  // ── Jobs ─────────────────────────────────────────────────────────────────────

  /**
   * Queues a prompt on the best server, with a client-made prompt id. After an uncertain failure
   * (timeout, dropped connection, 5xx) it first asks that server whether it got the prompt, and only
   * then tries another: no job lost, none queued twice. A 400 (invalid workflow) is not retried and
   * rejects with `PromptRejectedError` carrying ComfyUI's `node_errors`.
   */
  submit(prompt: ComfyPrompt, options?: SubmitOptions): Promise<Submission> {
    return this.#live('submit a prompt', () => this.#jobs.submit(prompt, options))
  }

  /**
   * Follows a submitted prompt on the server that owns it until it has outputs (or a `JobError`).
   * A prompt its server lost before running it is placed again; one known to have run never is.
   */
  result(promptId: string, options?: ResultOptions): Promise<JobResult> {
    return this.#live('follow a job', () => this.#jobs.result(promptId, options))
  }

  /**
   * A job's events as an async iterator, ending with its result:
   * `for await (const update of balancer.watch(id)) …`. Breaking out stops following.
   */
  watch(
    promptId: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<JobUpdate, void, undefined> {
    return watchJob((follow) => this.result(promptId, follow), options.signal)
  }

  /** `submit` then `result`. */
  run(prompt: ComfyPrompt, options?: SubmitOptions & ResultOptions): Promise<JobResult> {
    return this.#live('run a prompt', () => this.#jobs.run(prompt, options))
  }

  /**
   * Removes a queued prompt from its owner's queue, or interrupts it if it is running. Resolves true
   * when it did, false when the prompt was neither queued nor running there; rejects with
   * `InterruptError` (`INTERRUPT_FAILED`) when the server could not say, so the job may still run.
   */
  interrupt(promptId: string): Promise<boolean> {
    return this.#live('interrupt a job', () => this.#jobs.interrupt(promptId))
  }

  /** The id of the server that holds `promptId`, while the balancer remembers it. */
  ownerOf(promptId: string): string | undefined {
    return this.#jobs.owner(promptId)
  }

  /** A `GET /view` URL for an output file, on the server that produced it (outputs live only there). */
  viewUrl(result: Pick<JobResult, 'serverId'>, file: OutputFile): string {
    return this.#jobs.viewUrl(result.serverId, file)
  }

  // ── Probing ──────────────────────────────────────────────────────────────────

  /** Probes every server now (all in parallel). Concurrent calls share one refresh. */
  refresh(): Promise<BalancerSnapshot> {
    return this.#live('refresh', () => {
      this.#refreshing ??= this.#refreshAll().finally(() => {
        this.#refreshing = undefined
      })
      return this.#refreshing
    })
  }

  /** Probes one server now and returns its new snapshot. */
  async probe(server: ServerRef): Promise<ServerSnapshot> {
    await this.ready()
    const id = this.#resolve(server)
    await this.#monitor.probe(id)
    return this.#store.get(id)!
  }

  /** Starts background probing (reference-counted: each `start()` needs a `stop()`). */
  start(): void {
    this.#assertLive('start')
    if (!this.#background.start()) return
    this.#store.setMeta({ running: true })
    this.#monitor.arm()
  }

  /** Undoes one `start()`; background probing stops when the last one is undone. */
  stop(): void {
    if (!this.#background.stop()) return
    this.#monitor.disarm()
    this.#store.setMeta({ running: false })
  }

  // ── Failures and feedback ────────────────────────────────────────────────────

  /**
   * Reports that a job on `server` failed in a way that says the server is bad (connection refused,
   * timeout, 5xx). It is marked unhealthy, unlocked, and re-probed with backoff until it answers.
   */
  recordFailure(server: ServerRef, reason: unknown = 'failure reported by the app'): void {
    this.#assertLive('record a failure')
    const id = this.#resolve(server)
    const text = redactText(reason instanceof Error ? reason.message : String(reason))
    this.#monitor.markFailed(id, text, 'reported')
  }

  /** Reports how long a job took on `server` (ms); feeds its `jobMs` estimate. */
  recordJobDuration(server: ServerRef, durationMs: number): void {
    this.#assertLive('record a job duration')
    if (!Number.isFinite(durationMs) || durationMs < 0) {
      throw new InvalidArgumentError(
        `recordJobDuration expects a duration ≥ 0 in ms, received ${durationMs}.`,
      )
    }
    this.#store.update(this.#resolve(server), (s) => jobTimed(s, durationMs))
  }

  /** Applies a new config in place (see the README for what is kept). Throws on invalid input. */
  updateConfig(input: BalancerConfigInput, source = 'updateConfig'): ConfigDiff {
    this.#assertLive('update the config')
    return this.#apply(parseConfig(input, source))
  }

  /** Stops every timer, aborts probes in flight, drops every listener. The balancer is unusable after. */
  dispose(): void {
    if (this.#lifetime.signal.aborted) return
    this.#lifetime.abort()
    this.#background.dispose()
    this.#monitor.close()
    this.#hub?.close()
    this.#shared?.close()
    this.#loader?.close()
    this.#events.clear()
    this.#store.clearListeners()
  }

  // ── Internals ────────────────────────────────────────────────────────────────

  #settings(): BalancerConfig {
    if (!this.#config)
      throw new InvalidArgumentError('The balancer has no config yet: await balancer.ready() first.')
    return this.#config
  }

  #isWarm(): boolean {
    const refreshedAt = this.#store.meta.refreshedAt
    return (
      this.#config !== undefined &&
      this.#monitor.unprobed.size === 0 &&
      refreshedAt !== undefined &&
      this.#clock.now() - refreshedAt < this.#config.probe.cacheMs
    )
  }

  async #ensureFresh(): Promise<void> {
    await this.ready()
    const refreshedAt = this.#store.meta.refreshedAt
    if (refreshedAt === undefined || this.#clock.now() - refreshedAt >= this.#settings().probe.cacheMs) {
      await this.refresh()
    } else if (this.#monitor.unprobed.size > 0) {
      // Servers added by a config change are probed before they can be chosen.
      await Promise.all([...this.#monitor.unprobed].map((id) => this.#monitor.probe(id)))
    }
  }

  async #refreshAll(): Promise<BalancerSnapshot> {
    // Without an await first, probes start synchronously: in-flight counts stay exact.
    if (!this.#config) await this.ready()
    if (this.#hub === undefined && this.#settings().probe.queueMode === 'ws') this.#openSockets()
    this.#store.setMeta({ refreshing: true })
    void this.#shared?.catchUp()
    await Promise.all(this.#store.servers.map((server) => this.#monitor.probe(server.id)))
    if (!this.#lifetime.signal.aborted)
      this.#store.setMeta({ refreshing: false, refreshedAt: this.#clock.now() })
    return this.#store.snapshot()
  }

  #apply(config: BalancerConfig): ConfigDiff {
    const hadConfig = this.#config !== undefined
    const plan = planConfig(this.#configs, (id) => this.#store.get(id), config, this.#config)
    const counters = new Map<string, InFlightCounter>()
    for (const server of config.servers) {
      counters.set(
        server.id,
        (plan.kept.has(server.id) && this.#counters.get(server.id)) ||
          new InFlightCounter(server.id, this.#shared ? (c) => this.#shared?.localChanged(c) : undefined),
      )
      if (!plan.kept.has(server.id)) this.#monitor.added(server.id)
    }
    for (const id of plan.diff.removed) this.#monitor.removed(id)
    this.#config = config
    this.#configs = new Map(config.servers.map((server) => [server.id, server]))
    this.#counters = counters
    const lock = this.#store.meta.lock
    if (lock && !plan.kept.has(lock.serverId)) this.#store.setLock(undefined)
    this.#store.replaceServers(plan.snapshots, primaryOf(config.servers))
    if (this.#hub) this.#hub.sync(config.servers.map((server) => server.id))
    if (hadConfig && !isEmptyDiff(plan.diff)) {
      this.#logger.info('config applied', { ...plan.diff })
      this.#events.emit('config-changed', plan.diff)
      // Let added or re-pointed servers be probed right away rather than at the next selection.
      for (const id of this.#monitor.unprobed) void this.#monitor.probe(id)
    }
    return plan.diff
  }

  /** Probe mode `ws`: one socket per server, opened on first use. */
  #openSockets(): void {
    const factory = this.#webSocket
    if (!factory) {
      throw new InvalidArgumentError(
        "probe.queueMode 'ws' needs a WebSocket: pass `webSocket` (on Node 20: createNodeTransport().webSocket).",
      )
    }
    this.#hub = new SocketHub({
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      store: this.#store,
      factory,
      clientId: this.clientId,
      target: (id) => {
        const config = this.#configs.get(id)
        return config ? toRequestTarget(config.url, config.headers) : undefined
      },
      counter: (id) => this.#counters.get(id),
      progressed: (id) => this.#monitor.progressed(id),
    })
    this.#hub.sync([...this.#configs.keys()])
  }

  #resolve(server: ServerRef): string {
    const ref = typeof server === 'string' ? server : server?.id
    if (typeof ref !== 'string') {
      throw new InvalidArgumentError(`Expected a server id, URL or snapshot, received ${typeof server}.`)
    }
    if (this.#configs.has(ref)) return ref
    const trimmed = ref.replace(/\/+$/, '')
    for (const config of this.#configs.values()) {
      if (config.url === trimmed || redactUrl(config.url) === trimmed) return config.id
    }
    throw new UnknownServerError(redactText(ref), [...this.#configs.keys()])
  }

  #reportError(error: ComfyBalancerError, message?: string, serverId?: string): void {
    this.#logger.warn(message ?? error.message, message ? { error: error.message } : undefined)
    this.#events.emit('error', serverId === undefined ? { error } : { error, serverId })
  }

  /** Runs a promise-returning call, turning a synchronous throw (disposed, bad argument) into a rejection. */
  #live<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      this.#assertLive(operation)
      return run()
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #assertLive(operation: string): void {
    if (this.#lifetime.signal.aborted) throw new DisposedError(operation)
  }
}

const NO_OPTIONS: AcquireOptions = {}
/** Choices tried per acquire() against other instances' reservations before taking the last one. */
const MAX_RESERVATIONS = 3

interface Choice {
  readonly server: ServerSnapshot
  readonly url: string
  readonly counter: InFlightCounter
  readonly ticket: InFlightTicket
}
/** How long other instances can find a prompt's server through a shared state store. */
const OWNERSHIP_TTL_MS = 3_600_000

function describe(error: unknown): string {
  return redactText(error instanceof Error ? error.message : String(error))
}

/** Creates a balancer. With `config` it validates at once and throws `ConfigValidationError` on bad input. */
export function createLoadBalancer(options: LoadBalancerOptions): LoadBalancer {
  return new LoadBalancer(options)
}
