import { DEFAULT_OUTLIER_SETTINGS } from '../config/defaults.js'
import type { FailureRecord } from '../contracts/server.js'
import type { ProbeError } from '../errors/server-errors.js'
import type { ProbeRecord, ServerMark } from '../state/records.js'
import { type CanaryOutcome, CanaryRunner } from './canary.js'
import { Ejector } from './ejector.js'
import { HealthVerdicts } from './health-verdicts.js'
import type { MonitorHost } from './monitor-host.js'
import { type Observation, OutlierTracker } from './outlier.js'
import { ProbeRunner } from './probe-runner.js'
import { RecoverySchedule } from './recovery-schedule.js'

export type { MonitorHost } from './monitor-host.js'

/**
 * Knows whether each server is up: runs probes (`probe-runner.ts`), turns their outcomes and what
 * the job path sees into verdicts (`health-verdicts.ts`, outlier ejection in `ejector.ts`), and
 * re-probes unhealthy servers with backoff until they answer.
 */
export class HealthMonitor {
  readonly #unprobed = new Set<string>()
  readonly #recovery: RecoverySchedule
  readonly #outliers: OutlierTracker
  readonly #ejector: Ejector
  readonly #verdicts: HealthVerdicts
  readonly #runner: ProbeRunner
  readonly #canary: CanaryRunner
  #closed = false

  constructor(private readonly host: MonitorHost) {
    this.#recovery = new RecoverySchedule(
      host.clock,
      host.random,
      () => {
        const probe = host.config()?.probe
        return {
          baseMs: probe?.recoveryBaseMs ?? 1_000,
          capMs: probe?.recoveryMaxMs ?? 5_000,
          jitter: probe?.jitter ?? 0.1,
        }
      },
      (id) => void this.probe(id),
    )
    this.#outliers = new OutlierTracker(() => host.config()?.outlier ?? DEFAULT_OUTLIER_SETTINGS)
    this.#verdicts = new HealthVerdicts(host, this.#recovery, this.#outliers, () => this.#ejector)
    this.#canary = new CanaryRunner(host, (id, outcome, detail) => this.#canaryRan(id, outcome, detail))
    this.#ejector = new Ejector(
      host,
      this.#outliers,
      this.#recovery,
      (id) => this.#verdicts.forgetAnswers(id),
      this.#canary,
    )
    this.#runner = new ProbeRunner(host, (config, counter, epoch, outcome) => {
      // A probe that outlived its config (server removed or re-pointed) says nothing about the current one.
      if (this.#closed || this.host.serverConfig(config.id) !== config) return
      this.#unprobed.delete(config.id)
      if (outcome.ok) this.#verdicts.answered(config.id, counter, epoch, outcome)
      else this.markFailed(config.id, outcome.error.message, 'probe', outcome.error)
    })
  }

  /** Servers not probed since they were configured: they cannot be chosen yet. */
  get unprobed(): ReadonlySet<string> {
    return this.#unprobed
  }

  /** A server appeared (or was re-pointed): forget its past, probe it before use. */
  added(id: string): void {
    this.#canary.stop(id)
    this.#unprobed.add(id)
    this.#recovery.forget(id)
    this.#outliers.forget(id)
  }

  removed(id: string): void {
    this.#canary.stop(id)
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
    return this.#runner.probe(id)
  }

  /** Another instance probed a server: apply its result as if this instance had probed. */
  remoteProbe(record: ProbeRecord): void {
    this.#runner.remoteProbe(record)
  }

  /** Marks a server unhealthy for `reason` (see {@link HealthVerdicts.markFailed}). */
  markFailed(
    id: string,
    reason: string,
    kind: FailureRecord['kind'],
    error?: ProbeError,
    fromOthers = false,
  ): void {
    this.#verdicts.markFailed(id, reason, kind, error, fromOthers)
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
    else if (verdict.action === 'eject') this.#ejector.eject(id, verdict.reason, verdict.cause)
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

  /** A canary ran on a server ejected for failed jobs. */
  #canaryRan(id: string, outcome: CanaryOutcome, detail: string): void {
    const { logger } = this.host
    const server = this.host.store.get(id)
    const now = this.host.clock.now()
    if (this.#closed || !server || server.ejectedUntil === undefined || server.ejectedUntil <= now) return
    if (outcome === 'failed') {
      logger.debug(`${id} canary failed, still held out: ${detail}`)
    } else if (outcome === 'unusable') {
      const outlier = this.host.config()?.outlier
      logger.warn(`${id}: ${detail}; its ejection ends after the timed length instead`)
      this.#outliers.canaryUnusable(id)
      this.#ejector.endBy(id, now + (outlier?.baseEjectionMs ?? 30_000))
    } else {
      logger.info(`${id} ran a canary prompt: its ejection ends (on probation)`)
      this.#outliers.canaryPassed(id)
      this.#verdicts.vouch(id)
      this.#ejector.endBy(id, now)
      void this.probe(id)
    }
  }

  /** How many times outlier logic has ejected the server lately. */
  ejections(id: string): number {
    return this.#outliers.ejections(id)
  }

  /** Aborts every probe in flight and clears every timer. */
  close(): void {
    this.#closed = true
    this.#canary.close()
    this.#runner.close()
    this.#recovery.clear()
  }
}
