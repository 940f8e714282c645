import { ComfyBalancerError, parseConfig } from '@comfy-balancer/core'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { envConfig, jsonConfig, schemaSql, sqlConfig, sqliteQuery } from '../index.js'

/** Loads and checks: a config core accepts, or a typed error (never a raw TypeError, never a hang). */
async function loadsOrFailsTyped(source: { load(): Promise<unknown>; name: string }): Promise<void> {
  try {
    const input = await source.load()
    expect(parseConfig(input, source.name).servers.length).toBeGreaterThan(0)
  } catch (error) {
    expect(ComfyBalancerError.isInstance(error)).toBe(true)
    expect(['CONFIG_INVALID', 'CONFIG_LOAD_FAILED']).toContain((error as ComfyBalancerError).code)
  }
}

const text = fc.oneof(
  fc.string(),
  fc.webUrl(),
  fc.constantFrom('true', 'false', '1', '0', 'yes', 'maybe', '', ' ', '[]', '{}', 'null', '-5', '1e9', 'NaN'),
  fc.json(),
)

describe('config sources never throw anything but typed errors', () => {
  it('envConfig, over random environments', async () => {
    const keys = [
      'SERVER_URL',
      'BACKUP_SERVERS',
      'AUTO_SWITCH',
      'SERVERS',
      'PROBE_INTERVAL_MS',
      'CACHE_MS',
      'LOCK_MS',
    ]
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), text), async (values) => {
        const env = Object.fromEntries(
          Object.entries(values).map(([key, value]) => [`COMFYUI_${key}`, value]),
        )
        await loadsOrFailsTyped(envConfig({ env }))
      }),
      { numRuns: 500 },
    )
  })

  it('jsonConfig, over random documents', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Never a string: a string is a file path or a URL, and a fuzzer must not go fetching.
        fc.oneof(fc.object(), fc.jsonValue(), fc.anything()).filter((value) => typeof value !== 'string'),
        async (document) => {
          let source: ReturnType<typeof jsonConfig>
          try {
            source = jsonConfig(document as never)
          } catch (error) {
            // Not a config object, path or URL at all: a typed usage error at once.
            expect((error as ComfyBalancerError).code).toBe('INVALID_ARGUMENT')
            return
          }
          await loadsOrFailsTyped(source)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('sqlConfig on SQLite, over random row values', async () => {
    const keys = ['server_url', 'backup_servers', 'auto_switch', 'servers', 'probe_interval_ms', 'lock_ms']
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), text), async (values) => {
        const db = new Database(':memory:')
        db.exec(schemaSql.sqlite)
        const insert = db.prepare(
          'INSERT INTO system_config (config_key, config_value, config_type) VALUES (?, ?, ?)',
        )
        for (const [key, value] of Object.entries(values)) insert.run(`comfyui.${key}`, value, 'string')
        await loadsOrFailsTyped(sqlConfig({ query: sqliteQuery(db), pollMs: false }))
        db.close()
      }),
      { numRuns: 300 },
    )
  })
})
