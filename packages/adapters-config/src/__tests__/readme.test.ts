// The README quickstart, through the package's public entries, with its printed values asserted.

import { schemaSql, seedSql, sqlConfig, sqliteQuery } from '@comfy-balancer/config/sql'
import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createTestClock } from '@comfy-balancer/testkit'
import { createMswCluster } from '@comfy-balancer/testkit/msw'
import Database from 'better-sqlite3'
import { setupServer } from 'msw/node'
import { expect, it } from 'vitest'
import { nextEvent } from './helpers.js'

it('runs the README quickstart', async () => {
  const clock = createTestClock()
  const cluster = createMswCluster(
    [{ url: 'http://gpu-a.test:8188' }, { url: 'http://gpu-b.test:8188' }],
    clock,
  )
  const server = setupServer(...cluster.handlers)
  server.listen({ onUnhandledRequest: 'error' })
  try {
    const db = new Database(':memory:')
    db.exec(schemaSql.sqlite)
    db.exec(seedSql.sqlite)
    const update = db.prepare('UPDATE system_config SET config_value = ? WHERE config_key = ?')
    update.run('http://gpu-a.test:8188', 'comfyui.server_url')

    const balancer = createLoadBalancer({
      source: sqlConfig({ query: sqliteQuery(db), pollMs: 5_000, clock }),
      clock,
      logger: silentLogger,
    })
    expect(await balancer.getOptimalServer()).toBe('http://gpu-a.test:8188')

    const changed = nextEvent(balancer, 'config-changed')
    update.run('http://gpu-b.test:8188', 'comfyui.backup_servers')
    await clock.advance(5_000)
    expect(await changed).toEqual({ added: ['gpu-b.test:8188'], removed: [], changed: [], settings: [] })
    balancer.dispose()
  } finally {
    server.close()
  }
})
