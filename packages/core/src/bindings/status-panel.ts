import type { ServerStats } from '../balancer/options.js'
import type { Health, ServerSnapshot } from '../contracts/server.js'
import type { OptimalServerStatus } from './optimal-choice.js'

/** The props both status panels take; only the caption's type is the framework's. */
export interface StatusPanelProps<Caption = string> {
  /** Root class name; every part gets a BEM-style class from it (`cb-status__row--unhealthy`). Default `cb-status`. */
  readonly className?: string | undefined
  /** The table caption. Default "ComfyUI servers". */
  readonly caption?: Caption | undefined
  /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
  readonly formatTime?: ((ms: number) => string) | undefined
  /** Show the "Test" button (a fresh probe and a selection). Default `true`. */
  readonly showTest?: boolean | undefined
}

/** `HH:MM:SS` (UTC) of a clock time: the panels' default time format. */
export function formatClockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/** What a panel shows when a prop is not given. */
export const STATUS_PANEL_DEFAULTS = {
  className: 'cb-status',
  caption: 'ComfyUI servers',
  formatTime: formatClockTime,
  showTest: true,
} as const

/** The status panel's column headers, in order. */
export const STATUS_COLUMNS = [
  'Server',
  'Health',
  'Queue',
  'Lock',
  'Latency',
  'Can run',
  'Loaded',
  'Last failure',
] as const

/** The BEM-style class of each part of the panel, all derived from the root class name. */
export function statusClasses(root: string) {
  const part = (name: string) => `${root}__${name}`
  return {
    root,
    table: part('table'),
    caption: part('caption'),
    server: part('server'),
    best: part('best'),
    failure: part('failure'),
    summary: part('summary'),
    test: part('test'),
    testResult: part('test-result'),
    health: part('health'),
    queue: part('queue'),
    lock: part('lock'),
    latency: part('latency'),
    capabilities: part('capabilities'),
    loaded: part('loaded'),
    row: (health: Health, best: boolean) =>
      `${part('row')} ${part(`row--${health}`)}${best ? ` ${part('row--best')}` : ''}`,
  }
}

/** The classes of one panel: see {@link statusClasses}. */
export type StatusClasses = ReturnType<typeof statusClasses>

/** "2", "2 (+1 in flight)" or "unknown". */
export function queueText(stats: ServerStats): string {
  const queue = stats.queue === undefined ? 'unknown' : String(stats.queue)
  return stats.inFlight > 0 ? `${queue} (+${stats.inFlight} in flight)` : queue
}

/** "412 nodes · 7 checkpoints", or "—" before its `/object_info` was read. */
export function capabilitiesText(stats: ServerStats): string {
  const read = stats.capabilities
  if (read === undefined) return '—'
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return `${plural(read.nodes, 'node')} · ${plural(read.checkpoints, 'checkpoint')}`
}

/** A text cell of a row, with its class. */
export interface StatusCell {
  readonly className: string
  readonly text: string
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
  /**
   * Health (or `held out until 12:00:05` while outlier ejection holds the server out), queue, lock
   * (`unlocked` or `locked until 12:00:30`), latency (`12 ms`, or `—` before the first probe
   * answered), what it can run (`412 nodes · 7 checkpoints`) and the models it holds, in column order.
   */
  readonly cells: readonly StatusCell[]
  /** The last failure: its reason, its time as ISO (for `<time dateTime>`) and as shown. */
  readonly lastFailure:
    | { readonly reason: string; readonly dateTime: string; readonly time: string }
    | undefined
}

/** What the status panel shows: everything the React and Vue panels render, as text and classes. */
export interface StatusView<Caption = string> {
  readonly caption: Caption | string
  readonly showTest: boolean
  readonly classes: StatusClasses
  readonly columns: typeof STATUS_COLUMNS
  readonly rows: readonly StatusRow[]
  /** The live region's sentence: `Checking servers…` or `2 of 2 servers healthy. Next job goes to A.` */
  readonly summary: string
}

/** The balancer's state a panel shows. */
export interface StatusPanelState {
  readonly stats: readonly ServerStats[]
  readonly status: OptimalServerStatus
  readonly optimal: ServerSnapshot | undefined
}

/** The panel's view of `state`, with `props` over {@link STATUS_PANEL_DEFAULTS}. */
export function statusView<Caption>(
  { stats, status, optimal }: StatusPanelState,
  props: StatusPanelProps<Caption>,
): StatusView<Caption> {
  const classes = statusClasses(props.className ?? STATUS_PANEL_DEFAULTS.className)
  const formatTime = props.formatTime ?? STATUS_PANEL_DEFAULTS.formatTime
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
      className: classes.row(s.health, isBest),
      cells: [
        {
          className: classes.health,
          text: s.ejectedUntil === undefined ? s.health : `held out until ${formatTime(s.ejectedUntil)}`,
        },
        { className: classes.queue, text: queueText(s) },
        {
          className: classes.lock,
          text: s.lockedUntil === undefined ? 'unlocked' : `locked until ${formatTime(s.lockedUntil)}`,
        },
        {
          className: classes.latency,
          text: s.latencyMs === undefined ? '—' : `${Math.round(s.latencyMs)} ms`,
        },
        { className: classes.capabilities, text: capabilitiesText(s) },
        { className: classes.loaded, text: s.heldModels.length === 0 ? '—' : s.heldModels.join(', ') },
      ],
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
  return {
    caption: props.caption ?? STATUS_PANEL_DEFAULTS.caption,
    showTest: props.showTest ?? STATUS_PANEL_DEFAULTS.showTest,
    classes,
    columns: STATUS_COLUMNS,
    rows,
    summary,
  }
}
