/**
 * `@comfy-balancer/config/node`: everything `@comfy-balancer/config` has, and a `jsonConfig` that
 * also reads (and with `watch`, watches) a JSON file by path or `file:` URL. Node only.
 */

import { InvalidArgumentError } from '@comfy-balancer/core'
import { jsonFileSource } from '../json/file-source.js'
import {
  fileTarget,
  type JsonConfigOptions,
  type JsonConfigTarget,
  jsonConfig as jsonObjectOrUrlConfig,
} from '../json/json-config.js'
import type { LayeredConfigSource } from '../layer/types.js'

export * from '../index.js'

/**
 * A config source over JSON: a plain object, a file (a path or `file:` URL, watched with `watch`)
 * or an http(s) URL (polled with `watch`). The document is core's config plus an optional `lockMs`.
 *
 * @example
 * ```ts
 * import { jsonConfig } from '@comfy-balancer/config/node'
 * const source = jsonConfig('./comfy-servers.json', { watch: true })
 * ```
 */
export function jsonConfig(target: JsonConfigTarget, options: JsonConfigOptions = {}): LayeredConfigSource {
  const file = fileTarget(target)
  if (file === undefined) return jsonObjectOrUrlConfig(target, options)
  if (typeof file === 'string' && file.trim() === '') {
    throw new InvalidArgumentError('jsonConfig: expected a file path, received an empty string')
  }
  return jsonFileSource(file, options)
}
