import type { JobEvent, LoadBalancer } from '@comfy-balancer/core'

/**
 * The balancer as the gateway sees it, unchanged, except that every `run()`'s `queued` events are
 * noted: which server prompt ids each gateway prompt ran as (a rerun after a failure gets a new
 * id), and when each `run()` settled. The benchmark reads the servers' logs by these ids, as the faults bench does, but per
 * gateway prompt, so a rerun under another id still counts as the same prompt.
 */
export function watchRuns(
  balancer: LoadBalancer,
  now: () => number,
): {
  readonly balancer: LoadBalancer
  /** Gateway prompt id → the server prompt ids it was queued as. */
  readonly runsOf: ReadonlyMap<string, ReadonlySet<string>>
  /** Gateway prompt id → when its `run()` settled (`now`), i.e. when the gateway learnt the outcome. */
  readonly settledAt: ReadonlyMap<string, number>
} {
  const runsOf = new Map<string, Set<string>>()
  const settledAt = new Map<string, number>()
  const run: LoadBalancer['run'] = (prompt, options = {}) => {
    const gatewayId = options.promptId
    const onEvent = (event: JobEvent) => {
      if (gatewayId !== undefined && event.type === 'queued') {
        const ids = runsOf.get(gatewayId) ?? new Set<string>()
        ids.add(event.promptId)
        runsOf.set(gatewayId, ids)
      }
      options.onEvent?.(event)
    }
    const settled = () => {
      if (gatewayId !== undefined) settledAt.set(gatewayId, now())
    }
    const result = balancer.run(prompt, { ...options, onEvent })
    result.then(settled, settled)
    return result
  }
  const watched = new Proxy(balancer, {
    get(target, property) {
      if (property === 'run') return run
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { balancer: watched, runsOf, settledAt }
}
