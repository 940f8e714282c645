import type { OutlierSettings } from '../config/types.js'

/** What the balancer saw of a server while placing or following a job. */
export type Observation =
  /** A request answered well: streaks of errors end (not of failed jobs: a black hole answers). */
  | { readonly type: 'answered' }
  /** A job finished with outputs: every streak ends. */
  | { readonly type: 'job-succeeded' }
  /** The connection was refused or dropped, or a POST got no answer at all: down or hung. */
  | { readonly type: 'connection'; readonly reason: string }
  /** A 5xx or a malformed answer. */
  | { readonly type: 'error'; readonly reason: string }
  /** A job ended in an execution error (a black hole fails every job at once). */
  | { readonly type: 'job-failed'; readonly reason: string }

/** What a streak of observations calls for. */
export type Verdict =
  | { readonly action: 'none' }
  /** Down: out until probes answer again (not subject to the ejection cap). */
  | { readonly action: 'down'; readonly reason: string }
  /**
   * An outlier: held out for an ejection time (subject to the cap). `jobs`: for failed jobs, which
   * a canary prompt can test; `errors`: for error answers, which only time and probes can.
   */
  | { readonly action: 'eject'; readonly reason: string; readonly cause: 'jobs' | 'errors' }

const NONE: Verdict = { action: 'none' }

interface Tally {
  errors: number
  connections: number
  jobFailures: number
  /** Ejections so far; the next one lasts one base time longer. Decays after a clean spell. */
  ejections: number
  /** When it last came back from an ejection. */
  backAt: number | undefined
  /** When it went down, most recent last (only the last `flapAfter` are kept). */
  downs: number[]
  /** A canary readmitted it and no real job has succeeded on it since. */
  canaryOnTrial: boolean
  /** A canary passed but the next real job failed: canaries cannot judge this server's fault. */
  canaryUntrusted: boolean
  /** The queue length last read, and since when it has not gone down. */
  queueLength: number
  stillSince: number
}

/**
 * Per-server streaks of passive failures, ejection counts and liveness, after Envoy's outlier
 * detection. Pure bookkeeping: the health monitor turns its verdicts into health changes.
 */
export class OutlierTracker {
  readonly #tallies = new Map<string, Tally>()

  constructor(private readonly settings: () => OutlierSettings) {}

  /** Counts one observation; says whether the server should now be taken out. */
  observe(id: string, observation: Observation): Verdict {
    const tally = this.#tally(id)
    const settings = this.settings()
    switch (observation.type) {
      case 'job-succeeded':
        tally.canaryOnTrial = false
        tally.canaryUntrusted = false
        tally.jobFailures = 0
        tally.errors = 0
        tally.connections = 0
        return NONE
      case 'answered':
        tally.errors = 0
        tally.connections = 0
        return NONE
      case 'connection':
        tally.connections += 1
        if (tally.connections < settings.consecutiveConnectionFailures) return NONE
        tally.connections = 0
        return { action: 'down', reason: observation.reason }
      case 'error':
        tally.errors += 1
        if (tally.errors < settings.consecutiveErrors) return NONE
        return {
          action: 'eject',
          reason: `${tally.errors} error answers in a row; last: ${observation.reason}`,
          cause: 'errors',
        }
      case 'job-failed':
        tally.jobFailures += 1
        if (tally.jobFailures < settings.consecutiveJobFailures) return NONE
        if (tally.canaryOnTrial) {
          tally.canaryOnTrial = false
          tally.canaryUntrusted = true
        }
        return {
          action: 'eject',
          reason: `${tally.jobFailures === 1 ? 'a job failed' : `${tally.jobFailures} failed jobs in a row`}; last: ${observation.reason}`,
          cause: 'jobs',
        }
    }
  }

  /** How long the next ejection lasts (before jitter): base × n, capped; counts it. */
  nextEjectionMs(id: string, now: number): number {
    const tally = this.#tally(id)
    const { baseEjectionMs, maxEjectionMs } = this.settings()
    // A server that behaved for a whole maximum ejection time starts again from the base time.
    if (tally.backAt !== undefined && now - tally.backAt >= maxEjectionMs) tally.ejections = 0
    tally.ejections += 1
    return Math.min(baseEjectionMs * tally.ejections, maxEjectionMs)
  }

  ejections(id: string): number {
    return this.#tallies.get(id)?.ejections ?? 0
  }

  /** Whether a canary may end this server's ejection (it has not been fooled by one lately). */
  canaryTrusted(id: string): boolean {
    return !(this.#tallies.get(id)?.canaryUntrusted ?? false)
  }

  /** A canary ran on it and it is back: the next real job decides whether canaries tell the truth here. */
  canaryPassed(id: string): void {
    this.#tally(id).canaryOnTrial = true
  }

  /** The canary prompt is refused by this server: judge it by time and real jobs only. */
  canaryUnusable(id: string): void {
    this.#tally(id).canaryUntrusted = true
  }

  /**
   * Back in rotation. After an ejection it is on probation: one more failure of the kind that
   * ejected it takes it out again (a single half-open trial, as circuit breakers do).
   */
  readmitted(id: string, now: number, afterEjection: boolean): void {
    const tally = this.#tally(id)
    if (!afterEjection) return
    const settings = this.settings()
    tally.backAt = now
    tally.errors = Math.max(tally.errors, settings.consecutiveErrors - 1)
    tally.jobFailures = Math.max(tally.jobFailures, settings.consecutiveJobFailures - 1)
  }

  /** It went down (probes or a refused connection). */
  wentDown(id: string, now: number): void {
    const tally = this.#tally(id)
    tally.downs.push(now)
    const keep = this.settings().flapAfter
    if (tally.downs.length > keep) tally.downs.splice(0, tally.downs.length - keep)
  }

  /** Down `flapAfter` times within `flapWindowMs`: do not trust one more comeback yet. */
  flapping(id: string, now: number): string | undefined {
    const tally = this.#tallies.get(id)
    const { flapAfter, flapWindowMs } = this.settings()
    if (!tally) return undefined
    const recent = tally.downs.filter((at) => now - at < flapWindowMs)
    if (recent.length < flapAfter) return undefined
    // One more fall after this hold-out counts at once (the list keeps flapAfter − 1 of them).
    tally.downs = recent.slice(recent.length - (flapAfter - 1))
    return `flapping: down ${recent.length} times in ${Math.round(flapWindowMs / 1000)} s`
  }

  /** Sign of life: a prompt started, progressed or finished. */
  progressed(id: string, now: number): void {
    this.#tally(id).stillSince = now
  }

  /**
   * A queue reading. Returns a reason when the queue has held work without moving for longer
   * than `stallAfterMs` and four job times (long jobs are not stalls).
   */
  queueRead(id: string, length: number, now: number, jobMs: number | undefined): string | undefined {
    const tally = this.#tally(id)
    if (length === 0 || length < tally.queueLength || Number.isNaN(tally.stillSince)) tally.stillSince = now
    tally.queueLength = length
    if (length === 0) return undefined
    const limit = Math.max(this.settings().stallAfterMs, 4 * (jobMs ?? 0))
    const still = now - tally.stillSince
    if (still <= limit) return undefined
    return `stalled: ${length} prompt(s) queued and none finished for ${Math.round(still / 1000)} s`
  }

  forget(id: string): void {
    this.#tallies.delete(id)
  }

  #tally(id: string): Tally {
    let tally = this.#tallies.get(id)
    if (!tally) {
      tally = {
        errors: 0,
        connections: 0,
        jobFailures: 0,
        ejections: 0,
        backAt: undefined,
        downs: [],
        canaryOnTrial: false,
        canaryUntrusted: false,
        queueLength: 0,
        stillSince: Number.NaN,
      }
      this.#tallies.set(id, tally)
    }
    return tally
  }
}
