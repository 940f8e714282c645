import type { LoadBalancer } from '../balancer/load-balancer.js'

/**
 * What the React and Vue bindings use of a balancer: one list for both. A `LoadBalancer` fits, and
 * so does any object with these members (a facade, a test double): the bindings never reach past it.
 * Each binding exports it under its own name, `BalancerLike`.
 */
export type BindingBalancer = Pick<
  LoadBalancer,
  | 'subscribe'
  | 'getSnapshot'
  | 'getServerStats'
  | 'serverUrl'
  | 'start'
  | 'stop'
  | 'refresh'
  | 'acquire'
  | 'preview'
  | 'recordFailure'
  | 'on'
  | 'result'
>
