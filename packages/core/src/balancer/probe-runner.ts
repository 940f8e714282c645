import type { ServerConfig } from '../contracts/server.js'
import { ProbeError } from '../errors/server-errors.js'
import { toComfyBalancerError } from '../errors/to-error.js'
import { type ProbeOutcome, probeServer } from '../probe/probe-server.js'
import type { ProbeRecord } from '../state/records.js'
import type { InFlightCounter } from './in-flight.js'
import type { MonitorHost } from './monitor-host.js'
import { withInFlight } from './server-reducer.js'

/** Applies one probe's outcome; `epoch` is the in-flight boundary the reading covers, if known. */
export type ApplyOutcome = (
  config: ServerConfig,
  counter: InFlightCounter,
  epoch: number | undefined,
  outcome: ProbeOutcome,
) => void

/**
 * Runs probes: one per server at a time (callers share the one under way), each abortable. With a
 * shared state store only the instance holding a server's probe lease probes it and publishes the
 * result; the others apply that record as if they had probed, releasing the jobs it counts.
 */
export class ProbeRunner {
  readonly #probes = new Map<string, Promise<void>>()
  readonly #aborts = new Set<AbortController>()
  /** Per server, probes skipped for another instance's (their epochs), released by its records. */
  readonly #remoteEpochs = new Map<string, Array<{ epoch: number; at: number }>>()
  #closed = false

  constructor(
    private readonly host: MonitorHost,
    private readonly apply: ApplyOutcome,
  ) {}

  /** Probes one server, sharing a probe already under way. Never rejects. */
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
    // The reading counts every instance's jobs sent before it, this one's included.
    if (seen === undefined && counter.others !== 0) counter.others = 0
    this.apply(config, counter, seen, outcomeOf(record))
  }

  /** Aborts every probe in flight; later calls do nothing. */
  close(): void {
    this.#closed = true
    for (const controller of this.#aborts) controller.abort()
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
      queueMode: settings.queueMode === 'queue' ? 'queue' : 'prompt',
      signal: controller.signal,
    })
      .then((outcome) => {
        this.apply(config, counter, epoch, outcome)
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
}

/** A published probe record as the outcome this instance would have read itself. */
function outcomeOf(record: ProbeRecord): ProbeOutcome {
  if (record.health !== 'healthy') {
    return {
      ok: false,
      error: new ProbeError(
        record.serverId,
        'health',
        record.reason ?? 'unhealthy (probed by another instance)',
      ),
    }
  }
  return {
    ok: true,
    latencyMs: record.latencyMs ?? 0,
    queue:
      record.queue === 'unknown'
        ? { known: false, treatedAs: 0, reason: 'not read by the instance that probed' }
        : record.queue,
  }
}
