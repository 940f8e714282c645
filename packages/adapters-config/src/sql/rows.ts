import { ConfigLoadError } from '@comfy-balancer/core'
import { contentHash } from '../internal/hash.js'

/** The settings found in the rows, by key without the group (`server_url`), plus a content hash. */
export interface SqlSettings {
  readonly values: ReadonlyMap<string, string>
  readonly hash: string
}

const decoder = new TextDecoder()

function cellText(value: unknown): string | undefined {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  // MySQL hands TEXT columns with a binary collation back as Buffers.
  if (value instanceof Uint8Array) return decoder.decode(value)
  return undefined
}

/**
 * Reads `config_key`/`config_value` rows of one group. Rows of other groups are ignored (the table
 * holds the whole app's settings); a result that is not rows of that shape is a load error, since
 * it means the query or the table is not what we expect.
 */
export function readRows(rows: unknown, group: string, source: string): SqlSettings {
  if (!Array.isArray(rows)) {
    throw new ConfigLoadError(
      source,
      `expected the query to resolve to an array of rows, received ${typeof rows}`,
    )
  }
  const prefix = `${group}.`
  const entries: [string, string][] = []
  for (const row of rows as unknown[]) {
    const key = (row as { config_key?: unknown } | null)?.config_key
    const value = cellText((row as { config_value?: unknown } | null)?.config_value)
    if (typeof key !== 'string' || value === undefined) {
      throw new ConfigLoadError(
        source,
        'expected rows with a text config_key and config_value (the system_config table layout; see schemaSql)',
      )
    }
    if (key.startsWith(prefix)) entries.push([key.slice(prefix.length), value])
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return { values: new Map(entries), hash: contentHash(JSON.stringify(entries)) }
}
