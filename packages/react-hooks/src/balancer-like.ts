import type { LoadBalancer } from '@comfy-balancer/core'

/**
 * What the React bindings use of a balancer. A `LoadBalancer` fits, and so does any object with
 * these members (a facade, a test double): the bindings never reach past this list.
 */
export type BalancerLike = Pick<
  LoadBalancer,
  | 'subscribe'
  | 'getSnapshot'
  | 'getServerStats'
  | 'serverUrl'
  | 'clock'
  | 'start'
  | 'stop'
  | 'refresh'
  | 'acquire'
  | 'on'
  | 'result'
  | 'preview'
>
