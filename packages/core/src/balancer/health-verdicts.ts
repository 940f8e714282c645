import type { FailureRecord, ServerSnapshot } from '../contracts/server.js'
import type { ProbeError } from '../errors/server-errors.js'
import type { ProbeOutcome } from '../probe/probe-server.js'
import type { Ejector } from './ejector.js'
import type { InFlightCounter } from './in-flight.js'
import type { MonitorHost } from './monitor-host.js'
import type { OutlierTracker } from './outlier.js'
import type { RecoverySchedule } from './recovery-schedule.js'
import {
  failed,
  failureNoted,
  probeAnsweredWhileDown,
  probeSucceeded,
  withInFlight,
} from './server-reducer.js'

/**
 * Decides when a server is down and when it is back: how many missed probes make it unhealthy
 * (`probe.unhealthyAfter`), how many answered ones bring it back (`probe.healthyAfter`), and when an
 * answering server stays out anyway (an ejection still running, a stall, flapping).
 */
export class HealthVerdicts {
  /** Answered probes in a row of each server that is still unhealthy. */
  readonly #answered = new Map<string, number>()

  constructor(
    private readonly host: MonitorHost,
    private readonly recovery: RecoverySchedule,
    private readonly outliers: OutlierTracker,
    private readonly ejector: () => Ejector,
  ) {}

  /** The server is out again: answered probes counted towards bringing it back no longer count. */
  forgetAnswers(id: string): void {
    this.#answered.delete(id)
  }

  /** A canary ran there: one answered probe is enough to bring it back. */
  vouch(id: string): void {
    const healthyAfter = this.host.config()?.probe.healthyAfter ?? 1
    this.#answered.set(id, Math.max(this.#answered.get(id) ?? 0, healthyAfter - 1))
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
      this.recovery.soon(id)
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
    this.recovery.failed(id)
    // Probe results reach the others through the probe lease; what only this instance saw is marked.
    if (kind !== 'probe' && !fromOthers) {
      this.host.shared()?.mark(id, 'failed', reason, this.host.config()?.probe.intervalMs ?? 15_000)
    }
    if (before.health !== 'unhealthy') {
      if (before.health === 'healthy') this.outliers.wentDown(id, now)
      logger.warn(`${id} is unhealthy: ${reason}`)
      events.emit('health-changed', { server: after, previous: before.health, health: 'unhealthy', reason })
    } else {
      logger.debug(`${id} still unhealthy: ${reason}`)
    }
    if (error) events.emit('error', { error, serverId: id })
  }

  /** A probe answered: back in rotation, or still held out (ejected, not yet answered enough, stalled, flapping). */
  answered(
    id: string,
    counter: InFlightCounter,
    epoch: number | undefined,
    outcome: Extract<ProbeOutcome, { ok: true }>,
  ): void {
    const { store, clock, events, logger } = this.host
    const before = store.get(id)
    if (!before) return
    const now = clock.now()
    if (epoch !== undefined) counter.probeSeen(epoch)
    const stall = this.#stallOf(id, before, outcome, now)
    if (before.ejectedUntil !== undefined && before.ejectedUntil > now) {
      // Answering probes is what a black hole does too: only the end of its ejection readmits it.
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      this.recovery.at(id, before.ejectedUntil)
      return
    }
    const healthyAfter = this.host.config()?.probe.healthyAfter ?? 1
    const answered = (this.#answered.get(id) ?? 0) + 1
    if (before.health === 'unhealthy' && answered < healthyAfter) {
      // A server that failed must answer more than once before it gets work again.
      this.#answered.set(id, answered)
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      this.recovery.soon(id)
      logger.debug(`${id} answered (${answered} of ${healthyAfter} before it is back)`)
      return
    }
    this.#answered.delete(id)
    const holdOut = stall ?? (before.health === 'unhealthy' ? this.outliers.flapping(id, now) : undefined)
    if (holdOut !== undefined) {
      store.update(id, (s) => withInFlight(probeAnsweredWhileDown(s, outcome, now), counter.total))
      if (this.ejector().eject(id, holdOut, 'other')) return
    }
    const after = store.update(id, (s) => withInFlight(probeSucceeded(s, outcome, now), counter.total))
    this.recovery.recovered(id)
    if (after && before.health !== 'healthy') {
      this.outliers.readmitted(id, now, before.ejectedUntil !== undefined)
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
    return this.outliers.queueRead(id, queue.running + queue.pending, now, before.jobMs)
  }
}
