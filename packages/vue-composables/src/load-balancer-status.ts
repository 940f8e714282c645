import {
  IDLE_STATUS_TEST,
  runStatusTest,
  STATUS_PANEL_DEFAULTS,
  type StatusPanelProps,
  statusView,
} from '@comfy-balancer/core/internal'
import { type DefineComponent, defineComponent, h, onScopeDispose, type PropType, shallowRef } from 'vue'
import { injectBalancer } from './plugin.js'
import { useLoadBalancer } from './use-load-balancer.js'

/** Props of {@link LoadBalancerStatus}. */
export type LoadBalancerStatusProps = StatusPanelProps

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
    className: { type: String, default: STATUS_PANEL_DEFAULTS.className },
    /** The table caption. */
    caption: { type: String, default: STATUS_PANEL_DEFAULTS.caption },
    /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
    formatTime: {
      type: Function as PropType<(ms: number) => string>,
      default: STATUS_PANEL_DEFAULTS.formatTime,
    },
    /** Show the "Test" button (a fresh probe and a selection). */
    showTest: { type: Boolean, default: STATUS_PANEL_DEFAULTS.showTest },
  },
  setup(props) {
    const { balancer } = injectBalancer('<LoadBalancerStatus>')
    const { servers, optimal, status } = useLoadBalancer()
    const test = shallowRef(IDLE_STATUS_TEST)
    // A test still running when the panel unmounts must not update it afterwards.
    let alive = true
    onScopeDispose(() => {
      alive = false
    })
    const runTest = () =>
      runStatusTest(
        balancer,
        (state) => {
          test.value = state
        },
        () => alive,
      )

    return () => {
      const view = statusView({ stats: servers.value, status: status.value, optimal: optimal.value }, props)
      const { classes } = view
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
            h('th', { scope: 'row', class: classes.server }, [
              row.name,
              row.best ? h('span', { class: classes.best }, ' (next job)') : null,
            ]),
            ...row.cells.map((cell) => h('td', { class: cell.className }, cell.text)),
            h(
              'td',
              { class: classes.failure },
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
      return h('section', { class: classes.root, 'aria-label': view.caption }, [
        h('table', { class: classes.table }, [
          h('caption', { class: classes.caption }, view.caption),
          h('thead', [
            h(
              'tr',
              view.columns.map((text) => h('th', { scope: 'col' }, text)),
            ),
          ]),
          h('tbody', rows),
        ]),
        h('p', { class: classes.summary, role: 'status', 'aria-live': 'polite' }, view.summary),
        view.showTest
          ? h('div', { class: classes.test }, [
              h(
                'button',
                { type: 'button', disabled: test.value.running, onClick: () => void runTest() },
                'Test',
              ),
              h('output', { class: classes.testResult, 'aria-live': 'polite' }, test.value.message),
            ])
          : null,
      ])
    }
  },
})
