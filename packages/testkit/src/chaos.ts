import type { TimerHandle } from './clock'
import type { Fault, ModelClock } from './model/types'

/**
 * What chaos acts on: a sim server (`ComfySim`) or a bare model (`ComfyModel`, for msw tests). Only
 * `setFault` and `crash` are needed; `restart` (a sim's) really closes the port for a while.
 */
export interface ChaosTarget {
  readonly name?: string
  readonly id?: string
  setFault(fault: Fault | undefined): void
  crash(): void
  restart?(options?: { downMs?: number }): Promise<void>
  /** Listens again after a `restart` (a sim's); chaos calls it when the fault ends or chaos stops. */
  up?(): Promise<void>
}

/**
 * The faults chaos injects:
 * - `crash`: the process dies and restarts at once; the running job and the queue are lost.
 * - `restart`: a crash, then the port stays closed for the fault's duration (refuse on a model).
 * - `refuse`, `hang`, `http500`, `malformed`, `wrongShape`, `slow`: the HTTP fault, for the duration.
 * - `hangAfterAccept`: requests hang, but a `POST /prompt` still queues the prompt ("dies after
 *   accepting the POST but before answering").
 * - `flapping`: refuses and answers in turn, every `flapMs`, for the duration.
 */
export type ChaosKind =
  | 'crash'
  | 'restart'
  | 'refuse'
  | 'hang'
  | 'http500'
  | 'malformed'
  | 'wrongShape'
  | 'slow'
  | 'hangAfterAccept'
  | 'flapping'

/** One injected fault: on which server, what, from when until when (clock ms). */
export interface ChaosEvent {
  readonly target: string
  readonly kind: ChaosKind
  readonly at: number
  /** When the fault was cleared (equal to `at` for a crash); undefined while it lasts. */
  until: number | undefined
}

/** Options of {@link startChaos}. */
export interface ChaosOptions {
  readonly targets: readonly ChaosTarget[]
  readonly clock: ModelClock
  /** A seeded source, e.g. `seededRandom(42)`: the same seed gives the same schedule of decisions. */
  readonly random: () => number
  /** Mean gap between two injected faults (clock ms, exponential). */
  readonly meanGapMs: number
  /** How long a fault lasts: uniform in [min, max] clock ms. */
  readonly durationMs: readonly [number, number]
  /** Relative weights of the kinds to draw; default every kind, weight 1. */
  readonly kinds?: Partial<Readonly<Record<ChaosKind, number>>>
  /** At most this many servers faulted at once; default 1. */
  readonly maxConcurrent?: number
  /** `slow` delay (clock ms); default 2,000. */
  readonly slowDelayMs?: number
  /** `flapping` half-period (clock ms); default 1,000. */
  readonly flapMs?: number
  /** Stop injecting new faults after this many clock ms from the start; default never. */
  readonly forMs?: number
}

/** A running fault schedule. */
export interface Chaos {
  /** Every fault injected so far, in order (live objects: `until` is filled in when it ends). */
  readonly events: readonly ChaosEvent[]
  /** Faults on `target` whose window overlaps [from, to] (clock ms). */
  during(target: string, from: number, to: number): ChaosEvent[]
  /** Stops injecting, clears every fault it set and waits for restarts under way. */
  stop(): Promise<void>
}

const ALL_KINDS: readonly ChaosKind[] = [
  'crash',
  'restart',
  'refuse',
  'hang',
  'http500',
  'malformed',
  'wrongShape',
  'slow',
  'hangAfterAccept',
  'flapping',
]

function labelOf(target: ChaosTarget, index: number): string {
  return target.name ?? target.id ?? `target-${index + 1}`
}

/**
 * Injects random faults into servers on a fixed seed: every `meanGapMs` on average it picks a server
 * that is not already faulted (while fewer than `maxConcurrent` are) and a kind by weight, applies
 * it for a random duration, then clears it. Every decision comes from `random`, so a seed names a
 * schedule; the log of what happened (`events`) lets a test explain each failed job.
 *
 * @example
 * ```ts
 * const chaos = startChaos({ targets: cluster.sims, clock: cluster.clock, random: seededRandom(8),
 *   meanGapMs: 20_000, durationMs: [2_000, 10_000] })
 * // … run a workload …
 * await chaos.stop()
 * ```
 */
export function startChaos(options: ChaosOptions): Chaos {
  const { targets, clock, random } = options
  if (targets.length === 0) throw new RangeError('startChaos: no targets')
  if (!(options.meanGapMs > 0)) throw new RangeError('startChaos: meanGapMs must be positive')
  const [minMs, maxMs] = options.durationMs
  if (!(minMs >= 0 && maxMs >= minMs))
    throw new RangeError('startChaos: durationMs must be [min, max], 0 ≤ min ≤ max')
  const weights = ALL_KINDS.map(
    (kind) => [kind, options.kinds?.[kind] ?? (options.kinds ? 0 : 1)] as const,
  ).filter(([, weight]) => weight > 0)
  const totalWeight = weights.reduce((sum, [, weight]) => sum + weight, 0)
  if (totalWeight <= 0) throw new RangeError('startChaos: no kind has a positive weight')
  const maxConcurrent = options.maxConcurrent ?? 1
  const startedAt = clock.now()
  const events: ChaosEvent[] = []
  const busy = new Map<number, { event: ChaosEvent; end(): void }>()
  const timers = new Set<TimerHandle>()
  const pending = new Set<Promise<void>>()
  let stopped = false

  const later = (ms: number, action: () => void): void => {
    const handle = clock.setTimeout(() => {
      timers.delete(handle)
      if (!stopped) action()
    }, ms)
    timers.add(handle)
  }
  const track = (promise: Promise<void>): void => {
    const settled = promise.catch(() => undefined)
    pending.add(settled)
    void settled.then(() => pending.delete(settled))
  }

  const draw = (): ChaosKind => {
    let pick = random() * totalWeight
    for (const [kind, weight] of weights) {
      pick -= weight
      if (pick < 0) return kind
    }
    return weights[weights.length - 1]![0]
  }

  const inject = (): void => {
    const free = targets.map((_, index) => index).filter((index) => !busy.has(index))
    const index = free[Math.floor(random() * free.length)]
    const kind = draw()
    const duration = Math.round(minMs + random() * (maxMs - minMs))
    if (index === undefined || busy.size >= maxConcurrent) return
    const target = targets[index]!
    const event: ChaosEvent = { target: labelOf(target, index), kind, at: clock.now(), until: undefined }
    events.push(event)
    if (kind === 'crash') {
      target.crash()
      event.until = event.at
      return
    }
    let flapTimer: TimerHandle | undefined
    const end = (): void => {
      if (!busy.has(index)) return
      busy.delete(index)
      if (flapTimer !== undefined) clock.clearTimeout(flapTimer)
      if (kind !== 'restart' || target.restart === undefined) target.setFault(undefined)
      else if (target.up !== undefined) track(target.up())
      event.until = clock.now()
    }
    busy.set(index, { event, end })
    switch (kind) {
      case 'restart':
        if (target.restart !== undefined) track(target.restart({ downMs: duration }))
        else {
          target.crash()
          target.setFault({ kind: 'refuse' })
        }
        break
      case 'slow':
        target.setFault({ kind: 'slow', delayMs: options.slowDelayMs ?? 2_000 })
        break
      case 'hangAfterAccept':
        target.setFault({ kind: 'hang', process: true })
        break
      case 'flapping': {
        const half = options.flapMs ?? 1_000
        let down = false
        const toggle = (): void => {
          down = !down
          target.setFault(down ? { kind: 'refuse' } : undefined)
          flapTimer = clock.setTimeout(toggle, half)
        }
        toggle()
        break
      }
      default:
        target.setFault({ kind })
    }
    later(duration, end)
  }

  const schedule = (): void => {
    const gap = -Math.log(Math.max(random(), 1e-12)) * options.meanGapMs
    if (options.forMs !== undefined && clock.now() + gap - startedAt > options.forMs) return
    later(gap, () => {
      inject()
      schedule()
    })
  }
  schedule()

  return {
    events,
    during(target, from, to) {
      return events.filter(
        (e) => e.target === target && e.at <= to && (e.until === undefined || e.until >= from),
      )
    },
    async stop() {
      if (stopped) return
      stopped = true
      for (const handle of timers) clock.clearTimeout(handle)
      timers.clear()
      for (const { end } of [...busy.values()]) end()
      await Promise.all([...pending])
    },
  }
}

/**
 * Makes `target` flap: refused for `downMs`, answering for `upMs`, in turn, starting down, until
 * the returned function is called (which leaves it answering).
 */
export function flap(
  target: Pick<ChaosTarget, 'setFault'>,
  clock: ModelClock,
  options: { downMs: number; upMs: number },
): () => void {
  let timer: TimerHandle | undefined
  let stopped = false
  const goDown = (): void => {
    if (stopped) return
    target.setFault({ kind: 'refuse' })
    timer = clock.setTimeout(goUp, options.downMs)
  }
  const goUp = (): void => {
    if (stopped) return
    target.setFault(undefined)
    timer = clock.setTimeout(goDown, options.upMs)
  }
  goDown()
  return () => {
    stopped = true
    if (timer !== undefined) clock.clearTimeout(timer)
    target.setFault(undefined)
  }
}
