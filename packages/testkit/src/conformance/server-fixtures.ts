/**
 * Server snapshots for strategy tests, shaped exactly like `@comfy-balancer/core`'s
 * `ServerSnapshot` (declared here structurally: the testkit must not depend on core).
 */
export type FixtureQueue =
  | {
      readonly known: true
      readonly running: number
      readonly pending: number
      readonly source: 'queue' | 'prompt' | 'ws'
    }
  | { readonly known: false; readonly treatedAs: 0; readonly reason: string }
  | 'unknown'

export interface FixtureSnapshot {
  readonly id: string
  readonly url: string
  readonly name: string
  readonly priority: number
  readonly weight: number
  readonly tags: readonly string[]
  readonly maxQueue?: number | undefined
  readonly index: number
  readonly health: 'healthy' | 'unhealthy' | 'unknown'
  readonly healthReason?: string | undefined
  readonly queue: FixtureQueue
  readonly inFlight: number
  readonly latencyMs?: number | undefined
  readonly jobMs?: number | undefined
  readonly lockedUntil?: number | undefined
  readonly failures: readonly {
    readonly at: number
    readonly reason: string
    readonly kind: 'probe' | 'reported' | 'observed'
  }[]
  readonly consecutiveFailures: number
  readonly checkedAt?: number | undefined
  readonly ejectedUntil?: number | undefined
  readonly capabilities?:
    | {
        readonly nodes: number
        readonly models: number
        readonly checkpoints: number
        readonly readAt: number
      }
    | undefined
  readonly models?:
    | {
        readonly held: readonly string[]
        readonly slots: number
        readonly loadMs: Readonly<Record<string, number>>
      }
    | undefined
}

/** What a fixture may set: the queue as a plain number of prompts (running first) is the usual case. */
export type FixtureInput = Partial<Omit<FixtureSnapshot, 'queue'>> & {
  readonly queue?: number | FixtureQueue
}

/**
 * A healthy server snapshot at position `index`, with `overrides` applied.
 *
 * @example
 * ```ts
 * const servers = [serverSnapshot(0, { queue: 3 }), serverSnapshot(1, { priority: 2 }), serverSnapshot(2)]
 * minQueue().select(servers, { now: 0, random: seededRandom(1) })
 * ```
 */
export function serverSnapshot(index: number, overrides: FixtureInput = {}): FixtureSnapshot {
  const { queue, ...rest } = overrides
  const id = rest.id ?? `gpu-${index}`
  return {
    id,
    url: `http://${id}.test:8188`,
    name: id,
    priority: index,
    weight: 1,
    tags: [],
    maxQueue: undefined,
    index,
    health: 'healthy',
    healthReason: undefined,
    inFlight: 0,
    latencyMs: undefined,
    jobMs: undefined,
    lockedUntil: undefined,
    failures: [],
    consecutiveFailures: 0,
    checkedAt: undefined,
    ...rest,
    queue: typeof queue === 'number' ? queueOf(queue) : (queue ?? queueOf(0)),
  }
}

/** A known queue of `length` prompts: one running and the rest pending, as read from `GET /prompt`. */
export function queueOf(length: number): FixtureQueue {
  return { known: true, running: Math.min(1, length), pending: Math.max(0, length - 1), source: 'prompt' }
}
