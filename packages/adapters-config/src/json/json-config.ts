import { InvalidArgumentError } from '@comfy-balancer/core'
import type { LayeredConfigSource } from '../layer/types.js'
import type { JsonConfigDocument } from './document.js'
import type { JsonFileOptions } from './file-source.js'
import { jsonObjectSource } from './object-source.js'
import { type JsonUrlOptions, jsonUrlSource } from './url-source.js'

/** Options of {@link jsonConfig}; each applies where it makes sense (`debounceMs` to files, `pollMs` to URLs). */
export interface JsonConfigOptions extends JsonFileOptions, Omit<JsonUrlOptions, keyof JsonFileOptions> {}

/** What {@link jsonConfig} reads: a config object or an http(s) URL (files: the `/node` entry). */
export type JsonConfigTarget = JsonConfigDocument | string | URL

const HTTP = /^https?:\/\//i

/** The target as a file to read (a path or `file:` URL), or undefined for an object or http(s) URL. */
export function fileTarget(target: JsonConfigTarget): string | URL | undefined {
  if (target instanceof URL) return target.protocol === 'file:' ? target : undefined
  return typeof target === 'string' && !HTTP.test(target) ? target : undefined
}

/**
 * A config source over JSON: a plain object or a URL (fetched with ETag revalidation). The
 * document is core's config plus an optional `lockMs` (see `extras`). With `watch`, URLs are
 * polled, and a change reaches a running balancer without a restart. Files are Node-only: the same
 * `jsonConfig` from `@comfy-balancer/config/node` also reads (and watches) a path or `file:` URL,
 * so this entry never reaches `node:fs` and bundles for the browser as is.
 *
 * @example
 * ```ts
 * jsonConfig({ servers: ['http://10.0.0.5:8188', 'http://10.0.0.6:8188'] })
 * jsonConfig('https://config.internal/comfy.json', { watch: true, pollMs: 30_000 })
 * ```
 */
export function jsonConfig(target: JsonConfigTarget, options: JsonConfigOptions = {}): LayeredConfigSource {
  if (typeof target === 'string' || target instanceof URL) {
    const text = String(target)
    if (HTTP.test(text)) return jsonUrlSource(text, options)
    if (fileTarget(target) === undefined) {
      throw new InvalidArgumentError(
        `jsonConfig: expected an http(s) or file: URL, received ${(target as URL).protocol}`,
      )
    }
    throw new InvalidArgumentError(
      `jsonConfig: ${text} looks like a file; files are read on Node only: import { jsonConfig } from '@comfy-balancer/config/node'.`,
    )
  }
  if (typeof target !== 'object' || target === null) {
    throw new InvalidArgumentError(
      `jsonConfig: expected a config object, a file path or a URL, received ${target === null ? 'null' : typeof target}`,
    )
  }
  return jsonObjectSource(target, options.name)
}
