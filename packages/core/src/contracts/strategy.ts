import type { RandomSource } from './clock.js'
import type { ServerSnapshot } from './server.js'

/** The current selection lock: one server is preferred until `until`. */
export interface ServerLock {
  readonly serverId: string
  /** Clock time (ms) when the lock lapses. */
  readonly until: number
}

/** Per-job wishes a caller may pass to a selection. */
export interface JobHints {
  /** Only these server ids may be chosen. */
  readonly include?: readonly string[]
  /** These server ids must not be chosen. */
  readonly exclude?: readonly string[]
  /** Every one of these tags must be on the chosen server. */
  readonly tags?: readonly string[]
  /** Larger is more urgent: late binding sends such jobs first; a strategy may read it too. */
  readonly priority?: number
  /**
   * The model files the job loads (filled in by the balancer from its prompt): a server that does
   * not hold them pays their load time first (`leastExpectedWait` counts it).
   */
  readonly models?: readonly string[]
}

/** What a strategy may read besides the candidates. Everything it needs to be deterministic. */
export interface SelectContext {
  /** The balancer clock's time (ms). */
  readonly now: number
  /** Uniform [0, 1) numbers from the balancer's random source. */
  readonly random: RandomSource
  /** The current lock, if any (it may have lapsed: compare `until` with `now`). */
  readonly lock?: ServerLock
  /** Per-job hints from the caller. */
  readonly job?: JobHints
}

/**
 * Chooses one server among candidates. `select` must return a member of `candidates` or
 * `undefined` (meaning "none acceptable"), must not mutate its input, and must be deterministic
 * given the same snapshots, `ctx.now` and `ctx.random` sequence. State such as a round-robin cursor
 * lives in the object the factory returns.
 */
export interface Strategy {
  /** Shown in logs and `selected` events. */
  readonly name: string
  select(candidates: readonly ServerSnapshot[], ctx: SelectContext): ServerSnapshot | undefined
  /**
   * When set, the balancer locks whatever this strategy picks for this long (ms), unless the pick
   * is the server already locked. Sticky strategies read the lock back from `ctx.lock`.
   */
  readonly lockTtlMs?: number
  /**
   * Optional: how bad a server is for the next job by this strategy's measure (lower is better;
   * e.g. queue length, expected wait in ms). Lets decorators such as `powerOfTwo` and `sticky`
   * compare servers by the strategy's own yardstick.
   */
  score?(server: ServerSnapshot, ctx: SelectContext, candidates: readonly ServerSnapshot[]): number
}
