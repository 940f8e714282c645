import { type ConfigSource, InvalidArgumentError, type Unsubscribe } from '@comfy-balancer/core'
import { toLoadError } from './internal/errors.js'
import { layeredSource } from './layer/layered-source.js'
import { mergeLayers } from './layer/merge.js'
import { type ConfigLayer, isLayered, type LayeredConfigSource } from './layer/types.js'

async function layerOf(source: ConfigSource, signal: AbortSignal | undefined): Promise<ConfigLayer> {
  try {
    if (isLayered(source)) return await source.loadLayer(signal)
    // Someone else's source: its whole config is one layer.
    return { config: await source.load(signal), extras: {}, origins: {} }
  } catch (error) {
    throw toLoadError(source.name, error)
  }
}

/**
 * Layers several sources into one: later sources override earlier ones field by field (`probe`
 * settings merge one by one; a `servers` list is replaced whole). Each of our sources may be
 * partial here — env vars carrying only `COMFYUI_AUTO_SWITCH` are fine — and the merged result is
 * validated once. Errors name the part that failed. Changes from any part reach the balancer.
 *
 * @example
 * ```ts
 * // Servers from a watched file; the deployment's env overrides timing and secrets.
 * const source = combine(jsonConfig('./comfy.json', { watch: true }), envConfig())
 * const balancer = createLoadBalancer({ source })
 * ```
 */
export function combine(...sources: readonly ConfigSource[]): LayeredConfigSource {
  if (sources.length === 0) throw new InvalidArgumentError('combine: expected at least one config source.')
  const name = `combine(${sources.map((source) => source.name).join(', ')})`
  const watched = sources.filter((source) => source.subscribe !== undefined)
  return layeredSource({
    name,
    loadLayer: async (signal) =>
      mergeLayers(await Promise.all(sources.map((source) => layerOf(source, signal)))),
    subscribe:
      watched.length === 0
        ? undefined
        : (onChange) => {
            // Any part changing means "load again": the merge needs every part's current value.
            const stops: Unsubscribe[] = watched.map((source) => source.subscribe!(() => onChange()))
            return () => {
              for (const stop of stops.splice(0)) stop()
            }
          },
  })
}
