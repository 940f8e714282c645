import { MissingBalancerError as BindingMissingBalancerError } from '@comfy-balancer/core/internal'

/**
 * A composable or component of `@comfy-balancer/vue` found no balancer: the plugin is not
 * installed (and no ancestor called `provideBalancer()`), or it was called outside `setup()`.
 * Code `MISSING_PROVIDER` (no plugin) or `INVALID_ARGUMENT` (outside `setup()`); check with
 * `ComfyBalancerError.isInstance(error)` or `error instanceof MissingBalancerError`.
 */
export class MissingBalancerError extends BindingMissingBalancerError {
  /** `caller`: the composable or component that was called; `reason`: what was missing. */
  constructor(caller: string, reason: 'no-provider' | 'no-setup') {
    if (reason === 'no-setup') {
      super(
        caller,
        'INVALID_ARGUMENT',
        "must be called inside a component's setup() (or a composable called from it), where it can inject the balancer and clean up when the component unmounts.",
      )
    } else {
      super(
        caller,
        'MISSING_PROVIDER',
        'found no balancer: install the plugin with app.use(createBalancerPlugin(balancer)), ' +
          'or call provideBalancer(balancer) in the setup() of a parent component.',
      )
    }
  }
}
