import { createTestClock, seededRandom } from '@comfy-balancer/testkit'
import { http } from 'msw'
import { describe, expect, it } from 'vitest'
import { createLoadBalancer } from '../index.js'
import { redactHeaders, redactText, redactUrl } from '../util/redact.js'
import { captureLogger, useMsw } from './harness.js'

const msw = useMsw()

const SECRETS = ['hunter2', 'sup3r-secret-token', 'q-token-123', 'h3ader-key']

describe('credentials never leak', () => {
  it('redacts URLs, free text and headers', () => {
    expect(redactUrl('http://alice:hunter2@a.test:8188/x?token=abc&keep=1')).toBe(
      'http://***:***@a.test:8188/x?token=***&keep=1',
    )
    expect(redactText('GET http://u:p@h.test/ failed, Authorization: Bearer abc.def')).toBe(
      'GET http://***:***@h.test/ failed, Authorization: Bearer ***',
    )
    expect(redactHeaders({ Authorization: 'Basic eA==', 'X-Trace': '1' })).toEqual({
      Authorization: '***',
      'X-Trace': '1',
    })
  })

  it('sends credentials to the server but keeps them out of logs, events, errors and snapshots', async () => {
    const clock = createTestClock()
    const cluster = msw.install(
      [
        { url: 'http://gpu-a.test:8188' },
        { url: 'http://gpu-b.test:8188' },
        { url: 'http://gpu-c.test:8188' },
      ],
      clock,
    )
    const seenAuth: string[] = []
    // use() puts this listener in front of the cluster's handlers; it answers nothing itself.
    msw.server.use(
      http.all('*', ({ request }) => {
        seenAuth.push(`${new URL(request.url).host} ${request.headers.get('authorization')}`)
      }),
    )
    const logger = captureLogger()
    const balancer = createLoadBalancer({
      config: {
        servers: [
          'http://alice:hunter2@gpu-a.test:8188',
          {
            url: 'http://gpu-b.test:8188?token=q-token-123',
            headers: { Authorization: 'Bearer sup3r-secret-token' },
          },
          { url: 'http://gpu-c.test:8188', headers: { 'X-Api-Key': 'h3ader-key' } },
        ],
      },
      clock,
      random: seededRandom(3),
      logger: { ...logger, isLevelEnabled: () => true },
    })
    const events: unknown[] = []
    for (const name of ['selected', 'health-changed', 'failover', 'error', 'config-changed'] as const) {
      balancer.on(name, (event) => events.push(event))
    }
    cluster.model('http://gpu-b.test:8188').setFault({ kind: 'http500' })
    cluster.model('http://gpu-c.test:8188').setFault({ kind: 'refuse' })
    await balancer.refresh()
    const lease = await balancer.acquire()
    balancer.recordFailure(
      lease.server,
      new Error(`POST ${lease.url}/prompt failed with Bearer sup3r-secret-token`),
    )
    await balancer.getOptimalServer().catch(() => undefined)
    const errors: string[] = []
    try {
      balancer.recordFailure('http://alice:hunter2@nope.test', 'x')
    } catch (error) {
      errors.push((error as Error).message)
    }

    expect(seenAuth).toContain(`gpu-a.test:8188 Basic ${btoa('alice:hunter2')}`)
    expect(seenAuth).toContain('gpu-b.test:8188 Bearer sup3r-secret-token')
    expect(lease.url).toBe('http://alice:hunter2@gpu-a.test:8188')

    const everything = JSON.stringify({
      log: logger.lines,
      events: events.map((e) =>
        JSON.parse(JSON.stringify(e, (_k, v) => (v instanceof Error ? v.message : v))),
      ),
      snapshot: balancer.getSnapshot(),
      stats: balancer.getServerStats(),
      errors,
    })
    expect(logger.lines.length).toBeGreaterThan(3)
    for (const secret of SECRETS) expect(everything).not.toContain(secret)
    expect(everything).toContain('http://***:***@gpu-a.test:8188')
  })
})
