import { ConfigLoadError, ConfigValidationError } from '@comfy-balancer/core'
import { abortError } from '../internal/errors.js'
import { layeredSource } from '../layer/layered-source.js'
import type { ConfigLayer, LayeredConfigSource } from '../layer/types.js'
import { ALL_KEYS } from '../settings/keys.js'
import { toLayer } from '../settings/to-layer.js'

/** Environment variables: `process.env`, Vite's `import.meta.env`, or any record of strings. */
export type EnvRecord = Readonly<Record<string, unknown>>

/** Options of {@link envConfig}. */
export interface EnvConfigOptions {
  /** Where to read. Default: `process.env`, looked up at each load (never touched when `env` is given). */
  readonly env?: EnvRecord
  /** Prepended to every key: `COMFYUI_SERVER_URL`. Use `VITE_COMFYUI_` with Vite. Default `COMFYUI_`. */
  readonly prefix?: string
  /** Names the source in errors. Default `env:<prefix>`. */
  readonly name?: string
}

function processEnv(): EnvRecord | undefined {
  // Through globalThis, so bundlers for the browser see no `process` reference to polyfill.
  return (globalThis as { process?: { env?: EnvRecord } }).process?.env
}

function envText(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  // Vite turns some variables into booleans or numbers; read them back as text.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/**
 * A config source reading environment variables: `COMFYUI_SERVER_URL`, `COMFYUI_BACKUP_SERVERS`
 * (comma- or newline-separated), `COMFYUI_AUTO_SWITCH`, `COMFYUI_SERVERS` (a JSON list that wins
 * over the first two) and the timing keys in the README. Environment variables do not change under
 * a running process, so there is no `subscribe`; combine it with a file or table that does.
 *
 * @example
 * ```ts
 * // Node
 * const source = envConfig()
 * // Vite, in the browser
 * const source = envConfig({ env: import.meta.env, prefix: 'VITE_COMFYUI_' })
 * ```
 */
export function envConfig(options: EnvConfigOptions = {}): LayeredConfigSource {
  const prefix = options.prefix ?? 'COMFYUI_'
  const name = options.name ?? `env:${prefix}`
  const naming = {
    display: (key: string) => `${prefix}${key.toUpperCase()}`,
    separator: /\\r\\n|\\n|\r\n|\r|\n|,/,
    unit: 'entry',
  } as const

  const loadLayer = async (signal?: AbortSignal): Promise<ConfigLayer> => {
    if (signal?.aborted) throw abortError(name, signal)
    const env = options.env ?? processEnv()
    if (env === undefined) {
      throw new ConfigLoadError(
        name,
        'there is no process.env here; pass `env` (in Vite: `env: import.meta.env`)',
      )
    }
    const values = new Map<string, string>()
    for (const key of ALL_KEYS) {
      const text = envText(env[naming.display(key)])
      if (text !== undefined) values.set(key, text)
    }
    const result = toLayer(values, naming)
    if (!result.ok) throw new ConfigValidationError(name, result.issues)
    return result.layer
  }

  return layeredSource({ name, loadLayer, missingServers: naming.display('server_url') })
}
