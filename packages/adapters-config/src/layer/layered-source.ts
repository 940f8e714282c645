import type { BalancerConfigInput, Unsubscribe } from '@comfy-balancer/core'
import type { ConfigExtras, ConfigLayer, LayeredConfigSource } from './types.js'
import { validateLayer } from './validate.js'

/** How to build a {@link LayeredConfigSource}; see {@link layeredSource}. */
export interface LayeredSourceParts {
  readonly name: string
  readonly loadLayer: (signal?: AbortSignal) => Promise<ConfigLayer>
  readonly subscribe?: ((onChange: () => void) => Unsubscribe) | undefined
  /** The key to name when no server is configured at all (e.g. `comfyui.server_url`). */
  readonly missingServers?: string
}

/**
 * Assembles a source from its layer reader: `load()` reads the layer, validates it with core's
 * schema and only then records its extras, so `extras` always belongs to a config that was good.
 */
export function layeredSource(parts: LayeredSourceParts): LayeredConfigSource {
  let extras: ConfigExtras = {}
  const { name, loadLayer, subscribe, missingServers } = parts
  const source: LayeredConfigSource = {
    name,
    loadLayer,
    get extras() {
      return extras
    },
    async load(signal?: AbortSignal): Promise<BalancerConfigInput> {
      const layer = await loadLayer(signal)
      const config = validateLayer(layer, name, missingServers)
      extras = layer.extras
      return config
    },
  }
  // The contract's `subscribe` is optional: leave it off entirely when nothing can change.
  if (subscribe) source.subscribe = (onChange) => subscribe(() => onChange())
  return source
}
