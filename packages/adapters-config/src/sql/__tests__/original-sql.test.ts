import { ConfigValidationError, parseConfig } from '@comfy-balancer/core'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../../__tests__/helpers.js'
import { pgliteQuery, schemaSql, sqlConfig, sqliteQuery } from '../index.js'
import type { SqlQuery } from '../query.js'
import { usePglite } from './pglite-instance.js'

/**
 * The original design's seed rows in the form it gave them: a primary, two backups in one text
 * value written with `\n` between them, auto switch on. On SQLite and PostgreSQL the `\n` inside
 * '…' is no escape: the value holds a backslash and an `n`. The statement is run exactly as here.
 */
const ORIGINAL_INSERT = String.raw`INSERT INTO system_config (config_key, config_value, config_type, description) VALUES
('comfyui.server_url', 'https://primary.com', 'string', 'Primary ComfyUI server URL'),
('comfyui.backup_servers', 'https://backup1.com\nhttps://backup2.com', 'text', 'Backup ComfyUI server URLs, one per line'),
('comfyui.auto_switch', 'true', 'boolean', 'Switch to a backup server automatically');`

const EXPECTED = {
  servers: ['https://primary.com', 'https://backup1.com', 'https://backup2.com'],
  autoSwitch: true,
}

/** One real PostgreSQL (in WASM) for the file; each test makes its own table. */
const postgresOf = usePglite()

const BACKUPS = "SELECT config_value FROM system_config WHERE config_key = 'comfyui.backup_servers'"

/** The query for the source, and what the database holds in `backup_servers`, read by hand. */
interface Seeded {
  readonly query: SqlQuery
  backups(): Promise<unknown>
}

async function sqlite(insert: string): Promise<Seeded> {
  const db = new Database(':memory:')
  db.exec(schemaSql.sqlite)
  db.exec(insert)
  return {
    query: sqliteQuery(db),
    backups: async () => (db.prepare(BACKUPS).get() as { config_value: string }).config_value,
  }
}

async function postgres(insert: string): Promise<Seeded> {
  await postgresOf().exec('DROP TABLE IF EXISTS system_config')
  await postgresOf().exec(schemaSql.postgres)
  await postgresOf().exec(insert)
  return {
    query: pgliteQuery(postgresOf()),
    backups: async () => (await postgresOf().query<{ config_value: string }>(BACKUPS)).rows[0]?.config_value,
  }
}

const databases = [
  ['SQLite (better-sqlite3)', sqlite],
  ['PostgreSQL (PGlite)', postgres],
] as const

describe.each(databases)('the original design’s INSERT, run verbatim on %s', (_name, database) => {
  it('stores a literal backslash-n, read as a line break: primary + two backups, priorities 0/1/2', async () => {
    const { query, backups } = await database(ORIGINAL_INSERT)
    // What the database really holds: the two characters `\` and `n`, no newline.
    expect(await backups()).toBe('https://backup1.com\\nhttps://backup2.com')
    const source = sqlConfig({ query, pollMs: false })
    const loaded = await source.load()
    expect(loaded).toEqual(EXPECTED)
    const config = parseConfig(loaded)
    expect(config.servers.map((s) => [s.url, s.priority])).toEqual([
      ['https://primary.com', 0],
      ['https://backup1.com', 1],
      ['https://backup2.com', 2],
    ])
    expect(config.autoSwitch).toBe(true)
  })

  it('reads a written-out \\r\\n the same way', async () => {
    const { query } = await database(ORIGINAL_INSERT.replace(String.raw`\n`, String.raw`\r\n`))
    expect(await sqlConfig({ query, pollMs: false }).load()).toEqual(EXPECTED)
  })

  it('refuses a backup URL with a backslash inside, naming the key and the line', async () => {
    const { query } = await database(
      ORIGINAL_INSERT.replace(
        String.raw`https://backup1.com\nhttps://backup2.com`,
        String.raw`https://backup1.com\backup2`,
      ),
    )
    const error = await rejectionOf(sqlConfig({ query, pollMs: false }).load())
    expect(error).toBeInstanceOf(ConfigValidationError)
    expect(error.message).toContain('comfyui.backup_servers (line 1)')
    expect(error.message).toMatch(/without backslashes or whitespace/)
  })

  it('refuses whitespace inside a URL, on the line it is on', async () => {
    const { query } = await database(
      ORIGINAL_INSERT.replace(
        String.raw`https://backup1.com\nhttps://backup2.com`,
        String.raw`https://backup1.com\nhttps://backup 2.com`,
      ),
    )
    const error = await rejectionOf(sqlConfig({ query, pollMs: false }).load())
    expect(error).toBeInstanceOf(ConfigValidationError)
    expect(error.message).toContain('comfyui.backup_servers (line 2)')
  })
})

describe('MySQL’s reading of the same INSERT', () => {
  it('gives a real newline (MySQL unescapes \\n in string literals), which reads the same', async () => {
    // MySQL (without NO_BACKSLASH_ESCAPES) stores '…\n…' as a newline: the value the driver returns.
    const mysqlRows = [
      { config_key: 'comfyui.server_url', config_value: 'https://primary.com', config_type: 'string' },
      {
        config_key: 'comfyui.backup_servers',
        config_value: 'https://backup1.com\nhttps://backup2.com',
        config_type: 'text',
      },
      { config_key: 'comfyui.auto_switch', config_value: 'true', config_type: 'boolean' },
    ]
    const query = Object.assign(async () => mysqlRows, { dialect: 'mysql' as const })
    expect(await sqlConfig({ query, pollMs: false }).load()).toEqual(EXPECTED)
  })
})
