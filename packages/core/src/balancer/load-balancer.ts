import { parseConfig } from '../config/parse-config.js'
import type { BalancerConfigInput } from '../config/schema.js'
import type { Clock } from '../contracts/clock.js'
import type { ServerSnapshot } from '../contracts/server.js'
import { InvalidArgumentError } from '../errors/server-errors.js'
import { dispatchTuning } from '../jobs/dispatch-options.js'
import { createJobApi, type JobApi } from '../jobs/job-api.js'
import type {
  ComfyPrompt,
  JobResult,
  OutputFile,
  ResultOptions,
  Submission,
  SubmitOptions,
} from '../jobs/types.js'
import { type JobUpdate, watchJob } from '../jobs/watch.js'
import { redactText } from '../util/redact.js'
import type { RequestTarget } from '../util/request-target.js'
import { applyConfig } from './config-applier.js'
import type { ConfigDiff } from './config-diff.js'
import type { BalancerEventHandler, BalancerEventName } from './events.js'
import type { AcquireOptions, Lease, LoadBalancerOptions, ServerRef, ServerStats } from './options.js'
import { previewOptimal } from './preview.js'
import { jobTimed } from './server-reducer.js'
import type { BalancerSnapshot } from './snapshot.js'
import { toServerStats } from './stats.js'
import { type WiredBalancer, wireBalancer } from './wiring.js'

/**
 * Probes ComfyUI servers, caches their health and queues, and hands out the best one for each job.
 * Create it with {@link createLoadBalancer}.
 *
 * This class is the public face only: its parts are built in `wiring.ts` (each part in its own
 * file: `chooser.ts` chooses, `freshness.ts` keeps probe results fresh, `health-monitor.ts` knows
 * who is up, `config-applier.ts` puts config in force) and the job API in `jobs/job-wiring.ts`.
 */
export class LoadBalancer {
  readonly #parts: WiredBalancer
  readonly #jobs: JobApi
  /** The balancer's clock (for code that must share its time, such as the dispatcher). */
  readonly clock: Clock
  /** This balancer's ComfyUI `client_id`: the WebSocket id its jobs report to. */
  readonly clientId: string

  constructor(options: LoadBalancerOptions) {
    // Checked before anything starts, so a bad setting fails here rather than the first job.
    dispatchTuning(options.dispatch)
    const parts = wireBalancer(options)
    this.#parts = parts
    this.clock = parts.clock
    this.clientId = parts.clientId
    this.#jobs = createJobApi(
      parts,
      {
        acquire: (job, planned) => this.#parts.chooser.acquire(job ? { job } : {}, planned === true),
        recordJobDuration: (id, ms) => this.recordJobDuration(id, ms),
        refresh: () => this.refresh(),
        probe: (id) => this.probe(id),
      },
      options.dispatch,
    )
    if (options.config !== undefined) applyConfig(parts, parseConfig(options.config))
    else parts.loader?.listen()
  }

  // ── State for UIs ────────────────────────────────────────────────────────────

  /** The current state as one immutable object, replaced only on change. */
  getSnapshot = (): BalancerSnapshot => this.#parts.store.snapshot()

  /** Calls `listener` (once per batch of changes) whenever the snapshot changes. Returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => this.#parts.store.subscribe(listener)

  /** Listens to one event. Returns an unsubscribe. */
  on<K extends BalancerEventName>(name: K, handler: BalancerEventHandler<K>): () => void {
    return this.#parts.events.on(name, handler)
  }

  /** The original design's per-server view. */
  getServerStats(): ServerStats[] {
    const now = this.#parts.clock.now()
    return this.#parts.store.servers.map((server) => toServerStats(server, now))
  }

  /**
   * The server the next job would go to, without choosing it (nothing counted, locked or emitted):
   * for status pages that show it on every render. See {@link previewOptimal}.
   */
  preview(options: AcquireOptions = {}): ServerSnapshot | undefined {
    const { clock, store, strategy } = this.#parts
    const now = clock.now()
    return previewOptimal(
      store.snapshot(),
      options.job ? { now, strategy, job: options.job } : { now, strategy },
    )
  }

  /** The real base URL of a configured server (with credentials, if any): use it, do not log it. */
  serverUrl(server: ServerRef): string {
    const { servers } = this.#parts
    return servers.url(servers.resolve(server))
  }

  /**
   * Where to send your own request to a configured server (a proxy's `/view`, say): its base URL
   * without user info, and its headers with any credentials. Use them; never log or forward them.
   */
  requestTarget(server: ServerRef): RequestTarget {
    const { servers } = this.#parts
    const id = servers.resolve(server)
    const target = servers.target(id)
    // resolve() throws for an unknown server; a known one always has a target.
    if (target === undefined) throw new InvalidArgumentError(`requestTarget: no server "${id}" in force.`)
    return target
  }

  /** Resolves once a config is in force (immediately with inline config). */
  ready(): Promise<void> {
    return this.#parts.ready()
  }

  // ── Choosing ─────────────────────────────────────────────────────────────────

  /**
   * The base URL of the best server for the next job, like the original design. The choice counts
   * as in flight on that server until the next probe sees it, so a burst spreads out.
   */
  getOptimalServer(options?: AcquireOptions): Promise<string> {
    return this.#parts.chooser.url(options)
  }

  /**
   * Chooses a server for one job and counts the job as in flight there until `release()` or until
   * a probe has seen it. Rejects with `NoServerAvailableError` only when the fallback policy is `error`.
   */
  acquire(options?: AcquireOptions): Promise<Lease> {
    return this.#parts.chooser.acquire(options)
  }

  // ── Jobs ─────────────────────────────────────────────────────────────────────

  /**
   * Queues a prompt, with a client-made prompt id, and resolves once a server has it. Late binding
   * by default: the job waits in the app (in `priority` order) until a server has room, and goes
   * where it will finish soonest — so the promise resolves when the prompt was POSTed, which on a
   * busy cluster is later than the call. `binding: 'early'` (or a `server` pin) POSTs at once to
   * the strategy's choice. After an uncertain failure (timeout, dropped connection, 5xx) the server
   * is first asked whether it got the prompt, and only then is another tried: no job lost, none
   * queued twice. A 400 (invalid workflow) is not retried and rejects with `PromptRejectedError`
   * carrying ComfyUI's `node_errors`. Waiting jobs reject with `DISPOSED` when the balancer is disposed.
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

  /**
   * `submit` then `result`: the one call to run a job. Late-bound by default (see `submit`); with
   * `binding: 'early'` the strategy chooses and the prompt is POSTed at once.
   */
  run(prompt: ComfyPrompt, options?: SubmitOptions & ResultOptions): Promise<JobResult> {
    return this.#live('run a prompt', () => this.#jobs.run(prompt, options))
  }

  /**
   * Stops a job wherever it is: one still waiting in the app for a server leaves the line (its
   * `submit` rejects with `SubmitError`, reason `aborted`); one queued on its server is removed from
   * that queue; a running one is interrupted there. Resolves true when it did, false when the
   * prompt was neither queued nor running there; rejects with `InterruptError` (`INTERRUPT_FAILED`)
   * when the server could not say, so the job may still run.
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
    return this.#parts.freshness.refresh()
  }

  /** Probes one server now and returns its new snapshot. */
  async probe(server: ServerRef): Promise<ServerSnapshot> {
    await this.ready()
    const { servers, monitor, store } = this.#parts
    const id = servers.resolve(server)
    await monitor.probe(id)
    return store.get(id)!
  }

  /** Starts background probing (reference-counted: each `start()` needs a `stop()`). */
  start(): void {
    this.#parts.lifetime.assertLive('start')
    if (!this.#parts.background.start()) return
    this.#parts.store.setMeta({ running: true })
    this.#parts.monitor.arm()
  }

  /** Undoes one `start()`; background probing stops when the last one is undone. */
  stop(): void {
    if (!this.#parts.background.stop()) return
    this.#parts.monitor.disarm()
    this.#parts.store.setMeta({ running: false })
  }

  // ── Failures and feedback ────────────────────────────────────────────────────

  /**
   * Reports that a job on `server` failed in a way that says the server is bad (connection refused,
   * timeout, 5xx). It is marked unhealthy, unlocked, and re-probed with backoff until it answers.
   */
  recordFailure(server: ServerRef, reason: unknown = 'failure reported by the app'): void {
    this.#parts.lifetime.assertLive('record a failure')
    const id = this.#parts.servers.resolve(server)
    const text = redactText(reason instanceof Error ? reason.message : String(reason))
    this.#parts.monitor.markFailed(id, text, 'reported')
  }

  /** Reports how long a job took on `server` (ms); feeds its `jobMs` estimate. */
  recordJobDuration(server: ServerRef, durationMs: number): void {
    this.#parts.lifetime.assertLive('record a job duration')
    if (!Number.isFinite(durationMs) || durationMs < 0) {
      throw new InvalidArgumentError(
        `recordJobDuration expects a duration ≥ 0 in ms, received ${durationMs}.`,
      )
    }
    this.#parts.store.update(this.#parts.servers.resolve(server), (s) => jobTimed(s, durationMs))
  }

  /** Applies a new config in place (see the README for what is kept). Throws on invalid input. */
  updateConfig(input: BalancerConfigInput, source = 'updateConfig'): ConfigDiff {
    this.#parts.lifetime.assertLive('update the config')
    return applyConfig(this.#parts, parseConfig(input, source))
  }

  /** Stops every timer, aborts probes in flight, drops every listener. The balancer is unusable after. */
  dispose(): void {
    const { lifetime, background, monitor, sockets, shared, loader, events, store } = this.#parts
    if (!lifetime.end()) return
    this.#jobs.close()
    background.dispose()
    monitor.close()
    sockets.close()
    shared?.close()
    loader?.close()
    events.clear()
    store.clearListeners()
  }

  /** Runs a promise-returning call, turning a synchronous throw (disposed, bad argument) into a rejection. */
  #live<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#parts.lifetime.live(operation, run)
  }
}

/** Creates a balancer. With `config` it validates at once and throws `ConfigValidationError` on bad input. */
export function createLoadBalancer(options: LoadBalancerOptions): LoadBalancer {
  return new LoadBalancer(options)
}
