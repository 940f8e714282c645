import {
  formatClockTime,
  IDLE_STATUS_TEST,
  runStatusTest,
  STATUS_COLUMNS,
  type StatusPanelOptions,
  type StatusTestState,
  statusView,
} from '@comfy-balancer/core/internal'
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { useBalancerFor } from './context.js'
import { useOptimalServer } from './use-optimal-server.js'
import { useServerStats } from './use-server-stats.js'

/** Props of {@link LoadBalancerStatus}. */
export interface LoadBalancerStatusProps extends StatusPanelOptions {
  /** The table caption. Default "ComfyUI servers". */
  readonly caption?: ReactNode | undefined
}

/**
 * The status panel of the original design: per server its health, queue, lock, latency and last
 * failure, which server the next job goes to, and a "Test" button that probes every server now and
 * makes one selection. Unstyled: a `<table>` with column and row headers, a polite live region
 * announcing changes, and class names for theming. Must be inside a `<BalancerProvider>`.
 *
 * @example
 * ```tsx
 * <BalancerProvider balancer={balancer}>
 *   <LoadBalancerStatus className="servers" />
 * </BalancerProvider>
 * ```
 */
export function LoadBalancerStatus({
  className = 'cb-status',
  caption = 'ComfyUI servers',
  formatTime = formatClockTime,
  showTest = true,
}: LoadBalancerStatusProps): ReactNode {
  const balancer = useBalancerFor('<LoadBalancerStatus>')
  const stats = useServerStats()
  const optimal = useOptimalServer()
  const [test, setTest] = useState<StatusTestState>(IDLE_STATUS_TEST)
  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const runTest = () => runStatusTest(balancer, setTest, () => mounted.current)
  const view = statusView({ stats, status: optimal.status, optimal: optimal.server, className, formatTime })

  return (
    <section className={className} aria-label={typeof caption === 'string' ? caption : undefined}>
      <table className={`${className}__table`}>
        <caption className={`${className}__caption`}>{caption}</caption>
        <thead>
          <tr>
            {STATUS_COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {view.rows.map((row) => (
            <tr
              key={row.id}
              className={row.className}
              data-server-id={row.id}
              data-health={row.health}
              aria-current={row.best ? 'true' : undefined}
            >
              <th scope="row" className={`${className}__server`}>
                {row.name}
                {row.best ? <span className={`${className}__best`}> (next job)</span> : null}
              </th>
              <td className={`${className}__health`}>{row.healthText}</td>
              <td className={`${className}__queue`}>{row.queueText}</td>
              <td className={`${className}__lock`}>{row.lockText}</td>
              <td className={`${className}__latency`}>{row.latencyText}</td>
              <td className={`${className}__failure`}>
                {row.lastFailure === undefined ? (
                  '—'
                ) : (
                  <>
                    {row.lastFailure.reason}{' '}
                    <time dateTime={row.lastFailure.dateTime}>({row.lastFailure.time})</time>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className={`${className}__summary`} role="status" aria-live="polite">
        {view.summary}
      </p>
      {showTest ? (
        <div className={`${className}__test`}>
          <button type="button" onClick={() => void runTest()} disabled={test.running}>
            Test
          </button>
          <output className={`${className}__test-result`} aria-live="polite">
            {test.message}
          </output>
        </div>
      ) : null}
    </section>
  )
}
