import type { Clock, RandomSource, TimerHandle } from '../contracts/clock.js'
import { backoffDelay, jittered } from '../util/backoff.js'

interface RecoveryState {
  /** Failures counted into the backoff (the next one waits longer). */
  failures: number
  dueAt: number
  timer?: TimerHandle
}

/**
 * When to re-probe each unhealthy server: first after `baseMs`, then doubling up to `capMs`.
 * Timers run only while armed (background probing on); otherwise callers ask for due servers.
 */
export class RecoverySchedule {
  #states = new Map<string, RecoveryState>()
  #earliest = Number.POSITIVE_INFINITY
  #armed = false

  constructor(
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly settings: () => { baseMs: number; capMs: number; jitter: number },
    private readonly reprobe: (id: string) => void,
  ) {}

  /**
   * A server failed (again): schedule its next re-probe with a longer delay, counted from when the
   * failed re-probe was due — a silent server's probe spends its whole timeout before it fails, and
   * waiting the full delay after that would add the timeout to every cycle.
   */
  failed(id: string): void {
    const { baseMs, capMs, jitter } = this.settings()
    const state = this.#states.get(id)
    const failures = (state?.failures ?? 0) + 1
    if (state?.timer !== undefined) this.clock.clearTimeout(state.timer)
    const wait = backoffDelay({ attempt: failures, baseMs, maxMs: capMs, jitter }, this.random)
    const now = this.clock.now()
    const from = state !== undefined && state.dueAt <= now ? state.dueAt : now
    const next: RecoveryState = { failures, dueAt: Math.max(now + Math.min(baseMs, wait), from + wait) }
    this.#states.set(id, next)
    this.#earliest = Math.min(this.#earliest, next.dueAt)
    if (this.#armed) this.#arm(id, next, next.dueAt - now)
  }

  /** Re-check a server soon (after the base delay), without growing its backoff: right after a change. */
  soon(id: string): void {
    const { baseMs, jitter } = this.settings()
    const state = this.#states.get(id)
    if (state?.timer !== undefined) this.clock.clearTimeout(state.timer)
    const wait = jittered(baseMs, jitter, this.random)
    const next: RecoveryState = { failures: state?.failures ?? 1, dueAt: this.clock.now() + wait }
    this.#states.set(id, next)
    this.#earliest = Math.min(this.#earliest, next.dueAt)
    if (this.#armed) this.#arm(id, next, wait)
  }

  /** Re-check a server at `dueAt` (the end of its ejection), keeping its backoff. */
  at(id: string, dueAt: number): void {
    const state = this.#states.get(id)
    if (state?.timer !== undefined) this.clock.clearTimeout(state.timer)
    const next: RecoveryState = { failures: state?.failures ?? 1, dueAt }
    this.#states.set(id, next)
    this.#earliest = Math.min(this.#earliest, dueAt)
    if (this.#armed) this.#arm(id, next, Math.max(0, dueAt - this.clock.now()))
  }

  /** A server answered: forget its backoff. */
  recovered(id: string): void {
    const state = this.#states.get(id)
    if (!state) return
    if (state.timer !== undefined) this.clock.clearTimeout(state.timer)
    this.#states.delete(id)
  }

  /** Ids whose re-probe is due now (cheap when none is). */
  due(now: number = this.clock.now()): string[] {
    if (now < this.#earliest) return []
    const due: string[] = []
    let earliest = Number.POSITIVE_INFINITY
    for (const [id, state] of this.#states) {
      if (state.dueAt <= now) due.push(id)
      else earliest = Math.min(earliest, state.dueAt)
    }
    // Due ones are pushed forward by their probe's outcome (failed() or recovered()).
    this.#earliest = due.length > 0 ? now + this.settings().baseMs : earliest
    return due
  }

  /** Background probing started: re-probe on timers. */
  arm(): void {
    this.#armed = true
    const now = this.clock.now()
    for (const [id, state] of this.#states) this.#arm(id, state, Math.max(0, state.dueAt - now))
  }

  /** Background probing stopped: no timers. */
  disarm(): void {
    this.#armed = false
    for (const state of this.#states.values()) {
      if (state.timer !== undefined) this.clock.clearTimeout(state.timer)
      delete state.timer
    }
  }

  forget(id: string): void {
    this.recovered(id)
  }

  clear(): void {
    this.disarm()
    this.#states.clear()
  }

  #arm(id: string, state: RecoveryState, wait: number): void {
    if (state.timer !== undefined) this.clock.clearTimeout(state.timer)
    state.timer = this.clock.setTimeout(() => {
      delete state.timer
      this.reprobe(id)
    }, wait)
  }
}
