import {
  formatClockTime,
  IDLE_STATUS_TEST,
  runStatusTest,
  STATUS_COLUMNS,
  type StatusPanelOptions,
  type StatusTestState,
  statusView,
} from '@comfy-balancer/core/internal'
import { type DefineComponent, defineComponent, h, onScopeDispose, type PropType, shallowRef } from 'vue'
import { injectBalancer } from './plugin.js'
import { useLoadBalancer } from './use-load-balancer.js'

/** Props of {@link LoadBalancerStatus}. */
export interface LoadBalancerStatusProps extends StatusPanelOptions {
  /** The table caption. Default "ComfyUI servers". */
  readonly caption?: string | undefined
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
    const test = shallowRef(IDLE_STATUS_TEST)
    let alive = true
    onScopeDispose(() => {
      alive = false
    })
    const apply = (state: StatusTestState): void => {
      test.value = state
    }
    const runTest = () => runStatusTest(balancer, apply, () => alive)

    return () => {
      const c = props.className ?? 'cb-status'
      const view = statusView({
        stats: servers.value,
        status: status.value,
        optimal: optimal.value,
        className: c,
        formatTime: props.formatTime ?? formatClockTime,
      })
      const rows = view.rows.map((row) =>
        h(
          'tr',
          {
            key: row.id,
            class: row.className,
            'data-server-id': row.id,
            'data-health': row.health,
            'aria-current': row.best ? 'true' : undefined,
          },
          [
            h('th', { scope: 'row', class: `${c}__server` }, [
              row.name,
              row.best ? h('span', { class: `${c}__best` }, ' (next job)') : null,
            ]),
            h('td', { class: `${c}__health` }, row.healthText),
            h('td', { class: `${c}__queue` }, row.queueText),
            h('td', { class: `${c}__lock` }, row.lockText),
            h('td', { class: `${c}__latency` }, row.latencyText),
            h(
              'td',
              { class: `${c}__failure` },
              row.lastFailure === undefined
                ? '—'
                : [
                    `${row.lastFailure.reason} `,
                    h('time', { dateTime: row.lastFailure.dateTime }, `(${row.lastFailure.time})`),
                  ],
            ),
          ],
        ),
      )
      const caption = props.caption ?? 'ComfyUI servers'
      return h('section', { class: c, 'aria-label': caption }, [
        h('table', { class: `${c}__table` }, [
          h('caption', { class: `${c}__caption` }, caption),
          h('thead', [
            h(
              'tr',
              STATUS_COLUMNS.map((text) => h('th', { scope: 'col' }, text)),
            ),
          ]),
          h('tbody', rows),
        ]),
        h('p', { class: `${c}__summary`, role: 'status', 'aria-live': 'polite' }, view.summary),
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
