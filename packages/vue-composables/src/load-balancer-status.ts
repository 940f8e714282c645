import type { ServerStats } from '@comfy-balancer/core'
import { testSelection } from '@comfy-balancer/core'
import { type DefineComponent, defineComponent, h, onScopeDispose, type PropType, shallowRef } from 'vue'
import { injectBalancer } from './plugin.js'
import { useLoadBalancer } from './use-load-balancer.js'

/** `HH:MM:SS` (UTC) of a clock time. */
export function formatClockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/** "2", "2 (+1 in flight)" or "unknown". */
export function queueText(stats: ServerStats): string {
  const queue = stats.queue === null ? 'unknown' : String(stats.queue)
  return stats.inFlight > 0 ? `${queue} (+${stats.inFlight} in flight)` : queue
}

/** Props of {@link LoadBalancerStatus}. */
export interface LoadBalancerStatusProps {
  /** Root class name; every part gets a BEM-style class from it (`cb-status__row--unhealthy`). Default `cb-status`. */
  readonly className?: string | undefined
  /** The table caption. Default "ComfyUI servers". */
  readonly caption?: string | undefined
  /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
  readonly formatTime?: ((ms: number) => string) | undefined
  /** Show the "Test" button (a fresh probe and a selection). Default `true`. */
  readonly showTest?: boolean | undefined
}

/**
 * The status panel of the original design: per server its health, queue, lock, latency and last
 * failure, which server the next job goes to, and a "Test" button that probes every server now and
 * makes one selection. Unstyled: a `<table>` with column and row headers, a polite live region
 * announcing changes, and class names for theming (`cb-status__row--unhealthy`, …). Needs the
 * plugin (or `provideBalancer`).
 *
 * @example
 * ```ts
 * import { LoadBalancerStatus } from '@comfy-balancer/vue'
 * // template: <LoadBalancerStatus class-name="servers" caption="GPU pool" />
 * ```
 */
// Declared with a plain props interface so the published type reads the same on Vue 3.3 and 3.5.
export const LoadBalancerStatus: DefineComponent<LoadBalancerStatusProps> = defineComponent({
  name: 'LoadBalancerStatus',
  props: {
    /** Root class name; every part gets a BEM-style class from it. */
    className: { type: String, default: 'cb-status' },
    /** The table caption. */
    caption: { type: String, default: 'ComfyUI servers' },
    /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
    formatTime: { type: Function as PropType<(ms: number) => string>, default: formatClockTime },
    /** Show the "Test" button (a fresh probe and a selection). */
    showTest: { type: Boolean, default: true },
  },
  setup(props) {
    const { balancer } = injectBalancer('<LoadBalancerStatus>')
    const { servers, optimal, status } = useLoadBalancer()
    const test = shallowRef({ running: false, message: '' })
    let alive = true
    onScopeDispose(() => {
      alive = false
    })

    const runTest = async (): Promise<void> => {
      test.value = { running: true, message: 'Testing: probing every server…' }
      const message = await testSelection(balancer)
      if (alive) test.value = { running: false, message }
    }

    return () => {
      const c = props.className ?? 'cb-status'
      const format = props.formatTime ?? formatClockTime
      const best = status.value === 'ready' ? optimal.value : undefined
      const stats = servers.value
      const healthy = stats.filter((s) => s.healthy).length
      const summary =
        status.value === 'pending'
          ? 'Checking servers…'
          : `${healthy} of ${stats.length} servers healthy.${best ? ` Next job goes to ${best.name}.` : ''}`
      const headers = ['Server', 'Health', 'Queue', 'Lock', 'Latency', 'Last failure']
      const rows = stats.map((s) => {
        const isBest = best?.id === s.id
        return h(
          'tr',
          {
            key: s.id,
            class: [`${c}__row`, `${c}__row--${s.health}`, isBest && `${c}__row--best`],
            'data-server-id': s.id,
            'data-health': s.health,
            'aria-current': isBest ? 'true' : undefined,
          },
          [
            h('th', { scope: 'row', class: `${c}__server` }, [
              s.name,
              isBest ? h('span', { class: `${c}__best` }, ' (next job)') : null,
            ]),
            h(
              'td',
              { class: `${c}__health` },
              s.heldOutUntil === null ? s.health : `held out until ${format(s.heldOutUntil)}`,
            ),
            h('td', { class: `${c}__queue` }, queueText(s)),
            h(
              'td',
              { class: `${c}__lock` },
              s.lockedUntil === null ? 'unlocked' : `locked until ${format(s.lockedUntil)}`,
            ),
            h('td', { class: `${c}__latency` }, s.latencyMs === null ? '—' : `${Math.round(s.latencyMs)} ms`),
            h(
              'td',
              { class: `${c}__failure` },
              s.lastFailure === null
                ? '—'
                : [
                    `${s.lastFailure.reason} `,
                    h(
                      'time',
                      { dateTime: new Date(s.lastFailure.at).toISOString() },
                      `(${format(s.lastFailure.at)})`,
                    ),
                  ],
            ),
          ],
        )
      })
      const caption = props.caption ?? 'ComfyUI servers'
      return h('section', { class: c, 'aria-label': caption }, [
        h('table', { class: `${c}__table` }, [
          h('caption', { class: `${c}__caption` }, caption),
          h('thead', [
            h(
              'tr',
              headers.map((text) => h('th', { scope: 'col' }, text)),
            ),
          ]),
          h('tbody', rows),
        ]),
        h('p', { class: `${c}__summary`, role: 'status', 'aria-live': 'polite' }, summary),
        props.showTest !== false
          ? h('div', { class: `${c}__test` }, [
              h(
                'button',
                { type: 'button', disabled: test.value.running, onClick: () => void runTest() },
                'Test',
              ),
              h('output', { class: `${c}__test-result`, 'aria-live': 'polite' }, test.value.message),
            ])
          : null,
      ])
    }
  },
})
