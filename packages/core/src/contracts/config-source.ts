import type { BalancerConfigInput } from '../config/schema.js'

/** Stops a subscription. */
export type Unsubscribe = () => void

/**
 * Where a balancer's config comes from: a SQL table, environment variables, a JSON file or URL, or
 * your own store. Whatever `load` returns is validated by the balancer; a bad load keeps the last
 * good config in force and fires an `error` event.
 */
export interface ConfigSource {
  /** Names the source in errors and logs (e.g. `sql:system_config`, `env:COMFYUI_`). */
  readonly name: string
  /** Reads the current config. Rejecting makes a `ConfigLoadError`. */
  load(signal?: AbortSignal): Promise<BalancerConfigInput>
  /**
   * Optional change notifications (polling, file watching, LISTEN/NOTIFY). Call `onChange` with the
   * new input, or with nothing to make the balancer call `load()` again.
   */
  subscribe?(onChange: (next?: BalancerConfigInput) => void): Unsubscribe
}
