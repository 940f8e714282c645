import { DEFAULT_OUTLIER_SETTINGS } from '../config/defaults.js'
import type { BalancerConfig } from '../config/types.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { FailureRecord, ServerConfig, ServerSnapshot } from '../contracts/server.js'
import type { ComfyBalancerError } from '../errors/base.js'
import { ProbeError } from '../errors/server-errors.js'
import { toComfyBalancerError } from '../errors/to-error.js'
import type { FetchLike } from '../probe/fetch-json.js'
import { type ProbeOutcome, probeServer } from '../probe/probe-server.js'
import type { ProbeRecord, ServerMark } from '../state/records.js'
import { RecoverySchedule } from './recovery-schedule.js'
import { Ejector } from './ejector.js'
import type { EventHub } from './events.js'
import type { InFlightCounter } from './in-flight.js'
import { type Observation, OutlierTracker } from './outlier.js'
import {
  failed,
  failureNoted,
  probeAnsweredWhileDown,
  probeSucceeded,
  withInFlight,
} from './server-reducer.js'
import type { SharedState } from './shared-state.js'
import type { BalancerStore } from './store.js'

/** What the monitor needs from the balancer that owns it. */
export interface MonitorHost {
  readonly clock: Clock
  readonly random: RandomSource
  readonly fetch: FetchLike
  readonly logger: Logger
  readonly store: BalancerStore
  readonly events: EventHub
  config(): BalancerConfig | undefined
  serverConfig(id: string): ServerConfig | undefined
  counter(id: string): InFlightCounter | undefined
  reportError(error: ComfyBalancerError, serverId?: string): void
  /** The shared state store's view, when the balancer has one. */
  shared(): SharedState | undefined
}

/**
 * Knows whether each server is up: runs probes (one per server at a time), applies their outcomes,
 * marks failures, and re-probes unhealthy servers with backoff until they answer.
 */
export class HealthMonitor {
  readonly #probes = new Map<string, Promise<void>>()
  readonly #aborts = new Set<AbortController>()
  readonly #unprobed = new Set<string>()
  /** Answered probes in a row of each server that is still unhealthy. */
  readonly #answered = new Map<string, number>()
  readonly #recovery: RecoverySchedule
  readonly #outliers: OutlierTracker
  readonly #ejector: Ejector
  /** Per server, probes skipped for another instance's (their epochs), released by its records. */
  readonly #remoteEpochs = new Map<string, Array<{ epoch: number; at: number }>>()
  #closed = false

  constructor(private readonly host: MonitorHost) {
    this.#recovery = new RecoverySchedule(
      host.clock,
      host.random,
      () => {
        const probe = host.config()?.probe
        return {
          baseMs: probe?.recoveryBaseMs ?? 1_000,
          capMs: probe?.intervalMs ?? 15_000,
          jitter: probe?.jitter ?? 0.1,
        }
      },
      (id) => void this.probe(id),
    )
    this.#outliers = new OutlierTracker(() => host.config()?.outlier ?? DEFAULT_OUTLIER_SETTINGS)
    this.#ejector = new Ejector(host, this.#outliers, this.#recovery, (id) => this.#answered.delete(id))
  }

  /** Servers not probed since they were configured: they cannot be chosen yet. */
  get unprobed(): ReadonlySet<string> {
    return this.#unprobed
  }

  /** A server appeared (or was re-pointed): forget its past, probe it before use. */
  added(id: string): void {
    this.#unprobed.add(id)
    this.#recovery.forget(id)
    this.#outliers.forget(id)
  }

  removed(id: string): void {
    this.#unprobed.delete(id)
    this.#recovery.forget(id)
    this.#outliers.forget(id)
  }

  /** Starts the re-probes that are due (cheap when none is). */
  kickDue(now: number): void {
    for (const id of this.#recovery.due(now)) void this.probe(id)
  }

  /** Background probing on: re-probe on timers rather than on the next choice. */
  arm(): void {
    this.#recovery.arm()
  }

  disarm(): void {
    this.#recovery.disarm()
  }

  /**
   * Probes one server, sharing a probe already under way. Never rejects. With a shared state store,
   * only the instance holding the server's probe lease probes; the others use its published result.
   */
  probe(id: string): Promise<void> {
    const running = this.#probes.get(id)
    if (running) return running
    const config = this.host.serverConfig(id)
    const counter = this.host.counter(id)
    const settings = this.host.config()?.probe
    if (this.#closed || !config || !counter || !settings) return Promise.resolve()
    // Taken before any await: jobs handed out from now on are not in this probe's reading.
    const epoch = counter.probeStarted()
    const startedAt = this.host.clock.now()
    const shared = this.host.shared()
    const task = (
      shared
        ? shared.mayProbe(id).then((mine) => {
            const record = mine ? undefined : shared.latest(id)
            if (!record) return this.#probeNow(config, counter, epoch, startedAt)
            this.#awaitRemote(id, epoch, startedAt)
            this.remoteProbe(record)
          })
        : this.#probeNow(config, counter, epoch, startedAt)
    )
      .catch((error: unknown) =>
        this.host.reportError(toComfyBalancerError(error, `probe of ${id} failed`), id),
      )
      .finally(() => this.#probes.delete(id))
    this.#probes.set(id, task)
    return task
  }

  /**
   * Another instance probed a server (it holds the probe lease): apply its result as if this
   * instance had probed, with this instance's own thresholds, and release the tickets it counts.
   */
  remoteProbe(record: ProbeRecord): void {
    const config = this.host.serverConfig(record.serverId)
    const counter = this.host.counter(record.serverId)
    if (this.#closed || !config || !counter) return
    const waiting = this.#remoteEpochs.get(record.serverId) ?? []
    let seen: number | undefined
    while (waiting.length > 0 && waiting[0]!.at <= record.startedAt) seen = waiting.shift()!.epoch
    const checkedAt = this.host.store.get(record.serverId)?.checkedAt
    if (checkedAt !== undefined && checkedAt > record.at) {
      // Older than what this instance saw itself: only its ticket release still holds.
      if (seen !== undefined && counter.probeSeen(seen)) {
        this.host.store.update(record.serverId, (s) => withInFlight(s, counter.total))
      }
      return
    }
    const outcome: ProbeOutcome =
      record.health === 'healthy'
        ? {
            ok: true,
            latencyMs: record.latencyMs ?? 0,
            queue:
              record.queue === 'unknown'
                ? { known: false, treatedAs: 0, reason: 'not read by the instance that probed' }
                : record.queue,
          }
        : {
            ok: false,
            error: new ProbeError(
              record.serverId,
              'health',
              record.reason ?? 'unhealthy (probed by another instance)',
            ),
          }
    // The reading counts every instance's jobs sent before it, this one's included.
    if (seen === undefined && counter.others !== 0) counter.others = 0
    this.#apply(config, counter, seen, outcome)
  }

  #awaitRemote(id: string, epoch: number, at: number): void {
    let waiting = this.#remoteEpochs.get(id)
    if (!waiting) {
      waiting = []
      this.#remoteEpochs.set(id, waiting)
    }
    waiting.push({ epoch, at })
    // Bounded: if no record comes for a while, the oldest boundaries are merged into later ones.
    if (waiting.length > 8) waiting.splice(0, waiting.length - 8)
  }

  #probeNow(config: ServerConfig, counter: InFlightCounter, epoch: number, startedAt: number): Promise<void> {
    const settings = this.host.config()!.probe
    // One controller per probe, so close() can abort them all without piling listeners on one signal.
    const controller = new AbortController()
    this.#aborts.add(controller)
    return probeServer(config, {
      fetch: this.host.fetch,
      clock: this.host.clock,
      healthTimeoutMs: settings.healthTimeoutMs,
      queueTimeoutMs: settings.queueTimeoutMs,
      // Pushes only come when a queue changes; a probe's reading also clears jobs handed out
      // that were never sent (a bare getOptimalServer()), which no push would ever account for.
      queueMode: settings.queueMode === 'ws' ? 'prompt' : settings.queueMode,
      signal: controller.signal,
    })
      .then((outcome) => {
        this.#apply(config, counter, epoch, outcome)
        this.#publish(config.id, startedAt, outcome)
      })
      .finally(() => this.#aborts.delete(controller))
  }

  #publish(id: string, startedAt: number, outcome: ProbeOutcome): void {
    const shared = this.host.shared()
    if (!shared) return
    const base = { serverId: id, ownerId: shared.ownerId, startedAt, at: this.host.clock.now() }
    shared.publish(
      outcome.ok
        ? { ...base, health: 'healthy', queue: outcome.queue, latencyMs: outcome.latencyMs }
        : { ...base, health: 'unhealthy', queue: 'unknown', reason: outcome.error.message },
    )
  }

  /**
   * Marks a server unhealthy for `reason`, unlocks it and schedules its re-probe. A failed probe of a
   * healthy server only counts until `probe.unhealthyAfter` of them in a row; a failure the app
   * reports, or a refused connection the balancer sees, counts at once.
   */
  markFailed(
    id: string,
    reason: string,
    kind: FailureRecord['kind'],
    error?: ProbeError,
    fromOthers = false,
  ): void {
    const { store, clock, events, logger } = this.host
    const before = store.get(id)
    const limit = this.host.config()?.failureHistory
    if (!before || limit === undefined) return
    const now = clock.now()
    this.#answered.delete(id)
    const unhealthyAfter = this.host.config()?.probe.unhealthyAfter ?? 1
    if (kind === 'probe' && before.health === 'healthy' && before.consecutiveFailures + 1 < unhealthyAfter) {
      // One missed probe is not yet a verdict (a GC pause, a dropped packet): look again soon.
      store.update(id, (s) => failureNoted(s, { at: now, reason, kind }, limit))
      this.#recovery.soon(id)
      logger.debug(`${id} missed a probe (${before.consecutiveFailures + 1} of ${unhealthyAfter}): ${reason}`)
      if (error) events.emit('error', { error, serverId: id })
      return
    }
    const after = store.update(id, (s) =>
      failed(s, { at: now, reason, kind }, limit, kind === 'probe' ? now : undefined),
    )!
    if (store.meta.lock?.serverId === id) {
      store.setLock(undefined)
      this.host.shared()?.unlock()
    }
    this.#recovery.failed(id)
    // Probe results reach the others through the probe lease; what only this instance saw is marked.
    if (kind !== 'probe' && !fromOthers) {
      this.host.shared()?.mark(id, 'failed', reason, this.host.config()?.probe.intervalMs ?? 15_000)
    }
    if (before.health !== 'unhealthy') {
      if (before.health === 'healthy') this.#outliers.wentDown(id, now)
      logger.warn(`${id} is unhealthy: ${reason}`)
      events.emit('health-changed', { server: after, previous: before.health, health: 'unhealthy', reason })
    } else {
      logger.debug(`${id} still unhealthy: ${reason}`)
    }
    if (error) events.emit('error', { error, serverId: id })
  }

  /**
   * What the job path saw on a server. Streaks of errors or failed jobs eject it (outlier
   * detection); refused connections take it down at once; a success ends every streak.
   */
  observe(id: string, observation: Observation): void {
    const settings = this.host.config()
    const server = this.host.store.get(id)
    if (!settings || !server || this.#closed) return
    if (observation.type === 'answered' || observation.type === 'job-succeeded') {
      this.#outliers.observe(id, observation)
      if (observation.type === 'job-succeeded') this.#outliers.progressed(id, this.host.clock.now())
      return
    }
    if (!settings.outlier.enabled) {
      // The original design: a failed request takes the server out at once; job outcomes say nothing.
      if (observation.type !== 'job-failed') this.markFailed(id, observation.reason, 'observed')
      return
    }
    const verdict = this.#outliers.observe(id, observation)
    if (verdict.action === 'down') this.markFailed(id, verdict.reason, 'observed')
    else if (verdict.action === 'eject') this.#ejector.eject(id, verdict.reason)
    else this.#ejector.note(id, observation.reason)
  }

  /** Another app instance took a server out: follow it, unless this instance knows better since. */
  remoteMark(mark: ServerMark): void {
    const server = this.host.store.get(mark.serverId)
    const config = this.host.config()
    if (!server || !config || this.#closed) return
    if (mark.kind === 'failed') {
      if (server.health === 'healthy' && mark.at > (server.checkedAt ?? 0)) {
        this.markFailed(
          mark.serverId,
          `${mark.reason} (seen by another instance)`,
          'reported',
          undefined,
          true,
        )
      }
      return
    }
    this.#ejector.followRemote(mark)
  }

  /** A sign of life from a server (a pushed job message): it is not stalled. */
  progressed(id: string): void {
    this.#outliers.progressed(id, this.host.clock.now())
  }

  /** How many times outlier logic has ejected the server lately. */
  ejections(id: string): number {
    return this.#outliers.ejections(id)
  }

  /** Aborts every probe in flight and clears every timer. */
  close(): void {
    this.#closed = true
    for (const controller of this.#aborts) controller.abort()
    this.#recovery.clear()
  }

  #apply(
    config: ServerConfig,
    counter: InFlightCounter,
    epoch: number | undefined,
    outcome: ProbeOutcome,
  ): void {
    // A probe that outlived its config (server removed or re-pointed) says nothing about the current one.
    if (this.#closed || this.host.serverConfig(config.id) !== config) return
    const id = config.id
    this.#unprobed.delete(id)
    if (!outcome.ok) {
      this.markFailed(id, outcome.error.message, 'probe', outcome.error)
      return
    }
    const { store, clock, events, logger } = this.host
    const before = store.get(id)
    if (!before) return
    const now = clock.now()
    if (epoch !== undefined) counter.probeSeen(epoch)
    const stall = this.#stallOf(id, before, outcome, now)
    if (before.ejectedUntil !== undefined && before.ejectedUntil > now) {
      // Answering probes is what a black hole does too: only the end of its ejection readmits it.
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      this.#recovery.at(id, before.ejectedUntil)
      return
    }
    const healthyAfter = this.host.config()?.probe.healthyAfter ?? 1
    const answered = (this.#answered.get(id) ?? 0) + 1
    if (before.health === 'unhealthy' && answered < healthyAfter) {
      // A server that failed must answer more than once before it gets work again.
      this.#answered.set(id, answered)
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      this.#recovery.soon(id)
      logger.debug(`${id} answered (${answered} of ${healthyAfter} before it is back)`)
      return
    }
    this.#answered.delete(id)
    const holdOut = stall ?? (before.health === 'unhealthy' ? this.#outliers.flapping(id, now) : undefined)
    if (holdOut !== undefined) {
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      if (this.#ejector.eject(id, holdOut)) return
    }
    const after = store.update(id, (s) => withInFlight(probeSucceeded(s, outcome, now), counter.total))
    this.#recovery.recovered(id)
    if (after && before.health !== 'healthy') {
      this.#outliers.readmitted(id, now, before.ejectedUntil !== undefined)
      if (before.health === 'unhealthy') logger.info(`${id} answers again: back in rotation`)
      events.emit('health-changed', { server: after, previous: before.health, health: 'healthy' })
    }
  }

  /** A queue that holds work and has not moved for too long means a stuck worker. */
  #stallOf(
    id: string,
    before: ServerSnapshot,
    outcome: Extract<ProbeOutcome, { ok: true }>,
    now: number,
  ): string | undefined {
    const queue = outcome.queue
    if (!queue?.known || !this.host.config()?.outlier.enabled) return undefined
    return this.#outliers.queueRead(id, queue.running + queue.pending, now, before.jobMs)
  }
}
