import { type ConfigValidationError, parseConfig } from '@comfy-balancer/core'
import { describeConfigSource } from '@comfy-balancer/testkit/conformance'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FOUR, rejectionOf, runBalancer, useMsw } from '../../__tests__/helpers.js'
import { envConfig } from '../index.js'

useMsw()

const envs = new WeakMap<object, Record<string, string>>()

describeConfigSource('envConfig', {
  subscribes: false,
  parse: parseConfig,
  create(initial) {
    const [primary, ...backups] = initial.servers
    const env: Record<string, string> = {
      COMFYUI_SERVER_URL: primary!,
      COMFYUI_BACKUP_SERVERS: backups.join(','),
    }
    const source = envConfig({ env })
    envs.set(source, env)
    return source
  },
  // The env object is read at each load, so a changed value shows on the next load (no subscribe).
  change(source, next) {
    const [primary, ...backups] = next.servers
    Object.assign(envs.get(source)!, {
      COMFYUI_SERVER_URL: primary,
      COMFYUI_BACKUP_SERVERS: backups.join('\n'),
    })
  },
  breakIt(source) {
    envs.get(source)!.COMFYUI_AUTO_SWITCH = 'sometimes'
  },
})

describe('envConfig', () => {
  afterEach(() => vi.unstubAllEnvs())

  it('reads the original design’s keys from process.env by default', async () => {
    vi.stubEnv('COMFYUI_SERVER_URL', 'http://a.test:8188')
    vi.stubEnv('COMFYUI_BACKUP_SERVERS', ' http://b.test:8188 , http://c.test:8188\nhttp://d.test:8188,')
    vi.stubEnv('COMFYUI_AUTO_SWITCH', 'false')
    const source = envConfig()
    expect(source.name).toBe('env:COMFYUI_')
    expect(await source.load()).toEqual({
      servers: ['http://a.test:8188', 'http://b.test:8188', 'http://c.test:8188', 'http://d.test:8188'],
      autoSwitch: false,
    })
  })

  it('reads timing keys, a JSON server list that wins, and LOCK_MS as an extra', async () => {
    const source = envConfig({
      env: {
        COMFYUI_SERVER_URL: 'http://ignored.test:8188',
        COMFYUI_SERVERS: JSON.stringify([
          { url: 'http://a.test:8188', headers: { 'X-Api-Key': 'k' } },
          'http://b.test',
        ]),
        COMFYUI_PROBE_INTERVAL_MS: '30000',
        COMFYUI_HEALTH_TIMEOUT_MS: '2000',
        COMFYUI_QUEUE_TIMEOUT_MS: '1000',
        COMFYUI_CACHE_MS: '0',
        COMFYUI_LOCK_MS: '0',
        OTHER_SERVER_URL: 'http://not-ours.test',
      },
    })
    expect(await source.load()).toEqual({
      servers: [{ url: 'http://a.test:8188', headers: { 'X-Api-Key': 'k' } }, 'http://b.test'],
      probe: { intervalMs: 30_000, healthTimeoutMs: 2_000, queueTimeoutMs: 1_000, cacheMs: 0 },
    })
    expect(source.extras).toEqual({ lockMs: 0 })
  })

  it('works with Vite’s import.meta.env and never touches process when env is given', async () => {
    // What Vite hands the browser: prefixed strings plus its own booleans.
    const viteEnv = {
      VITE_COMFYUI_SERVER_URL: 'http://a.test:8188',
      VITE_COMFYUI_AUTO_SWITCH: true,
      DEV: true,
      MODE: 'x',
    }
    vi.stubGlobal('process', undefined)
    try {
      const source = envConfig({ env: viteEnv, prefix: 'VITE_COMFYUI_' })
      expect(source.name).toBe('env:VITE_COMFYUI_')
      expect(await source.load()).toEqual({ servers: ['http://a.test:8188'], autoSwitch: true })
      // With neither env nor process: a typed error saying what to pass.
      const error = await rejectionOf(envConfig().load())
      expect(error.code).toBe('CONFIG_LOAD_FAILED')
      expect(error.message).toContain('pass `env` (in Vite: `env: import.meta.env`)')
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('names the variable, the value and what was expected', async () => {
    const error = (await rejectionOf(
      envConfig({
        env: {
          COMFYUI_SERVER_URL: 'localhost:8188',
          COMFYUI_BACKUP_SERVERS: 'http://b.test,,http://token:t0ken@c.test?token=abc,http://b.test',
          COMFYUI_AUTO_SWITCH: 'maybe',
          COMFYUI_PROBE_INTERVAL_MS: '15s',
        },
      }).load(),
    )) as unknown as ConfigValidationError
    expect(error.source).toBe('env:COMFYUI_')
    expect(error.issues).toEqual([
      {
        path: 'COMFYUI_SERVER_URL',
        message: 'expected an absolute http(s) URL such as http://127.0.0.1:8188',
        received: '"localhost:8188"',
      },
      {
        path: 'COMFYUI_AUTO_SWITCH',
        message: 'expected a boolean: true, false, 1 or 0 (yes/no and on/off work too)',
        received: '"maybe"',
      },
      {
        path: 'COMFYUI_PROBE_INTERVAL_MS',
        message: 'expected a whole number of milliseconds (0 to 86400000), e.g. 15000',
        received: '"15s"',
      },
    ])
  })

  it('reports a duplicate under the entry that repeats, and keeps credentials out', async () => {
    const error = (await rejectionOf(
      envConfig({
        env: {
          COMFYUI_SERVER_URL: 'http://a.test:8188',
          COMFYUI_BACKUP_SERVERS: 'http://b.test,,http://user:pw-secret@a.test:8188',
        },
      }).load(),
    )) as unknown as ConfigValidationError
    expect(error.issues).toEqual([
      {
        path: 'COMFYUI_BACKUP_SERVERS (entry 3)',
        message:
          'duplicate server id "a.test:8188" (also COMFYUI_SERVER_URL); give each server a distinct id',
      },
    ])
    expect(error.message).not.toContain('pw-secret')
  })

  it('asks for COMFYUI_SERVER_URL when nothing is set', async () => {
    const error = (await rejectionOf(envConfig({ env: {} }).load())) as unknown as ConfigValidationError
    expect(error.issues[0]?.path).toBe('COMFYUI_SERVER_URL')
  })

  it('has no subscribe: environment variables do not change under a running process', () => {
    expect(envConfig({ env: {} }).subscribe).toBeUndefined()
  })

  it('drives a balancer', async () => {
    const { balancer } = runBalancer(() =>
      envConfig({ env: { COMFYUI_SERVER_URL: FOUR[0]!, COMFYUI_BACKUP_SERVERS: FOUR[1]! } }),
    )
    await balancer.refresh()
    expect(balancer.getSnapshot().servers.map((s) => [s.id, s.priority, s.health])).toEqual([
      ['gpu-a.test:8188', 0, 'healthy'],
      ['gpu-b.test:8188', 1, 'healthy'],
    ])
    balancer.dispose()
  })
})
