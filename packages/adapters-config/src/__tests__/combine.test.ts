import {
  type BalancerConfigInput,
  type ConfigSource,
  type ConfigValidationError,
  parseConfig,
} from '@comfy-balancer/core'
import { createTestClock, type TestClock } from '@comfy-balancer/testkit'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import type Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { combine, envConfig, jsonConfig, type LayeredConfigSource, sqlConfig, sqliteQuery } from '../index.js'
import { sqliteStore } from '../sql/__tests__/sqlite-store.js'
import { FOUR, nextEvent, rejectionOf, runBalancer, useMsw } from './helpers.js'

useMsw()

const POLL_MS = 1_000
const parts = new WeakMap<LayeredConfigSource, { db: Database.Database; clock: TestClock }>()

function sqlWith(servers: readonly string[], clock: TestClock) {
  const store = sqliteStore()
  const [primary, ...backups] = servers
  store.set('comfyui.server_url', primary!)
  store.set('comfyui.backup_servers', backups.join('\n'), 'text')
  return { ...store, source: sqlConfig({ query: sqliteQuery(store.db), pollMs: POLL_MS, clock }) }
}

// The servers live in SQL; the deployment's env adds only a switch and the lock.
describeConfigSource('combine(sqlConfig, envConfig)', {
  parse: parseConfig,
  create(initial) {
    const clock = createTestClock()
    const { db, source: sql } = sqlWith(initial.servers, clock)
    const source = combine(
      sql,
      envConfig({ env: { COMFYUI_AUTO_SWITCH: 'false', COMFYUI_LOCK_MS: '30000' } }),
    )
    parts.set(source, { db, clock })
    return source
  },
  change(source, next) {
    const [primary, ...backups] = next.servers
    const update = parts
      .get(source)!
      .db.prepare('UPDATE system_config SET config_value = ? WHERE config_key = ?')
    update.run(primary, 'comfyui.server_url')
    update.run(backups.join('\n'), 'comfyui.backup_servers')
  },
  breakIt: (source) => void parts.get(source)!.db.exec('DROP TABLE system_config'),
  advance: (source) => parts.get(source)!.clock.advance(POLL_MS),
})

describe('combine', () => {
  it('lets later sources override earlier ones field by field', async () => {
    const file = jsonConfig({
      servers: ['http://a.test:8188', 'http://b.test:8188'],
      autoSwitch: true,
      probe: { intervalMs: 20_000, cacheMs: 5_000 },
      lockMs: 30_000,
    })
    const env = envConfig({
      env: { COMFYUI_CACHE_MS: '1000', COMFYUI_AUTO_SWITCH: 'off', COMFYUI_LOCK_MS: '10000' },
    })
    const source = combine(file, env)
    expect(source.name).toBe('combine(json:object, env:COMFYUI_)')
    expect(await source.load()).toEqual({
      servers: ['http://a.test:8188', 'http://b.test:8188'],
      autoSwitch: false,
      probe: { intervalMs: 20_000, cacheMs: 1_000 },
    })
    expect(source.extras).toEqual({ lockMs: 10_000 })
  })

  it('replaces the server list whole: a later list wins, headers and all', async () => {
    const file = jsonConfig({ servers: ['http://a.test:8188', 'http://b.test:8188', 'http://c.test:8188'] })
    const env = envConfig({
      env: {
        COMFYUI_SERVERS: JSON.stringify([
          { url: 'http://a.test:8188', headers: { Authorization: 'Bearer t' } },
        ]),
      },
    })
    expect((await combine(file, env).load()).servers).toEqual([
      { url: 'http://a.test:8188', headers: { Authorization: 'Bearer t' } },
    ])
  })

  it('blames the key that set a bad value, and not one whose value was overridden', async () => {
    const clock = createTestClock()
    const { source: sql } = sqlWith(['http://a.test:8188', 'http://b.test:8188'], clock)
    const file = jsonConfig({ servers: ['http://x.test:8188', 'http://x.test:8188'] })
    const duplicate = (await rejectionOf(combine(sql, file).load())) as unknown as ConfigValidationError
    expect(duplicate.source).toBe('combine(sql:system_config, json:object)')
    // The list came from the JSON object, so its path is a JSON path, not a SQL key.
    expect(duplicate.issues.map((issue) => issue.path)).toEqual(['servers.1'])
    const env = envConfig({ env: { COMFYUI_PROBE_INTERVAL_MS: '1' } })
    const range = (await rejectionOf(combine(sql, env).load())) as unknown as ConfigValidationError
    expect(range.issues).toEqual([
      { path: 'COMFYUI_PROBE_INTERVAL_MS', message: 'expected intervalMs ≥ 10', received: '1' },
    ])
  })

  it('passes on a part’s own error, which names that part', async () => {
    const source = combine(
      jsonConfig({ servers: ['http://a.test'] }),
      envConfig({ env: { COMFYUI_AUTO_SWITCH: '2' } }),
    )
    const error = (await rejectionOf(source.load())) as unknown as ConfigValidationError
    expect(error.source).toBe('env:COMFYUI_')
    expect(error.issues[0]?.path).toBe('COMFYUI_AUTO_SWITCH')
  })

  it('takes any ConfigSource as a part, wrapping what it throws', async () => {
    const foreign: ConfigSource = { name: 'vault', load: async () => ({ servers: ['http://v.test:8188'] }) }
    expect((await combine(foreign, envConfig({ env: { COMFYUI_AUTO_SWITCH: '0' } })).load()).autoSwitch).toBe(
      false,
    )
    const broken: ConfigSource = {
      name: 'vault',
      load: async () => {
        throw new Error('sealed')
      },
    }
    const error = await rejectionOf(combine(broken).load())
    expect(error).toMatchObject({ code: 'CONFIG_LOAD_FAILED', source: 'vault' })
  })

  it('fans in the parts’ subscriptions and stops them all', async () => {
    const clock = createTestClock()
    const { set, source: sql } = sqlWith(FOUR.slice(0, 2), clock)
    const listeners = new Set<(next?: BalancerConfigInput) => void>()
    const pushed: ConfigSource = {
      name: 'pushed',
      load: async () => ({ servers: FOUR.slice(0, 1) }),
      subscribe: (onChange) => {
        listeners.add(onChange)
        return () => listeners.delete(onChange)
      },
    }
    const source = combine(sql, envConfig({ env: {} }), pushed)
    await source.load()
    let calls = 0
    const stop = source.subscribe!(() => calls++)
    for (const listener of listeners) listener({ servers: FOUR.slice(1, 2) })
    expect(calls).toBe(1)
    set('comfyui.auto_switch', 'false')
    await clock.advance(POLL_MS)
    expect(calls).toBe(2)
    stop()
    stop()
    expect(listeners.size).toBe(0)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('offers subscribe only when a part does, and needs at least one part', () => {
    expect(
      combine(envConfig({ env: {} }), jsonConfig({ servers: ['http://a.test'] })).subscribe,
    ).toBeUndefined()
    expect(() => combine()).toThrow(/at least one config source/)
  })

  it('drives a running balancer: table changes arrive, env overrides stay', async () => {
    let db: Database.Database | undefined
    const { balancer, clock } = runBalancer((clock) => {
      const sql = sqlWith(FOUR.slice(0, 2), clock)
      db = sql.db
      return combine(sql.source, envConfig({ env: { COMFYUI_AUTO_SWITCH: 'false' } }))
    })
    await balancer.refresh()
    balancer.recordFailure(FOUR[0]!, 'down')
    // auto switch is off (env): the primary even though it is down.
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
    const changed = nextEvent(balancer, 'config-changed')
    db!
      .prepare("UPDATE system_config SET config_value = ? WHERE config_key = 'comfyui.server_url'")
      .run(FOUR[1])
    db!
      .prepare("UPDATE system_config SET config_value = ? WHERE config_key = 'comfyui.backup_servers'")
      .run(FOUR[2])
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: ['gpu-c.test:8188'],
      removed: ['gpu-a.test:8188'],
      changed: ['gpu-b.test:8188'],
      settings: [],
    })
    expect(await balancer.getOptimalServer()).toBe(FOUR[1])
    balancer.dispose()
  })
})
