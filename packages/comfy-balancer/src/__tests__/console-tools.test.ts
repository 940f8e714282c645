import { useMswCluster } from '@comfy-balancer/testkit/msw'
import { describe, expect, it } from 'vitest'
import { type ConsoleTools, createComfyBalancer, installConsoleTools, silentLogger } from '../index.js'

const msw = useMswCluster()

const URLS = ['http://alice:pw@primary.test:8188', 'http://backup.test:8188']

describe('installConsoleTools', () => {
  it('gives the page the original console helpers, each printing a table without secrets', async () => {
    const cluster = msw.install([{ url: 'http://primary.test:8188' }, { url: 'http://backup.test:8188' }])
    const clock = cluster.clock
    const balancer = createComfyBalancer({ config: { servers: URLS }, clock, logger: silentLogger })
    const printed: unknown[] = []
    const printer = {
      log: (...args: unknown[]) => printed.push(args.join(' ')),
      table: (data: unknown) => printed.push(data),
    }
    const page = {} as ConsoleTools
    const remove = installConsoleTools(page, balancer, printer)

    const tested = await page.testLoadBalancer()
    expect(tested.optimal).toBe(URLS[0])
    expect(tested.stats.map((s) => s.healthy)).toEqual([true, true])
    expect(printed[0]).toEqual([
      expect.objectContaining({ id: 'primary.test:8188', health: 'healthy', queue: 0 }),
      expect.objectContaining({ id: 'backup.test:8188', health: 'healthy', queue: 0 }),
    ])
    expect(printed[1]).toBe('optimal server: primary.test:8188 (http://***:***@primary.test:8188)')

    cluster.model('http://primary.test:8188').setFault({ kind: 'refuse' })
    const failover = await page.testServerFailover()
    expect(failover).toEqual({ failed: 'primary.test:8188', next: URLS[1] })
    expect(page.loadBalancer.getServerStats()[0]?.healthy).toBe(false)
    expect(await page.loadBalancer.getOptimalServer()).toBe(URLS[1])
    expect(JSON.stringify(printed)).not.toContain('pw@')

    remove()
    expect('testLoadBalancer' in page).toBe(false)
  })
})
