/** Every error code this library throws, for `switch` over `error.code`. */
export type ComfyBalancerErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_LOAD_FAILED'
  | 'PROBE_FAILED'
  | 'NO_SERVER_AVAILABLE'
  | 'UNKNOWN_SERVER'
  | 'SUBMIT_FAILED'
  | 'PROMPT_REJECTED'
  | 'NO_CAPABLE_SERVER'
  | 'CAPABILITIES_UNREADABLE'
  | 'JOB_FAILED'
  | 'JOB_LOST'
  | 'UNKNOWN_JOB'
  | 'INTERRUPT_FAILED'
  | 'STRATEGY_FAILED'
  | 'INVALID_ARGUMENT'
  | 'STATE_STORE_UNAVAILABLE'
  | 'DISPOSED'
  | 'UNEXPECTED'

const marker = Symbol.for('comfy-balancer.error')

/**
 * The base of every error this library throws. Check with `ComfyBalancerError.isInstance(e)`
 * (works across duplicate copies of the package) and branch on `code`.
 */
export class ComfyBalancerError<Code extends string = ComfyBalancerErrorCode> extends Error {
  readonly [marker] = true
  /** What went wrong; core's codes are {@link ComfyBalancerErrorCode}, a sibling package may add its own. */
  readonly code: Code

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ComfyBalancerError'
    this.code = code
  }

  /** True for any error thrown by any copy of this library. */
  static isInstance(error: unknown): error is ComfyBalancerError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true
  }
}
