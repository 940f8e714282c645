import { type ConfigValidationError, parseConfig } from '@comfy-balancer/core'
import { createTestClock, type TestClock } from '@comfy-balancer/testkit'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import type Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../../__tests__/helpers.js'
import { type LayeredConfigSource, sqlConfig, sqliteQuery } from '../index.js'
import { sqliteStore } from './sqlite-store.js'

const POLL_MS = 1_000
const stores = new WeakMap<LayeredConfigSource, { db: Database.Database; clock: TestClock }>()

describeConfigSource('sqlConfig on SQLite (better-sqlite3)', {
  parse: parseConfig,
  create(initial) {
    const { db, set } = sqliteStore()
    const [primary, ...backups] = initial.servers
    set('comfyui.server_url', primary ?? null)
    set('comfyui.backup_servers', backups.join('\n'), 'text')
    const clock = createTestClock()
    const source = sqlConfig({ query: sqliteQuery(db), clock, pollMs: POLL_MS })
    stores.set(source, { db, clock })
    return source
  },
  change(source, next) {
    const { db } = stores.get(source)!
    const [primary, ...backups] = next.servers
    const update = db.prepare('UPDATE system_config SET config_value = ? WHERE config_key = ?')
    update.run(primary, 'comfyui.server_url')
    update.run(backups.join('\n'), 'comfyui.backup_servers')
  },
  breakIt: (source) => void stores.get(source)!.db.exec('DROP TABLE system_config'),
  advance: (source) => stores.get(source)!.clock.advance(POLL_MS),
  dispose: (source) => {
    stores.get(source)!.db.close()
  },
})

function source(db: Database.Database) {
  return sqlConfig({ query: sqliteQuery(db), pollMs: false })
}

describe('sqlConfig reading the original design’s rows', () => {
  it('reads the seed rows: the primary on 127.0.0.1:8188, no backups, auto switch on', async () => {
    const { db } = sqliteStore()
    expect(await source(db).load()).toEqual({ servers: ['http://127.0.0.1:8188'], autoSwitch: true })
  })

  it('lists backups after the primary, one per line, tolerating \\r\\n, blank lines and spaces', async () => {
    const { db, set } = sqliteStore()
    set(
      'comfyui.backup_servers',
      '  http://b.test:8188 \r\n\r\n\thttp://c.test:8188\n\n  \nhttp://d.test:8188  \n',
      'text',
    )
    const input = await source(db).load()
    expect(input.servers).toEqual([
      'http://127.0.0.1:8188',
      'http://b.test:8188',
      'http://c.test:8188',
      'http://d.test:8188',
    ])
    expect(parseConfig(input).servers.map((s) => s.priority)).toEqual([0, 1, 2, 3])
  })

  it.each([
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
    [' TRUE ', true],
    ['off', false],
  ])('reads auto_switch %j as %s', async (text, expected) => {
    const { db, set } = sqliteStore()
    set('comfyui.auto_switch', text, 'boolean')
    expect((await source(db).load()).autoSwitch).toBe(expected)
  })

  it('treats a blank or NULL value as unset', async () => {
    const { db, set } = sqliteStore()
    set('comfyui.auto_switch', '', 'boolean')
    set('comfyui.probe_interval_ms', null)
    expect(await source(db).load()).toEqual({ servers: ['http://127.0.0.1:8188'] })
  })

  it('reads the richer keys: a JSON server list (which wins), timings, and lock_ms as an extra', async () => {
    const { db, set } = sqliteStore()
    set('comfyui.backup_servers', 'http://ignored.test:8188', 'text')
    set(
      'comfyui.servers',
      JSON.stringify([
        { url: 'http://a.test:8188', weight: 2, tags: ['sdxl'], headers: { Authorization: 'Bearer s3cret' } },
        'http://b.test:8188',
      ]),
      'json',
    )
    set('comfyui.probe_interval_ms', '20000', 'number')
    set('comfyui.health_timeout_ms', '8000', 'number')
    set('comfyui.queue_timeout_ms', '4000', 'number')
    set('comfyui.cache_ms', '5000', 'number')
    set('comfyui.lock_ms', '45000', 'number')
    const sql = source(db)
    expect(sql.extras).toEqual({})
    const input = await sql.load()
    expect(input).toEqual({
      servers: [
        { url: 'http://a.test:8188', weight: 2, tags: ['sdxl'], headers: { Authorization: 'Bearer s3cret' } },
        'http://b.test:8188',
      ],
      autoSwitch: true,
      probe: { intervalMs: 20_000, healthTimeoutMs: 8_000, queueTimeoutMs: 4_000, cacheMs: 5_000 },
    })
    // lock_ms is not part of core's schema: it travels beside the config.
    expect(sql.extras).toEqual({ lockMs: 45_000 })
    expect((await sql.loadLayer()).extras).toEqual({ lockMs: 45_000 })
  })

  it('ignores rows of other groups and unknown keys', async () => {
    const { db, set } = sqliteStore()
    set('app.theme', 'dark')
    set('comfyui.workflow_dir', '/srv/workflows')
    expect(await source(db).load()).toEqual({ servers: ['http://127.0.0.1:8188'], autoSwitch: true })
  })

  it('reads another table and group when told to', async () => {
    const { db } = sqliteStore()
    db.exec('CREATE TABLE settings AS SELECT * FROM system_config')
    db.exec("UPDATE settings SET config_key = replace(config_key, 'comfyui.', 'gpu.')")
    const custom = sqlConfig({ query: sqliteQuery(db), table: 'settings', group: 'gpu', pollMs: false })
    expect(custom.name).toBe('sql:settings')
    expect((await custom.load()).servers).toEqual(['http://127.0.0.1:8188'])
  })
})

describe('sqlConfig refusing bad rows', () => {
  async function issuesFor(rows: Record<string, string>) {
    const { db, set } = sqliteStore()
    for (const [key, value] of Object.entries(rows)) set(key, value)
    const error = (await rejectionOf(source(db).load())) as unknown as ConfigValidationError
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.source).toBe('sql:system_config')
    return error
  }

  it('names the key, the value and what was expected for unknown boolean text', async () => {
    const error = await issuesFor({ 'comfyui.auto_switch': 'maybe' })
    expect(error.issues).toEqual([
      {
        path: 'comfyui.auto_switch',
        message: 'expected a boolean: true, false, 1 or 0 (yes/no and on/off work too)',
        received: '"maybe"',
      },
    ])
    expect(error.message).toContain('sql:system_config')
  })

  it('names the backup line holding an invalid URL, and redacts its credentials', async () => {
    const error = await issuesFor({
      'comfyui.backup_servers': 'http://b.test:8188\nftp://carol:pw-secret@c.test',
    })
    expect(error.issues).toEqual([
      {
        path: 'comfyui.backup_servers (line 2)',
        message: 'expected an absolute http(s) URL such as http://127.0.0.1:8188',
        received: '"ftp://***:***@c.test"',
      },
    ])
    expect(error.message).not.toContain('pw-secret')
  })

  it('names both keys of a duplicate URL', async () => {
    const error = await issuesFor({ 'comfyui.backup_servers': 'http://b.test:8188\nhttp://127.0.0.1:8188/' })
    expect(error.issues).toEqual([
      {
        path: 'comfyui.backup_servers (line 2)',
        message:
          'duplicate server id "127.0.0.1:8188" (also comfyui.server_url); give each server a distinct id',
      },
    ])
  })

  it('refuses malformed JSON in comfyui.servers without echoing secrets from it', async () => {
    const error = await issuesFor({
      'comfyui.servers': '[{"url":"http://a.test:8188","headers":{"X-Api-Key":"k3y-secret"}',
    })
    expect(error.issues[0]?.path).toBe('comfyui.servers')
    expect(error.issues[0]?.message).toMatch(/expected a JSON array .*: not valid JSON/)
    expect(error.message).not.toContain('k3y-secret')
  })

  it('locates schema errors inside the JSON list and hides header values', async () => {
    const error = await issuesFor({
      'comfyui.servers': JSON.stringify([
        { url: 'http://a.test:8188', weight: -1, headers: { Authorization: 7 } },
      ]),
    })
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'comfyui.servers[0].headers.Authorization',
      'comfyui.servers[0].weight',
    ])
    expect(error.issues.find((issue) => issue.path.endsWith('weight'))?.received).toBe('-1')
  })

  it('reports timing values out of core’s range under their own keys', async () => {
    const error = await issuesFor({ 'comfyui.probe_interval_ms': '5', 'comfyui.lock_ms': '30s' })
    expect(error.issues.map((issue) => issue.path)).toEqual(['comfyui.lock_ms'])
    const range = await issuesFor({ 'comfyui.probe_interval_ms': '5' })
    expect(range.issues).toEqual([
      { path: 'comfyui.probe_interval_ms', message: 'expected intervalMs ≥ 10', received: '5' },
    ])
  })

  it('asks for a primary when only backups are set', async () => {
    const error = await issuesFor({
      'comfyui.server_url': '',
      'comfyui.backup_servers': 'http://b.test:8188',
    })
    expect(error.issues[0]?.path).toBe('comfyui.server_url')
  })

  it('asks for comfyui.server_url when no server is set at all', async () => {
    const error = await issuesFor({ 'comfyui.server_url': ' ' })
    expect(error.issues[0]?.path).toBe('comfyui.server_url')
  })
})

describe('sqlConfig when the database fails', () => {
  it('says how to create a missing table', async () => {
    const { db } = sqliteStore()
    db.exec('DROP TABLE system_config')
    const error = await rejectionOf(source(db).load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toMatch(
      /from sql:system_config: no such table: system_config\. Create the table with schemaSql\.sqlite/,
    )
  })

  it('wraps driver errors as ConfigLoadError with the driver error as cause', async () => {
    const { db } = sqliteStore()
    db.close()
    const error = await rejectionOf(source(db).load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('The database connection is not open')
    expect(error.cause).toBeInstanceOf(Error)
  })

  it('redacts credentials a driver puts in its message', async () => {
    const query = Object.assign(
      async () => {
        throw new Error('connect ECONNREFUSED postgres://app:db-secret@db.test:5432/app')
      },
      { dialect: 'postgres' as const },
    )
    const error = await rejectionOf(sqlConfig({ query, pollMs: false }).load())
    expect(error.message).toContain('postgres://***:***@db.test:5432/app')
    expect(error.message).not.toContain('db-secret')
  })

  it('refuses rows that do not look like system_config', async () => {
    const query = async () => [{ key: 'comfyui.server_url', value: 'http://a.test' }]
    const error = await rejectionOf(sqlConfig({ query, pollMs: false }).load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('expected rows with a text config_key and config_value')
  })
})
