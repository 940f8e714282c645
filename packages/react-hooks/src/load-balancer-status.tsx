import {
  IDLE_STATUS_TEST,
  runStatusTest,
  type StatusPanelProps,
  statusView,
} from '@comfy-balancer/core/internal'
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { useBalancerFor } from './context.js'
import { useOptimalServer } from './use-optimal-server.js'
import { useServerStats } from './use-server-stats.js'

/** Props of {@link LoadBalancerStatus}. */
export type LoadBalancerStatusProps = StatusPanelProps<ReactNode>

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
export function LoadBalancerStatus(props: LoadBalancerStatusProps): ReactNode {
  const balancer = useBalancerFor('<LoadBalancerStatus>')
  const stats = useServerStats()
  const optimal = useOptimalServer()
  const [test, setTest] = useState(IDLE_STATUS_TEST)
  // A test still running when the panel unmounts must not set state afterwards.
  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const runTest = () => runStatusTest(balancer, setTest, () => mounted.current)
  const view = statusView({ stats, status: optimal.status, optimal: optimal.server }, props)
  const { classes } = view

  return (
    <section
      className={classes.root}
      aria-label={typeof view.caption === 'string' ? view.caption : undefined}
    >
      <table className={classes.table}>
        <caption className={classes.caption}>{view.caption}</caption>
        <thead>
          <tr>
            {view.columns.map((column) => (
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
              <th scope="row" className={classes.server}>
                {row.name}
                {row.best ? <span className={classes.best}> (next job)</span> : null}
              </th>
              {row.cells.map((cell) => (
                <td key={cell.className} className={cell.className}>
                  {cell.text}
                </td>
              ))}
              <td className={classes.failure}>
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
      <p className={classes.summary} role="status" aria-live="polite">
        {view.summary}
      </p>
      {view.showTest ? (
        <div className={classes.test}>
          <button type="button" onClick={() => void runTest()} disabled={test.running}>
            Test
          </button>
          <output className={classes.testResult} aria-live="polite">
            {test.message}
          </output>
        </div>
      ) : null}
    </section>
  )
}
