import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { FOUR, nextEvent, runBalancer, useMsw, within } from '../../__tests__/helpers.js'
import { sqlConfig, sqliteQuery } from '../index.js'
import { sqliteStore } from './sqlite-store.js'

useMsw()

const POLL_MS = 5_000

function running() {
  const store = sqliteStore()
  store.set('comfyui.server_url', FOUR[0]!)
  store.set('comfyui.backup_servers', `${FOUR[1]}\n${FOUR[2]}`, 'text')
  const run = runBalancer((clock) => sqlConfig({ query: sqliteQuery(store.db), pollMs: POLL_MS, clock }))
  return { ...store, ...run }
}

describe('a running balancer reading SQLite', () => {
  it('applies an UPDATE within one poll, keeping what it knows about unchanged servers', async () => {
    const { balancer, clock, db } = running()
    await balancer.refresh()
    balancer.recordFailure(FOUR[0]!, 'bad job')
    const before = balancer.getSnapshot().servers
    const changed = nextEvent(balancer, 'config-changed')
    db.prepare('UPDATE system_config SET config_value = ? WHERE config_key = ?').run(
      `${FOUR[1]}\r\n${FOUR[3]}\r\n`,
      'comfyui.backup_servers',
    )
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: ['gpu-d.test:8188'],
      removed: ['gpu-c.test:8188'],
      changed: [],
      settings: [],
    })
    const after = balancer.getSnapshot().servers
    expect(after.map((s) => s.id)).toEqual(['gpu-a.test:8188', 'gpu-b.test:8188', 'gpu-d.test:8188'])
    // The primary keeps its failure and health, the kept backup its last probe.
    expect(after[0]).toMatchObject({ health: 'unhealthy', failures: before[0]?.failures })
    expect(after[1]).toMatchObject({ health: 'healthy', checkedAt: before[1]?.checkedAt })
    balancer.dispose()
  })

  it('switches auto_switch off and on without a restart', async () => {
    const { balancer, clock, set } = running()
    await balancer.refresh()
    balancer.recordFailure(FOUR[0]!, 'down')
    expect(await balancer.getOptimalServer()).not.toBe(FOUR[0])
    const changed = nextEvent(balancer, 'config-changed')
    set('comfyui.auto_switch', '0', 'boolean')
    await clock.advance(POLL_MS)
    await changed
    // With auto switch off only the primary is used, down or not: the original design's switch.
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
    balancer.dispose()
  })

  it('keeps the last good config on a bad UPDATE, fires error once, and recovers', async () => {
    const { balancer, clock, set, errors } = running()
    await balancer.ready()
    const failed = nextEvent(balancer, 'error')
    set('comfyui.auto_switch', 'maybe', 'boolean')
    await clock.advance(POLL_MS)
    const { error } = await failed
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toContain('sql:system_config')
    expect(error.message).toContain('comfyui.auto_switch: expected a boolean')
    expect(error.message).toContain('(received "maybe")')
    expect(balancer.getSnapshot().servers.map((s) => s.id)).toEqual([
      'gpu-a.test:8188',
      'gpu-b.test:8188',
      'gpu-c.test:8188',
    ])
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
    // The bad rows are reported once, not at every poll.
    await clock.advance(POLL_MS * 3)
    expect(errors).toHaveLength(1)
    const changed = nextEvent(balancer, 'config-changed')
    set('comfyui.auto_switch', 'true', 'boolean')
    set('comfyui.backup_servers', '', 'text')
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: [],
      removed: ['gpu-b.test:8188', 'gpu-c.test:8188'],
      changed: [],
      settings: [],
    })
    balancer.dispose()
  })

  it('reports a lost table once, keeps serving, and picks the table up again', async () => {
    const { balancer, clock, db, errors } = running()
    await balancer.ready()
    const failed = nextEvent(balancer, 'error')
    db.exec('ALTER TABLE system_config RENAME TO system_config_old')
    await clock.advance(POLL_MS)
    expect((await failed).error.code).toBe('CONFIG_LOAD_FAILED')
    await clock.advance(POLL_MS * 3)
    expect(errors).toHaveLength(1)
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
    const changed = nextEvent(balancer, 'config-changed')
    db.exec('ALTER TABLE system_config_old RENAME TO system_config')
    db.prepare("UPDATE system_config SET config_value = '' WHERE config_key = 'comfyui.backup_servers'").run()
    await clock.advance(POLL_MS)
    expect(await changed).toEqual({
      added: [],
      removed: ['gpu-b.test:8188', 'gpu-c.test:8188'],
      changed: [],
      settings: [],
    })
    balancer.dispose()
  })
})

describe('sqlConfig polling', () => {
  it('reports nothing while the rows stay the same or only other rows change', async () => {
    const { db, set } = sqliteStore()
    const clock = createTestClock()
    const source = sqlConfig({ query: sqliteQuery(db), pollMs: POLL_MS, clock })
    await source.load()
    let calls = 0
    const stop = source.subscribe!(() => calls++)
    set('app.theme', 'dark')
    set('comfyui.workflow_dir', '/srv')
    await clock.advance(POLL_MS * 3)
    expect(calls).toBe(0)
    set('comfyui.cache_ms', '1000')
    await clock.advance(POLL_MS)
    expect(calls).toBe(1)
    stop()
    expect(clock.pendingTimers()).toBe(0)
  })

  it('runs one poll loop however many subscribe, and every subscriber hears the change', async () => {
    const { db, set } = sqliteStore()
    const clock = createTestClock()
    const queries: string[] = []
    const query = Object.assign(
      (sql: string, params: readonly unknown[]) => {
        queries.push(sql)
        return sqliteQuery(db)(sql, params)
      },
      { dialect: 'sqlite' as const },
    )
    const source = sqlConfig({ query, pollMs: POLL_MS, clock })
    await source.load()
    const heard: string[] = []
    const stopA = source.subscribe!(() => heard.push('a'))
    const stopB = source.subscribe!(() => heard.push('b'))
    set('comfyui.auto_switch', 'false', 'boolean')
    await clock.advance(POLL_MS)
    expect(heard).toEqual(['a', 'b'])
    expect(queries).toHaveLength(2) // the load and one poll
    stopA()
    stopB()
    stopB()
    expect(clock.pendingTimers()).toBe(0)
  })

  it('never overlaps polls on a slow database', async () => {
    const { db } = sqliteStore()
    const clock = createTestClock()
    let running = 0
    let most = 0
    const query = async (sql: string, params: readonly unknown[]) => {
      running++
      most = Math.max(most, running)
      await clock.sleep(POLL_MS * 3)
      running--
      return sqliteQuery(db)(sql, params)
    }
    const source = sqlConfig({ query, pollMs: POLL_MS, clock })
    const stop = source.subscribe!(() => undefined)
    await clock.advance(POLL_MS * 10)
    expect(most).toBe(1)
    stop()
  })

  it('offers no subscribe with pollMs: false, and refuses a silly interval', () => {
    const { db } = sqliteStore()
    expect(sqlConfig({ query: sqliteQuery(db), pollMs: false }).subscribe).toBeUndefined()
    expect(() => sqlConfig({ query: sqliteQuery(db), pollMs: 0 })).toThrow(/expected pollMs ≥ 10 or false/)
  })

  it('stops waiting for a query when the signal aborts', async () => {
    const never = () => new Promise<never>(() => undefined)
    const source = sqlConfig({ query: never, pollMs: false })
    const controller = new AbortController()
    const pending = source.load(controller.signal)
    controller.abort()
    await expect(within(pending, 1_000)).rejects.toMatchObject({ code: 'CONFIG_LOAD_FAILED' })
  })
})
