import { ComfyBalancerError } from '@comfy-balancer/core'

/**
 * A composable or component of `@comfy-balancer/vue` found no balancer: the plugin is not
 * installed (and no ancestor called `provideBalancer()`), or it was called outside `setup()`.
 * Code `MISSING_PROVIDER` (no plugin) or `INVALID_ARGUMENT` (outside `setup()`); check with
 * `ComfyBalancerError.isInstance(error)` or `error instanceof MissingBalancerError`.
 */
export class MissingBalancerError extends ComfyBalancerError {
  /** The composable or component that was called. */
  readonly caller: string

  constructor(caller: string, reason: 'no-provider' | 'no-setup') {
    super(
      reason === 'no-setup' ? 'INVALID_ARGUMENT' : 'MISSING_PROVIDER',
      reason === 'no-setup'
        ? `${caller} must be called inside a component's setup() (or a composable called from it), where it can inject the balancer and clean up when the component unmounts.`
        : `${caller} found no balancer: install the plugin with app.use(createBalancerPlugin(balancer)), ` +
            'or call provideBalancer(balancer) in the setup() of a parent component.',
    )
    this.name = 'MissingBalancerError'
    this.caller = caller
  }
}
