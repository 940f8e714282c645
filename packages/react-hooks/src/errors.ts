import { MissingBalancerError as BindingMissingBalancerError } from '@comfy-balancer/core/internal'

/**
 * A hook or component of `@comfy-balancer/react` was rendered outside a `<BalancerProvider>`.
 * Code `MISSING_PROVIDER`; check with
 * `ComfyBalancerError.isInstance(error)` or `error instanceof MissingBalancerError`.
 */
export class MissingBalancerError extends BindingMissingBalancerError {
  declare readonly code: 'MISSING_PROVIDER'

  /** `caller`: the hook or component that was called, e.g. `useOptimalServer()`. */
  constructor(caller: string) {
    super(
      caller,
      'MISSING_PROVIDER',
      'found no balancer: it must be rendered inside <BalancerProvider balancer={…}>. ' +
        'Wrap your app (or the part that shows servers) in a BalancerProvider given the balancer from createLoadBalancer().',
    )
  }
}
