import { ComfyBalancerError } from '@comfy-balancer/core'

/**
 * A hook or component of `@comfy-balancer/react` was rendered outside a `<BalancerProvider>`.
 * Code `MISSING_PROVIDER`; check with
 * `ComfyBalancerError.isInstance(error)` or `error instanceof MissingBalancerError`.
 */
export class MissingBalancerError extends ComfyBalancerError {
  /** The hook or component that was called. */
  readonly caller: string

  constructor(caller: string) {
    super(
      'MISSING_PROVIDER',
      `${caller} found no balancer: it must be rendered inside <BalancerProvider balancer={…}>. ` +
        'Wrap your app (or the part that shows servers) in a BalancerProvider given the balancer from createLoadBalancer().',
    )
    this.name = 'MissingBalancerError'
    this.caller = caller
  }
}
