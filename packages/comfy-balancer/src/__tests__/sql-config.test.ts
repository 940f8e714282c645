import { createTestClock, seededRandom } from '@comfy-balancer/testkit'
import { useMswCluster } from '@comfy-balancer/testkit/msw'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ComfyUILoadBalancer, schemaSql, seedSql, silentLogger, sqlConfig, sqliteQuery } from '../index.js'

const [A, B] = ['http://primary.test:8188', 'http://backup-1.test:8188']
const msw = useMswCluster()

describe("the README's system_config example", () => {
  it('reads the original table from a real SQLite, and picks up a backup added while it runs', async () => {
    const clock = createTestClock()
    msw.install([{ url: A }, { url: B }], clock)
    const db = new Database(':memory:')
    db.exec(schemaSql.sqlite)
    db.exec(seedSql.sqlite)
    const update = db.prepare('UPDATE system_config SET config_value = ? WHERE config_key = ?')
    update.run(A, 'comfyui.server_url')

    const loadBalancer = new ComfyUILoadBalancer({
      source: sqlConfig({ query: sqliteQuery(db), pollMs: 5_000, clock }),
      clock,
      random: seededRandom(1),
      logger: silentLogger,
    })
    expect(await loadBalancer.getOptimalServer()).toBe(A)

    const added: string[][] = []
    loadBalancer.balancer.on('config-changed', (diff) => added.push([...diff.added]))
    update.run(B, 'comfyui.backup_servers')
    await clock.advance(5_000)
    expect(added).toEqual([['backup-1.test:8188']])
    expect(loadBalancer.getServerStats().map((stats) => stats.id)).toEqual([
      'primary.test:8188',
      'backup-1.test:8188',
    ])
    loadBalancer.balancer.dispose()
    db.close()
  })
})
