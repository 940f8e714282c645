import type { BalancerConfig } from '../config/types.js'
import type { Clock, RandomSource } from '../contracts/clock.js'
import type { Logger } from '../contracts/logger.js'
import type { ServerMark } from '../state/records.js'
import { jittered } from '../util/backoff.js'
import type { CanaryRunner } from './canary.js'
import type { EventHub } from './events.js'
import type { OutlierTracker } from './outlier.js'
import type { RecoverySchedule } from './recovery-schedule.js'
import { ejected, ejectionMoved, failureNoted } from './server-reducer.js'
import type { SharedState } from './shared-state.js'
import type { BalancerStore } from './store.js'

/** What ejecting needs from the balancer. */
export interface EjectorHost {
  readonly clock: Clock
  readonly random: RandomSource
  readonly logger: Logger
  readonly store: BalancerStore
  readonly events: EventHub
  config(): BalancerConfig | undefined
  shared(): SharedState | undefined
}

/**
 * Takes servers out of rotation for outlier reasons (failed jobs, error answers, stalls, flapping):
 * for a growing, capped ejection time, never more than the allowed share of servers at once, and
 * tells other app instances.
 */
export class Ejector {
  constructor(
    private readonly host: EjectorHost,
    private readonly outliers: OutlierTracker,
    private readonly recovery: RecoverySchedule,
    /** The server is out: forget answered probes counted towards bringing it back. */
    private readonly cleared: (id: string) => void,
    private readonly canary: CanaryRunner,
  ) {}

  /**
   * Holds a server out for an ejection time (base × n, capped, jittered) unless outlier logic
   * already holds out its share of servers. Returns whether it did. Out for failed `jobs`, with a
   * canary configured (and not fooled by this server before), it stays out until a canary prompt
   * runs there, for at most `maxEjectionMs`.
   */
  eject(id: string, reason: string, cause: 'jobs' | 'errors' | 'other' = 'other'): boolean {
    const { store, clock, events, logger, random } = this.host
    const config = this.host.config()
    const before = store.get(id)
    if (!config || !before || !config.outlier.enabled) return false
    const now = clock.now()
    if (before.ejectedUntil !== undefined && before.ejectedUntil > now) return true
    const servers = store.servers
    const cap = Math.max(1, Math.floor(config.outlier.maxEjectedShare * servers.length))
    let out = 0
    for (const server of servers) {
      if (server.id !== id && server.ejectedUntil !== undefined && server.ejectedUntil > now) out++
    }
    if (out >= cap) {
      logger.warn(
        `${id} not ejected (${reason}): ${out} of ${servers.length} servers already held out (outlier.maxEjectedShare)`,
      )
      this.note(id, reason)
      return false
    }
    const timed = jittered(this.outliers.nextEjectionMs(id, now), config.probe.jitter, random)
    const byCanary = cause === 'jobs' && this.canary.enabled && this.outliers.canaryTrusted(id)
    const ms = byCanary ? config.outlier.maxEjectionMs : timed
    const until = now + ms
    const ejections = this.outliers.ejections(id)
    const why = byCanary
      ? `ejected until a canary prompt runs there (at most ${Math.round(ms / 1000)} s): ${reason}`
      : `ejected for ${Math.round(ms / 1000)} s: ${reason}`
    const after = store.update(id, (s) =>
      ejected(s, { at: now, reason: why, kind: 'observed' }, config.failureHistory, until),
    )!
    this.cleared(id)
    if (store.meta.lock?.serverId === id) store.setLock(undefined)
    this.recovery.at(id, until)
    // Other instances cannot see this one's canary pass: they hold it out for the timed length only.
    this.host.shared()?.mark(id, 'ejected', why, timed)
    if (byCanary) this.canary.start(id)
    logger.warn(`${id} ${why} (ejection ${ejections})`)
    if (before.health !== 'unhealthy') {
      events.emit('health-changed', {
        server: after,
        previous: before.health,
        health: 'unhealthy',
        reason: why,
      })
    }
    events.emit('ejected', { server: after, until, reason, ejections })
    return true
  }

  /**
   * Brings a running ejection's end forward to `at` (never later): now when a canary ran there, or
   * the timed length when the canary cannot judge the server. A probe at `at` readmits it.
   */
  endBy(id: string, at: number): void {
    const server = this.host.store.get(id)
    if (!server || server.ejectedUntil === undefined || server.ejectedUntil <= at) return
    this.host.store.update(id, (s) => ejectionMoved(s, at))
    this.recovery.at(id, at)
  }

  /** A failure below its threshold: in the history, health unchanged. */
  note(id: string, reason: string): void {
    const limit = this.host.config()?.failureHistory ?? 1
    const at = this.host.clock.now()
    this.host.store.update(id, (s) => failureNoted(s, { at, reason, kind: 'observed' }, limit))
    this.host.logger.debug(`${id}: ${reason}`)
  }

  /** Another app instance ejected a server: hold it out here too, until the same time. */
  followRemote(mark: ServerMark): void {
    const { store, clock, events } = this.host
    const server = store.get(mark.serverId)
    const config = this.host.config()
    const now = clock.now()
    if (!server || !config) return
    if (mark.until <= now || (server.ejectedUntil !== undefined && server.ejectedUntil >= mark.until)) return
    const why = `held out by another instance: ${mark.reason}`
    const after = store.update(mark.serverId, (s) =>
      ejected(s, { at: now, reason: why, kind: 'observed' }, config.failureHistory, mark.until),
    )!
    this.cleared(mark.serverId)
    this.recovery.at(mark.serverId, mark.until)
    if (server.health !== 'unhealthy') {
      events.emit('health-changed', {
        server: after,
        previous: server.health,
        health: 'unhealthy',
        reason: why,
      })
    }
  }
}
