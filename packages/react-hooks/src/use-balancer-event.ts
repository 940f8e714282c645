import type { BalancerEventHandler, BalancerEventName } from '@comfy-balancer/core'
import { useEffect, useRef } from 'react'
import { useBalancerFor } from './context.js'

/**
 * Calls `handler` for every `name` event of the balancer while the component is mounted. The
 * latest `handler` is always used, without re-subscribing on each render.
 *
 * @example
 * ```tsx
 * useBalancerEvent('failover', (e) => toast(`${e.from.name} is down: using ${e.to.name}`))
 * ```
 */
export function useBalancerEvent<K extends BalancerEventName>(
  name: K,
  handler: BalancerEventHandler<K>,
): void {
  const balancer = useBalancerFor('useBalancerEvent()')
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  useEffect(() => balancer.on(name, (event) => latest.current(event)), [balancer, name])
}
