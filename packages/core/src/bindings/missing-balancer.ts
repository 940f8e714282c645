import { ComfyBalancerError } from '../errors/base.js'

/**
 * The codes of the bindings' own error: `MISSING_PROVIDER` (no balancer was provided above the
 * caller) or `INVALID_ARGUMENT` (called where nothing can be provided, such as outside Vue's
 * `setup()`). Kept out of core's `ComfyBalancerErrorCode`: core itself never throws them.
 */
export type BindingErrorCode = 'MISSING_PROVIDER' | 'INVALID_ARGUMENT'

/**
 * A hook, composable or component of a binding found no balancer. Each binding subclasses it with
 * the fix for its framework; check with `ComfyBalancerError.isInstance(error)` or `instanceof`.
 */
export class MissingBalancerError extends ComfyBalancerError<BindingErrorCode> {
  /** The hook, composable or component that was called, e.g. `useOptimalServer()`. */
  readonly caller: string

  /** The message is `caller` followed by `fix` (which says what was missing and how to provide it). */
  constructor(caller: string, code: BindingErrorCode, fix: string) {
    super(code, `${caller} ${fix}`)
    this.name = 'MissingBalancerError'
    this.caller = caller
  }
}
