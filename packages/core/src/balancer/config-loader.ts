import { parseConfig } from '../config/parse-config.js'
import type { BalancerConfigInput } from '../config/schema.js'
import type { BalancerConfig } from '../config/types.js'
import type { ConfigSource, Unsubscribe } from '../contracts/config-source.js'
import { ComfyBalancerError } from '../errors/base.js'
import { ConfigLoadError } from '../errors/config-errors.js'
import { redactText } from '../util/redact.js'

/**
 * Loads and validates config from a {@link ConfigSource}: one load at a time, a failed first load
 * retried on the next call, and change notifications turned into validated configs. A bad load
 * never reaches `apply`; it goes to `onError` and the last good config stays.
 */
export class ConfigLoader {
  #loading: Promise<void> | undefined
  #loaded = false
  #unsubscribe: Unsubscribe | undefined

  constructor(
    private readonly source: ConfigSource,
    private readonly signal: AbortSignal,
    private readonly apply: (config: BalancerConfig) => void,
    private readonly onError: (error: ComfyBalancerError) => void,
  ) {}

  get loaded(): boolean {
    return this.#loaded
  }

  /** Resolves once a good config was applied; rejects with the typed error of a failed first load. */
  ensureLoaded(): Promise<void> {
    if (this.#loaded) return Promise.resolve()
    this.#loading ??= this.#load(undefined).finally(() => {
      this.#loading = undefined
    })
    return this.#loading
  }

  /** Starts listening for changes, if the source offers it. */
  listen(): void {
    if (!this.source.subscribe || this.#unsubscribe) return
    this.#unsubscribe = this.source.subscribe((next) => {
      // Reload errors are reported through onError; nothing is left to reject unobserved.
      this.#load(next).catch(() => undefined)
    })
  }

  close(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
  }

  async #load(given: BalancerConfigInput | undefined): Promise<void> {
    let input: unknown = given
    try {
      if (input === undefined) input = await this.source.load(this.signal)
    } catch (error) {
      const failure = ComfyBalancerError.isInstance(error)
        ? error
        : new ConfigLoadError(
            this.source.name,
            redactText(error instanceof Error ? error.message : String(error)),
            {
              cause: error,
            },
          )
      this.onError(failure)
      throw failure
    }
    if (this.signal.aborted) return
    let config: BalancerConfig
    try {
      config = parseConfig(input, this.source.name)
    } catch (error) {
      const failure = error as ComfyBalancerError
      this.onError(failure)
      throw failure
    }
    this.apply(config)
    this.#loaded = true
  }
}
