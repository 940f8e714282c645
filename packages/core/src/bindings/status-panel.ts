import type { ServerStats } from '../balancer/options.js'
import type { Health, ServerSnapshot } from '../contracts/server.js'
import type { OptimalServerStatus } from './optimal-choice.js'

/** What both status panels take besides the caption (whose type is the framework's). */
export interface StatusPanelOptions {
  /** Root class name; every part gets a BEM-style class from it (`cb-status__row--unhealthy`). Default `cb-status`. */
  readonly className?: string | undefined
  /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
  readonly formatTime?: ((ms: number) => string) | undefined
  /** Show the "Test" button (a fresh probe and a selection). Default `true`. */
  readonly showTest?: boolean | undefined
}

/** The status panel's column headers, in order. */
export const STATUS_COLUMNS = ['Server', 'Health', 'Queue', 'Lock', 'Latency', 'Last failure'] as const

/** `HH:MM:SS` (UTC) of a clock time: the panels' default time format. */
export function formatClockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/** "2", "2 (+1 in flight)" or "unknown". */
export function queueText(stats: ServerStats): string {
  const queue = stats.queue === undefined ? 'unknown' : String(stats.queue)
  return stats.inFlight > 0 ? `${queue} (+${stats.inFlight} in flight)` : queue
}

/** One server's row of the status panel, as text: each binding only renders it. */
export interface StatusRow {
  readonly id: string
  readonly name: string
  readonly health: Health
  /** The server the next job goes to. */
  readonly best: boolean
  /** The row's classes: `{root}__row {root}__row--{health}`, plus `{root}__row--best`. */
  readonly className: string
  /** The health, or `held out until 12:00:05` while outlier ejection holds the server out. */
  readonly healthText: string
  readonly queueText: string
  /** `unlocked` or `locked until 12:00:30`. */
  readonly lockText: string
  /** `12 ms`, or `—` before the first probe answered. */
  readonly latencyText: string
  /** The last failure: its reason, its time as ISO (for `<time dateTime>`) and as shown. */
  readonly lastFailure:
    | { readonly reason: string; readonly dateTime: string; readonly time: string }
    | undefined
}

/** What the status panel shows, computed from the server stats and the optimal choice. */
export interface StatusView {
  readonly rows: readonly StatusRow[]
  /** The live region's sentence: `Checking servers…` or `2 of 2 servers healthy. Next job goes to A.` */
  readonly summary: string
}

/** Inputs of {@link statusView}. */
export interface StatusViewInput {
  readonly stats: readonly ServerStats[]
  readonly status: OptimalServerStatus
  readonly optimal: ServerSnapshot | undefined
  /** The root class name that every part's BEM-style class starts with. */
  readonly className: string
  readonly formatTime: (ms: number) => string
}

/** The panel's rows and summary: everything the React and Vue panels show, as text and classes. */
export function statusView({ stats, status, optimal, className, formatTime }: StatusViewInput): StatusView {
  const best = status === 'ready' ? optimal : undefined
  const healthy = stats.filter((s) => s.healthy).length
  const summary =
    status === 'pending'
      ? 'Checking servers…'
      : `${healthy} of ${stats.length} servers healthy.${best ? ` Next job goes to ${best.name}.` : ''}`
  const rows = stats.map((s): StatusRow => {
    const isBest = best?.id === s.id
    return {
      id: s.id,
      name: s.name,
      health: s.health,
      best: isBest,
      className: `${className}__row ${className}__row--${s.health}${isBest ? ` ${className}__row--best` : ''}`,
      healthText: s.ejectedUntil === undefined ? s.health : `held out until ${formatTime(s.ejectedUntil)}`,
      queueText: queueText(s),
      lockText: s.lockedUntil === undefined ? 'unlocked' : `locked until ${formatTime(s.lockedUntil)}`,
      latencyText: s.latencyMs === undefined ? '—' : `${Math.round(s.latencyMs)} ms`,
      lastFailure:
        s.lastFailure === undefined
          ? undefined
          : {
              reason: s.lastFailure.reason,
              dateTime: new Date(s.lastFailure.at).toISOString(),
              time: formatTime(s.lastFailure.at),
            },
    }
  })
  return { rows, summary }
}
