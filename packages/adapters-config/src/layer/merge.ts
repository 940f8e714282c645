import type { ConfigExtras, ConfigLayer, ConfigLayerInput } from './types.js'

type Plain = Record<string, unknown>

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Later wins; plain objects (such as `probe`) merge field by field; arrays (`servers`) are replaced whole. */
function mergeValues(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base }
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue
    const current = out[key]
    out[key] = isPlain(current) && isPlain(value) ? mergeValues(current, value) : value
  }
  return out
}

/** The paths a layer sets: leaves of plain objects; arrays and scalars are leaves. */
function leaves(value: Plain, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) => {
    if (inner === undefined) return []
    const path = prefix === '' ? key : `${prefix}.${key}`
    return isPlain(inner) ? leaves(inner, path) : [path]
  })
}

/**
 * Layers `layers` in order: later ones override earlier ones field by field. An origin survives
 * only while its value does, so an error in a server list from a JSON file is not blamed on the
 * env var that set only `autoSwitch`.
 */
export function mergeLayers(layers: readonly ConfigLayer[]): ConfigLayer {
  let config: Plain = {}
  let extras: ConfigExtras = {}
  const origins: Record<string, string> = {}
  for (const layer of layers) {
    for (const path of leaves(layer.config as Plain)) {
      for (const key of Object.keys(origins)) {
        if (key === path || key.startsWith(`${path}.`)) delete origins[key]
      }
    }
    config = mergeValues(config, layer.config as Plain)
    extras = mergeValues(extras as Plain, layer.extras as Plain) as ConfigExtras
    Object.assign(origins, layer.origins)
  }
  return { config: config as ConfigLayerInput, extras, origins }
}
