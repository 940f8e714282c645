import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ComfyBalancerError, parseConfig } from '@comfy-balancer/core'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { envConfig, jsonConfig, schemaSql, sqlConfig, sqliteQuery } from '../node/index.js'
import { rejectionOf } from './helpers.js'

/** Server URLs that are not http(s): each must be refused with the typed config error. */
const NOT_HTTP = [
  'file:///etc/passwd',
  'javascript:alert(1)',
  'ftp://gpu-a.test/models',
  'data:text/plain,hello',
  'ws://gpu-a.test:8188',
  'gopher://gpu-a.test:70',
]
const GOOD = 'http://gpu-a.test:8188'

/** What a source's load plus core's validation make of `source`: the config or the typed error. */
async function loadAndParse(source: { load(): Promise<unknown>; name: string }) {
  return parseConfig(await source.load(), source.name)
}

function expectConfigInvalid(error: Error & Record<string, unknown>): void {
  expect(ComfyBalancerError.isInstance(error)).toBe(true)
  expect(error.code).toBe('CONFIG_INVALID')
  expect(error.message).toMatch(/http\(s\)/)
}

const dir = mkdtempSync(join(tmpdir(), 'comfy-balancer-security-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('only http(s) server URLs are accepted', () => {
  for (const url of NOT_HTTP) {
    describe(url, () => {
      it('parseConfig: as a string and as an object, primary or backup', () => {
        for (const servers of [[url], [{ url }], [GOOD, url], [GOOD, { url, weight: 2 }]]) {
          let caught: unknown
          try {
            parseConfig({ servers })
          } catch (error) {
            caught = error
          }
          expectConfigInvalid(caught as Error & Record<string, unknown>)
        }
        expect(parseConfig({ servers: [GOOD] }).servers).toHaveLength(1)
      })

      it('envConfig: COMFYUI_SERVER_URL, COMFYUI_BACKUP_SERVERS and COMFYUI_SERVERS', async () => {
        for (const env of [
          { COMFYUI_SERVER_URL: url },
          { COMFYUI_SERVER_URL: GOOD, COMFYUI_BACKUP_SERVERS: url },
          { COMFYUI_SERVERS: JSON.stringify([GOOD, { url }]) },
        ]) {
          expectConfigInvalid(await rejectionOf(loadAndParse(envConfig({ env }))))
        }
      })

      it('jsonConfig: an object, a file and a URL', async () => {
        const document = { servers: [GOOD, url] }
        expectConfigInvalid(await rejectionOf(loadAndParse(jsonConfig(document))))
        const file = join(dir, `servers-${NOT_HTTP.indexOf(url)}.json`)
        writeFileSync(file, JSON.stringify(document))
        expectConfigInvalid(await rejectionOf(loadAndParse(jsonConfig(file))))
        const served = jsonConfig('http://config.test/servers.json', {
          fetch: async () =>
            new Response(JSON.stringify(document), { headers: { 'Content-Type': 'application/json' } }),
        })
        expectConfigInvalid(await rejectionOf(loadAndParse(served)))
      })

      it('sqlConfig on SQLite: comfyui.server_url, comfyui.backup_servers and comfyui.servers', async () => {
        for (const rows of [
          { 'comfyui.server_url': url },
          { 'comfyui.server_url': GOOD, 'comfyui.backup_servers': url },
          { 'comfyui.servers': JSON.stringify([{ url }]) },
        ]) {
          const db = new Database(':memory:')
          db.exec(schemaSql.sqlite)
          const insert = db.prepare('INSERT INTO system_config (config_key, config_value) VALUES (?, ?)')
          for (const [key, value] of Object.entries(rows)) insert.run(key, value)
          expectConfigInvalid(
            await rejectionOf(loadAndParse(sqlConfig({ query: sqliteQuery(db), pollMs: false }))),
          )
          db.close()
        }
      })
    })
  }
})

const PAYLOAD = "'; DROP TABLE system_config; --"

describe('the SQL source is parameterised', () => {
  function database() {
    const db = new Database(':memory:')
    db.exec(schemaSql.sqlite)
    const statements: Array<{ sql: string; params: readonly unknown[] }> = []
    const inner = sqliteQuery(db)
    // Records what reaches the driver: the statement text and its bound parameters.
    const query = Object.assign(
      (sql: string, params: readonly unknown[]) => {
        statements.push({ sql, params })
        return inner(sql, params)
      },
      { dialect: 'sqlite' as const },
    )
    const insert = db.prepare(
      'INSERT INTO system_config (config_key, config_value, config_type) VALUES (?, ?, ?)',
    )
    const tableExists = () =>
      db
        .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'system_config'")
        .get() as {
        n: number
      }
    return { db, query, statements, insert, tableExists }
  }

  it('a key prefix (group) carrying an injection is bound as a value and round-trips', async () => {
    const { db, query, statements, insert, tableExists } = database()
    insert.run(`${PAYLOAD}.server_url`, GOOD, 'string')
    insert.run(`${PAYLOAD}.backup_servers`, 'http://gpu-b.test:8188', 'string')
    const source = sqlConfig({ query, group: PAYLOAD, pollMs: false })
    const config = parseConfig(await source.load(), source.name)
    expect(config.servers.map((s) => s.url)).toEqual([GOOD, 'http://gpu-b.test:8188'])
    expect(tableExists().n).toBe(1)
    expect(db.prepare('SELECT count(*) AS n FROM system_config').get()).toEqual({ n: 2 })
    for (const { sql, params } of statements) {
      expect(sql).not.toContain('DROP')
      expect(sql).not.toContain(PAYLOAD)
      expect(params).toContain(`${PAYLOAD}.server_url`)
    }
    db.close()
  })

  it('a value carrying an injection comes back byte for byte, and the table survives', async () => {
    const { db, query, statements, insert, tableExists } = database()
    const servers = [{ url: GOOD, name: PAYLOAD, tags: [PAYLOAD, 'a"b\\c'] }]
    insert.run('comfyui.servers', JSON.stringify(servers), 'json')
    insert.run(`comfyui.${PAYLOAD}`, PAYLOAD, PAYLOAD)
    const source = sqlConfig({ query, pollMs: false })
    const config = parseConfig(await source.load(), source.name)
    expect(config.servers[0]).toMatchObject({ url: GOOD, name: PAYLOAD, tags: [PAYLOAD, 'a"b\\c'] })
    expect(tableExists().n).toBe(1)
    expect(statements.every(({ sql }) => !sql.includes(PAYLOAD))).toBe(true)
    expect(
      db.prepare('SELECT config_value FROM system_config WHERE config_key = ?').get(`comfyui.${PAYLOAD}`),
    ).toEqual({ config_value: PAYLOAD })
    db.close()
  })

  it('a table name carrying an injection is refused before any SQL runs', () => {
    const { db, query, statements, tableExists } = database()
    for (const table of [`system_config${PAYLOAD}`, 'system_config; DROP TABLE x', 'a"b', 'a`b', '']) {
      let caught: unknown
      try {
        sqlConfig({ query, table, pollMs: false })
      } catch (error) {
        caught = error
      }
      expect((caught as ComfyBalancerError).code).toBe('INVALID_ARGUMENT')
    }
    expect(statements).toEqual([])
    expect(tableExists().n).toBe(1)
    db.close()
  })
})
