import { parseConfig } from '@comfy-balancer/core'
import { createTestClock, type TestClock } from '@comfy-balancer/testkit'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import { describe, expect, it } from 'vitest'
import { FOUR, nextEvent, rejectionOf, runBalancer, useMsw } from '../../__tests__/helpers.js'
import { type LayeredConfigSource, pgliteQuery, schemaSql, seedSql, sqlConfig } from '../index.js'
import { usePglite } from './pglite-instance.js'

useMsw()

const POLL_MS = 1_000
/** One real PostgreSQL (in WASM) for the file; each test makes its own table. */
const postgresOf = usePglite()

async function resetTable(servers?: readonly string[]): Promise<void> {
  await postgresOf().exec('DROP TABLE IF EXISTS system_config')
  await postgresOf().exec(schemaSql.postgres)
  await postgresOf().exec(seedSql.postgres)
  if (servers) await setServers(servers)
}

async function setServers([primary, ...backups]: readonly string[]): Promise<void> {
  await postgresOf().query('UPDATE system_config SET config_value = $1 WHERE config_key = $2', [
    primary,
    'comfyui.server_url',
  ])
  await postgresOf().query('UPDATE system_config SET config_value = $1 WHERE config_key = $2', [
    backups.join('\n'),
    'comfyui.backup_servers',
  ])
}

const clocks = new WeakMap<LayeredConfigSource, TestClock>()

describeConfigSource('sqlConfig on PostgreSQL (PGlite)', {
  parse: parseConfig,
  async create(initial) {
    await resetTable(initial.servers)
    const clock = createTestClock()
    const source = sqlConfig({ query: pgliteQuery(postgresOf()), clock, pollMs: POLL_MS })
    clocks.set(source, clock)
    return source
  },
  change: (_source, next) => setServers(next.servers),
  breakIt: async () => void (await postgresOf().exec('DROP TABLE system_config')),
  advance: (source) => clocks.get(source)!.advance(POLL_MS),
})

describe('sqlConfig on PostgreSQL (PGlite)', () => {
  it('reads the seed rows made by the shipped DDL', async () => {
    await resetTable()
    const source = sqlConfig({ query: pgliteQuery(postgresOf()), pollMs: false })
    expect(await source.load()).toEqual({ servers: ['http://127.0.0.1:8188'], autoSwitch: true })
    // Seeding again leaves the rows alone (ON CONFLICT DO NOTHING).
    await postgresOf().query(
      "UPDATE system_config SET config_value = 'false' WHERE config_key = 'comfyui.auto_switch'",
    )
    await postgresOf().exec(seedSql.postgres)
    expect((await source.load()).autoSwitch).toBe(false)
  })

  it('reads a schema-qualified table', async () => {
    await resetTable()
    await postgresOf().exec('CREATE SCHEMA IF NOT EXISTS app; DROP TABLE IF EXISTS app.settings')
    await postgresOf().exec('CREATE TABLE app.settings AS SELECT * FROM system_config')
    const source = sqlConfig({ query: pgliteQuery(postgresOf()), table: 'app.settings', pollMs: false })
    expect((await source.load()).servers).toEqual(['http://127.0.0.1:8188'])
  })

  it('says how to create a missing table', async () => {
    await postgresOf().exec('DROP TABLE IF EXISTS system_config')
    const error = await rejectionOf(sqlConfig({ query: pgliteQuery(postgresOf()), pollMs: false }).load())
    expect(error.code).toBe('CONFIG_LOAD_FAILED')
    expect(error.message).toContain('relation "system_config" does not exist')
    expect(error.message).toContain('Create the table with schemaSql.postgres')
  })

  it('reaches a running balancer within one poll after an UPDATE, keeping unchanged servers’ state', async () => {
    await resetTable(FOUR.slice(0, 3))
    const { balancer, clock, errors } = runBalancer((clock) =>
      sqlConfig({ query: pgliteQuery(postgresOf()), pollMs: POLL_MS, clock }),
    )
    await balancer.refresh()
    balancer.recordFailure(FOUR[2]!, 'bad job')
    const before = balancer.getSnapshot().servers
    const changed = nextEvent(balancer, 'config-changed')
    await postgresOf().query(
      "UPDATE system_config SET config_value = $1, updated_at = CURRENT_TIMESTAMP WHERE config_key = 'comfyui.backup_servers'",
      [`${FOUR[2]}\n${FOUR[3]}`],
    )
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: ['gpu-d.test:8188'],
      removed: ['gpu-b.test:8188'],
      // gpu-c moved up from backup 2 to backup 1.
      changed: ['gpu-c.test:8188'],
      settings: [],
    })
    const after = balancer.getSnapshot().servers
    expect(after.map((s) => s.id)).toEqual(['gpu-a.test:8188', 'gpu-c.test:8188', 'gpu-d.test:8188'])
    expect(after[0]).toMatchObject({ health: 'healthy', checkedAt: before[0]?.checkedAt })
    expect(after[1]).toMatchObject({ health: 'unhealthy', failures: before[2]?.failures })

    // A bad value: an error event, and the config above stays in force.
    const failed = nextEvent(balancer, 'error')
    await postgresOf().query(
      "UPDATE system_config SET config_value = 'yes please' WHERE config_key = 'comfyui.auto_switch'",
    )
    await clock.advance(POLL_MS)
    expect((await failed).error.message).toMatch(
      /comfyui\.auto_switch: expected a boolean.*received "yes please"/,
    )
    expect(balancer.getSnapshot().servers).toHaveLength(3)
    expect(errors).toHaveLength(1)
    balancer.dispose()
  })
})
