import { describe, expect, it } from 'vitest'
import {
  ComfyBalancerError,
  ConfigValidationError,
  createLoadBalancer,
  InvalidArgumentError,
  parseConfig,
} from '../index.js'

function issuesOf(input: unknown): { path: string; message: string; received?: string }[] {
  try {
    parseConfig(input)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError)
    return [...(error as ConfigValidationError).issues]
  }
  throw new Error('expected the config to be rejected')
}

describe('parseConfig', () => {
  it('fills the original design defaults for a list of URLs', () => {
    const config = parseConfig({ servers: ['http://10.0.0.1:8188/', 'https://gpu.example.com/comfy'] })
    expect(config.autoSwitch).toBe(true)
    expect(config.fallback).toBe('primary')
    expect(config.probe).toEqual({
      cacheMs: 15_000,
      intervalMs: 15_000,
      healthTimeoutMs: 10_000,
      queueTimeoutMs: 5_000,
      queueMode: 'auto',
      jitter: 0.1,
      recoveryBaseMs: 1_000,
      recoveryMaxMs: 5_000,
      unhealthyAfter: 2,
      healthyAfter: 2,
      capabilities: true,
      objectInfoTimeoutMs: 60_000,
      objectInfoMaxBytes: 268_435_456,
    })
    expect(config.servers.map((s) => [s.id, s.url, s.priority, s.weight])).toEqual([
      ['10.0.0.1:8188', 'http://10.0.0.1:8188', 0, 1],
      ['gpu.example.com/comfy', 'https://gpu.example.com/comfy', 1, 1],
    ])
  })

  it('keeps server objects as given and derives ids without credentials', () => {
    const config = parseConfig({
      servers: [
        { url: 'http://user:pw@a.test:8188', name: 'A100', weight: 2, tags: ['sdxl'], maxQueue: 4 },
        { url: 'http://b.test:8188', id: 'b', priority: 0, headers: { Authorization: 'Bearer x' } },
      ],
      autoSwitch: false,
      fallback: 'error',
      probe: { queueMode: 'queue', cacheMs: 1000 },
    })
    expect(config.servers[0]).toMatchObject({
      id: 'a.test:8188',
      name: 'A100',
      weight: 2,
      priority: 0,
      maxQueue: 4,
    })
    expect(config.servers[1]).toMatchObject({ id: 'b', name: 'b', priority: 0 })
    expect(config.probe.queueMode).toBe('queue')
    expect(config.probe.cacheMs).toBe(1000)
    expect(config.probe.healthTimeoutMs).toBe(10_000)
  })

  it('rejects an empty list, naming the field', () => {
    expect(issuesOf({ servers: [] })).toEqual([
      { path: 'servers', message: 'expected at least one server', received: '[]' },
    ])
  })

  it('lists every bad field with its path, what it got and what it expected', () => {
    const issues = issuesOf({
      servers: ['ftp://files.test', { url: 'http://ok.test', weight: -1 }, { url: 'not a url' }, 42],
      autoSwitch: 'yes',
      probe: { jitter: 3 },
    })
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]))
    expect(byPath['servers.0']?.message).toMatch(/http\(s\) URL/)
    expect(byPath['servers.0']?.received).toBe('"ftp://files.test"')
    expect(byPath['servers.1.weight']?.message).toMatch(/weight ≥ 0/)
    expect(byPath['servers.2.url']?.message).toMatch(/http\(s\) URL/)
    expect(byPath['servers.3']?.message).toMatch(/URL string or an object/)
    expect(byPath.autoSwitch?.message).toMatch(/true or false/)
    expect(byPath['probe.jitter']?.message).toMatch(/between 0 and 0.5/)
  })

  it('refuses a URL that parses only by rewriting it: a backslash or whitespace inside', () => {
    // new URL('https://backup1.com\\nhttps://backup2.com') is https://backup1.com/nhttps://backup2.com.
    const issues = issuesOf({
      servers: ['https://backup1.com\\nhttps://backup2.com', { url: 'http://gpu\ta.test:8188' }],
    })
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]))
    expect(byPath['servers.0']?.message).toMatch(/without backslashes or whitespace/)
    expect(byPath['servers.1.url']?.message).toMatch(/without backslashes or whitespace/)
    expect(issues).toHaveLength(2)
  })

  it('takes a canary prompt or false, and names what is wrong with a bad one', () => {
    const canary = { '9': { class_type: 'MyTinyCheck', inputs: { seconds: 0 } } }
    expect(parseConfig({ servers: ['http://a:1'], outlier: { canary } }).outlier.canary).toEqual(canary)
    expect(parseConfig({ servers: ['http://a:1'], outlier: { canary: false } }).outlier.canary).toBe(false)
    for (const bad of [true, {}, { '1': { inputs: {} } }, { '1': { class_type: 'X' } }, 'EmptyImage']) {
      const issues = issuesOf({ servers: ['http://a:1'], outlier: { canary: bad } })
      expect(issues.map((issue) => issue.path)).toEqual([expect.stringMatching(/^outlier\.canary/)])
    }
    expect(issuesOf({ servers: ['http://a:1'], outlier: { canary: true } })[0]?.message).toMatch(
      /expected false or an API-format prompt/,
    )
    expect(issuesOf({ servers: ['http://a:1'], outlier: { canaryIntervalMs: 5 } })).toEqual([
      expect.objectContaining({ path: 'outlier.canaryIntervalMs', message: expect.stringMatching(/≥ 100/) }),
    ])
    expect(parseConfig({ servers: ['http://a:1'] }).jobs).toMatchObject({
      moveAfterMs: 15_000,
      lostAfterMs: 60_000,
    })
    expect(issuesOf({ servers: ['http://a:1'], jobs: { moveAfterMs: -1 } })[0]?.path).toBe('jobs.moveAfterMs')
    expect(issuesOf({ servers: ['http://a:1'], probe: { recoveryMaxMs: 1 } })[0]?.path).toBe(
      'probe.recoveryMaxMs',
    )
  })

  it('fills Envoy-like outlier defaults and checks the ejection times against each other', () => {
    expect(parseConfig({ servers: ['http://a:1'] }).outlier).toEqual({
      enabled: true,
      consecutiveErrors: 5,
      consecutiveConnectionFailures: 1,
      consecutiveJobFailures: 1,
      canary: {
        '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      },
      canaryIntervalMs: 5_000,
      baseEjectionMs: 30_000,
      maxEjectionMs: 300_000,
      maxEjectedShare: 0.1,
      panicThreshold: 0.5,
      stallAfterMs: 600_000,
      flapAfter: 3,
      flapWindowMs: 600_000,
    })
    expect(issuesOf({ servers: ['http://a:1'], outlier: { maxEjectionMs: 1_000 } })).toEqual([
      {
        path: 'outlier.maxEjectionMs',
        message: 'expected maxEjectionMs ≥ baseEjectionMs (30000)',
        received: '1000',
      },
    ])
    expect(
      issuesOf({ servers: ['http://a:1'], outlier: { panicThreshold: 2, consecutiveErrors: 0 } }),
    ).toEqual([
      expect.objectContaining({ path: 'outlier.consecutiveErrors' }),
      expect.objectContaining({
        path: 'outlier.panicThreshold',
        message: expect.stringContaining('between 0 and 1'),
      }),
    ])
  })

  it('rejects unknown keys so typos surface', () => {
    const issues = issuesOf({ servers: ['http://a.test'], autoswitch: true })
    expect(issues[0]?.message).toMatch(/autoswitch/)
  })

  it('rejects duplicate servers by id and by URL', () => {
    const issues = issuesOf({
      servers: [
        'http://a.test:8188',
        'http://A.test:8188/',
        { url: 'http://c.test', id: 'x' },
        { url: 'http://d.test', id: 'x' },
      ],
    })
    expect(issues.map((issue) => issue.path)).toEqual(['servers.1', 'servers.3'])
    expect(issues[0]?.message).toMatch(/duplicate server id "a.test:8188"/)
    expect(issues[1]?.message).toMatch(/duplicate server id "x"/)
  })

  it('rejects wrong types for the whole input', () => {
    expect(issuesOf(null)[0]?.path).toBe('')
    expect(issuesOf({ servers: 'http://a.test' })[0]?.message).toMatch(/list of URLs/)
  })

  it('never puts credentials or header values into the error', () => {
    let message = ''
    try {
      parseConfig({
        servers: [
          {
            url: 'http://alice:hunter2@a.test',
            headers: { Authorization: 'Bearer s3cret-token' },
            weight: -5,
          },
          'http://bob:pa55@b.test?token=abc123&x=1',
          { url: 'http://c.test', headers: { 'X-Api-Key': 42 } },
        ],
      })
    } catch (error) {
      message = (error as Error).message + JSON.stringify((error as ConfigValidationError).issues)
    }
    expect(message).toContain('servers.0.weight')
    expect(message).toContain('servers.2.headers')
    for (const secret of ['hunter2', 's3cret-token', 'pa55', 'abc123']) expect(message).not.toContain(secret)
  })

  it('makes createLoadBalancer throw before anything starts', () => {
    expect(() => createLoadBalancer({ config: { servers: [] } })).toThrow(ConfigValidationError)
    try {
      createLoadBalancer({ config: { servers: ['x'] } })
    } catch (error) {
      expect(ComfyBalancerError.isInstance(error)).toBe(true)
      expect((error as ComfyBalancerError).code).toBe('CONFIG_INVALID')
      expect((error as Error).message).toMatch(/servers\.0: expected an absolute http\(s\) URL/)
    }
  })

  it('rejects late binding tuning that is out of range, naming the setting', () => {
    const config = { servers: ['http://127.0.0.1:8188'] }
    const bad = [
      [{ loadPressure: -1 }, /dispatch\.loadPressure must be a number ≥ 0; got -1/],
      [{ holdMargin: Number.NaN }, /dispatch\.holdMargin must be a share from 0 to 1; got NaN/],
      [{ holdMargin: 2 }, /dispatch\.holdMargin/],
      [{ maxPendingPerServer: 1.5 }, /dispatch\.maxPendingPerServer must be a whole number/],
      [{ tickMs: 0 }, /dispatch\.tickMs/],
      [{ modelAware: 'yes' as never }, /dispatch\.modelAware must be true or false; got "yes"/],
    ] as const
    for (const [dispatch, message] of bad) {
      expect(() => createLoadBalancer({ config, dispatch })).toThrow(InvalidArgumentError)
      expect(() => createLoadBalancer({ config, dispatch })).toThrow(message)
    }
    const balancer = createLoadBalancer({ config, dispatch: { loadPressure: 0, holdMargin: 1 } })
    balancer.dispose()
  })
})
