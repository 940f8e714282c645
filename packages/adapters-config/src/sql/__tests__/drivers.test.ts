import { describe, expect, it } from 'vitest'
import { rejectionOf } from '../../__tests__/helpers.js'
import { mysqlQuery, pgQuery, type SqlQuery, sqlConfig, sqliteQuery } from '../index.js'

const ROWS = [
  { config_key: 'comfyui.server_url', config_value: 'http://a.test:8188', config_type: 'string' },
  { config_key: 'comfyui.auto_switch', config_value: 'false', config_type: 'boolean' },
]

/** Records what a driver received; answers with the rows above in the driver's own result shape. */
function recorder() {
  const calls: { sql: string; params: unknown[] }[] = []
  return {
    calls,
    pg: {
      query: async (sql: string, params: unknown[]) => {
        calls.push({ sql, params })
        return { rows: ROWS }
      },
    },
    mysql: {
      execute: async (sql: string, params: unknown[]) => {
        calls.push({ sql, params })
        return [ROWS, [{ name: 'config_key' }]]
      },
    },
  }
}

describe('driver helpers', () => {
  it('speaks PostgreSQL through pg: $n placeholders, double-quoted identifiers, values bound', async () => {
    const { calls, pg } = recorder()
    const source = sqlConfig({ query: pgQuery(pg), table: 'public.system_config', pollMs: false })
    expect(await source.load()).toEqual({ servers: ['http://a.test:8188'], autoSwitch: false })
    const [call] = calls
    expect(call?.sql).toMatch(
      /^SELECT config_key, config_value, config_type FROM "public"\."system_config" WHERE config_key IN \(\$1, \$2, .*\$14\)$/,
    )
    expect(call?.sql).not.toContain('?')
    expect(call?.params).toContain('comfyui.server_url')
    expect(call?.params).toContain('comfyui.lock_ms')
  })

  it('speaks MySQL through mysql2: ? placeholders, backquoted identifiers, rows from [rows, fields]', async () => {
    const { calls, mysql } = recorder()
    const source = sqlConfig({ query: mysqlQuery(mysql), pollMs: false })
    expect(await source.load()).toEqual({ servers: ['http://a.test:8188'], autoSwitch: false })
    expect(calls[0]?.sql).toMatch(/FROM `system_config` WHERE config_key IN \(\?, \?, .*\?\)$/)
    expect(calls[0]?.sql).not.toContain('$1')
    expect(calls[0]?.params).toHaveLength(14)
  })

  it('rejects a mysql2 result of the wrong shape as a load error', async () => {
    const source = sqlConfig({
      query: mysqlQuery({ execute: async () => ({ affectedRows: 0 }) }),
      pollMs: false,
    })
    const error = await rejectionOf(source.load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('expected execute() to resolve to [rows, fields]')
  })

  it('speaks SQLite by default, for query functions without a dialect', async () => {
    const calls: string[] = []
    const query: SqlQuery = async (sql) => {
      calls.push(sql)
      return ROWS
    }
    await sqlConfig({ query, pollMs: false }).load()
    expect(calls[0]).toMatch(/FROM "system_config" WHERE config_key IN \(\?, /)
    await sqlConfig({ query, dialect: 'postgres', pollMs: false }).load()
    expect(calls[1]).toContain('IN ($1, $2')
  })

  it('turns a synchronous driver throw into a rejection', async () => {
    const db = {
      prepare: () => {
        throw new Error('SQLITE_BUSY: database is locked')
      },
    }
    const error = await rejectionOf(sqlConfig({ query: sqliteQuery(db), pollMs: false }).load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('SQLITE_BUSY')
  })

  it.each([
    'system_config; DROP TABLE users',
    'system config',
    '"system_config"',
    '1table',
    'schema..table',
    'table.',
    '',
  ])('refuses the table name %j before any SQL runs', (table) => {
    const query = async () => {
      throw new Error('must not run')
    }
    expect(() => sqlConfig({ query, table })).toThrow(/not a plain SQL identifier/)
  })
})
