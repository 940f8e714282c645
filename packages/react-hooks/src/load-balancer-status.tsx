import type { ServerStats } from '@comfy-balancer/core'
import { testSelection } from '@comfy-balancer/core'
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { useBalancerFor } from './context.js'
import { useOptimalServer } from './use-optimal-server.js'
import { useServerStats } from './use-server-stats.js'

/** Props of {@link LoadBalancerStatus}. */
export interface LoadBalancerStatusProps {
  /** Root class name; every part gets a BEM-style class from it (`cb-status__row--unhealthy`). Default `cb-status`. */
  readonly className?: string | undefined
  /** The table caption. Default "ComfyUI servers". */
  readonly caption?: ReactNode | undefined
  /** Formats clock times (ms) for lock and failure times. Default: `HH:MM:SS` in UTC. */
  readonly formatTime?: ((ms: number) => string) | undefined
  /** Show the "Test" button (a fresh probe and a selection). Default `true`. */
  readonly showTest?: boolean | undefined
}

/** `HH:MM:SS` (UTC) of a clock time. */
export function formatClockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/** "2", "2 (+1 in flight)" or "unknown". */
export function queueText(stats: ServerStats): string {
  const queue = stats.queue === null ? 'unknown' : String(stats.queue)
  return stats.inFlight > 0 ? `${queue} (+${stats.inFlight} in flight)` : queue
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
  const [test, setTest] = useState<{ readonly running: boolean; readonly message: string }>({
    running: false,
    message: '',
  })
  const mounted = useRef(false)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])

  const runTest = async (): Promise<void> => {
    setTest({ running: true, message: 'Testing: probing every server…' })
    const message = await testSelection(balancer)
    if (mounted.current) setTest({ running: false, message })
  }

  const best = optimal.status === 'ready' ? optimal.server : undefined
  const healthy = stats.filter((s) => s.healthy).length
  const summary =
    optimal.status === 'pending'
      ? 'Checking servers…'
      : `${healthy} of ${stats.length} servers healthy.${best ? ` Next job goes to ${best.name}.` : ''}`

  return (
    <section className={className} aria-label={typeof caption === 'string' ? caption : undefined}>
      <table className={`${className}__table`}>
        <caption className={`${className}__caption`}>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Health</th>
            <th scope="col">Queue</th>
            <th scope="col">Lock</th>
            <th scope="col">Latency</th>
            <th scope="col">Last failure</th>
          </tr>
        </thead>
        <tbody>
          {stats.map((s) => {
            const isBest = best?.id === s.id
            return (
              <tr
                key={s.id}
                className={`${className}__row ${className}__row--${s.health}${isBest ? ` ${className}__row--best` : ''}`}
                data-server-id={s.id}
                data-health={s.health}
                aria-current={isBest ? 'true' : undefined}
              >
                <th scope="row" className={`${className}__server`}>
                  {s.name}
                  {isBest ? <span className={`${className}__best`}> (next job)</span> : null}
                </th>
                <td className={`${className}__health`}>
                  {s.heldOutUntil === null ? s.health : `held out until ${formatTime(s.heldOutUntil)}`}
                </td>
                <td className={`${className}__queue`}>{queueText(s)}</td>
                <td className={`${className}__lock`}>
                  {s.lockedUntil === null ? 'unlocked' : `locked until ${formatTime(s.lockedUntil)}`}
                </td>
                <td className={`${className}__latency`}>
                  {s.latencyMs === null ? '—' : `${Math.round(s.latencyMs)} ms`}
                </td>
                <td className={`${className}__failure`}>
                  {s.lastFailure === null ? (
                    '—'
                  ) : (
                    <>
                      {s.lastFailure.reason}{' '}
                      <time dateTime={new Date(s.lastFailure.at).toISOString()}>
                        ({formatTime(s.lastFailure.at)})
                      </time>
                    </>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <p className={`${className}__summary`} role="status" aria-live="polite">
        {summary}
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
