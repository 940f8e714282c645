import { abortError } from '../internal/errors.js'
import { layeredSource } from '../layer/layered-source.js'
import type { LayeredConfigSource } from '../layer/types.js'
import { documentToLayer, type JsonConfigDocument } from './document.js'

/** A source over a config object held in memory (validated on each load; it never changes by itself). */
export function jsonObjectSource(document: JsonConfigDocument, name = 'json:object'): LayeredConfigSource {
  return layeredSource({
    name,
    loadLayer: async (signal) => {
      if (signal?.aborted) throw abortError(name, signal)
      return documentToLayer(document, name)
    },
  })
}
