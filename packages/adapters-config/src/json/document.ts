import type { BalancerConfigInput, ConfigIssue } from '@comfy-balancer/core'
import { ConfigValidationError } from '@comfy-balancer/core'
import { parseJsonText } from '../internal/json-text.js'
import type { ConfigExtras, ConfigLayer, ConfigLayerInput } from '../layer/types.js'

/**
 * The JSON form: core's config plus `lockMs` (the sticky lock, see `ConfigExtras`) and an optional
 * `$schema` for editors. Both are taken off before core's strict schema sees the rest.
 */
export type JsonConfigDocument = BalancerConfigInput & { readonly lockMs?: number; readonly $schema?: string }

const MAX_MS = 86_400_000

/** Splits a parsed JSON document into a config layer and its extras. */
export function documentToLayer(document: unknown, source: string): ConfigLayer {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    const kind = Array.isArray(document) ? 'an array' : document === null ? 'null' : typeof document
    throw new ConfigValidationError(source, [
      {
        path: '',
        message: `expected a JSON object such as {"servers":["http://127.0.0.1:8188"]}, received ${kind}`,
      },
    ])
  }
  const { lockMs, $schema: _schema, ...config } = document as Record<string, unknown>
  const extras: { lockMs?: number } = {}
  if (lockMs !== undefined) {
    if (typeof lockMs !== 'number' || !Number.isInteger(lockMs) || lockMs < 0 || lockMs > MAX_MS) {
      const issue: ConfigIssue = {
        path: 'lockMs',
        message: 'expected a whole number of milliseconds (0 to 86400000), e.g. 30000',
        received: JSON.stringify(lockMs) ?? String(lockMs),
      }
      throw new ConfigValidationError(source, [issue])
    }
    extras.lockMs = lockMs
  }
  return { config: config as ConfigLayerInput, extras: extras as ConfigExtras, origins: {} }
}

/** Parses JSON text into a layer; malformed text is a `ConfigValidationError` at the root. */
export function textToLayer(text: string, source: string): ConfigLayer {
  const parsed = parseJsonText(text)
  if (!parsed.ok)
    throw new ConfigValidationError(source, [
      { path: '', message: `expected a JSON config: ${parsed.message}` },
    ])
  return documentToLayer(parsed.value, source)
}
