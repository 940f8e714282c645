import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import {
  type BalancerConfigInput,
  ConfigLoadError,
  type ConfigSource,
  ConfigValidationError,
  createLoadBalancer,
} from '../index.js'
import { captureLogger, FOUR, useMsw } from './harness.js'

const msw = useMsw()

/** A config source held in memory: the simplest real implementation of the contract. */
function memorySource(
  initial: unknown,
): ConfigSource & { set(next: unknown): void; fail(message: string): void } {
  let current: unknown = initial
  let failure: string | undefined
  const listeners = new Set<(next?: BalancerConfigInput) => void>()
  return {
    name: 'memory',
    async load() {
      if (failure) throw new Error(failure)
      return current as BalancerConfigInput
    },
    subscribe(onChange) {
      listeners.add(onChange)
      return () => listeners.delete(onChange)
    },
    set(next) {
      current = next
      failure = undefined
      for (const listener of listeners) listener()
    },
    fail(message) {
      failure = message
      for (const listener of listeners) listener()
    },
  }
}

function setup(initial: unknown) {
  const clock = createTestClock()
  const cluster = msw.install(
    FOUR.map((url) => ({ url })),
    clock,
  )
  const source = memorySource(initial)
  const logger = captureLogger()
  const balancer = createLoadBalancer({ source, clock, logger })
  return { clock, cluster, source, balancer, logger }
}

describe('config from a source', () => {
  it('loads on first use', async () => {
    const { balancer } = setup({ servers: FOUR.slice(0, 2) })
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
  })

  it('applies changes in place, keeping what it knows about unchanged servers', async () => {
    const { balancer, source, clock } = setup({ servers: FOUR.slice(0, 3) })
    await balancer.refresh()
    balancer.recordFailure(FOUR[0]!, 'bad job')
    const before = balancer.getSnapshot().servers
    const diffs: unknown[] = []
    balancer.on('config-changed', (diff) => diffs.push(diff))
    source.set({ servers: [FOUR[0], { url: FOUR[1], name: 'renamed' }, FOUR[3]] })
    await clock.flush()
    expect(diffs).toEqual([
      {
        added: ['gpu-d.test:8188'],
        removed: ['gpu-c.test:8188'],
        changed: ['gpu-b.test:8188'],
        settings: [],
      },
    ])
    const after = balancer.getSnapshot().servers
    expect(after[0]?.health).toBe('unhealthy')
    expect(after[0]?.failures).toEqual(before[0]?.failures)
    expect(after[1]).toMatchObject({ name: 'renamed', health: 'healthy', checkedAt: before[1]?.checkedAt })
    // The added server is probed right away, before it can be chosen.
    expect(after[2]?.health).toBe('healthy')
    // Reloading the same config changes nothing and says nothing; a settings change says which.
    const same = { servers: [FOUR[0], { url: FOUR[1], name: 'renamed' }, FOUR[3]] }
    source.set(same)
    await clock.flush()
    expect(diffs).toHaveLength(1)
    source.set({ ...same, autoSwitch: false, probe: { cacheMs: 5 } })
    await clock.flush()
    expect(diffs[1]).toEqual({
      added: [],
      removed: [],
      changed: [],
      settings: ['autoSwitch', 'probe.cacheMs'],
    })
  })

  it('keeps the last good config when a load is invalid or fails, and says why', async () => {
    const { balancer, source, clock } = setup({ servers: FOUR.slice(0, 2) })
    await balancer.ready()
    const errors: unknown[] = []
    balancer.on('error', (event) => errors.push(event.error))
    source.set({ servers: ['http://alice:pw-secret@x.test', 'not-a-url'] })
    await clock.flush()
    source.fail('connection to database refused (postgres://app:db-secret@db.test/app)')
    await clock.flush()
    expect(errors[0]).toBeInstanceOf(ConfigValidationError)
    expect((errors[0] as ConfigValidationError).source).toBe('memory')
    expect(errors[1]).toBeInstanceOf(ConfigLoadError)
    expect((errors[1] as Error).message).toMatch(/Could not load comfy-balancer config from memory/)
    const text = JSON.stringify(errors.map((e) => (e as Error).message))
    expect(text).not.toContain('pw-secret')
    expect(text).not.toContain('db-secret')
    expect(balancer.getSnapshot().servers.map((s) => s.id)).toEqual(['gpu-a.test:8188', 'gpu-b.test:8188'])
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
  })

  it('rejects with a typed error when the first load fails, and retries on the next call', async () => {
    const { balancer, source } = setup({ servers: FOUR.slice(0, 1) })
    source.fail('db down')
    await expect(balancer.getOptimalServer()).rejects.toBeInstanceOf(ConfigLoadError)
    source.set({ servers: FOUR.slice(0, 1) })
    expect(await balancer.getOptimalServer()).toBe(FOUR[0])
  })

  it('refresh() on a source whose first load fails rejects with the typed error and nothing else', async () => {
    // A refresh is shared by the callers that wait for every answer and those that wait only for the
    // servers still in; a failed load must reach whichever asked, and no one else as unhandled.
    const { balancer, source } = setup({ servers: FOUR.slice(0, 1) })
    source.fail('db down')
    await expect(balancer.refresh()).rejects.toBeInstanceOf(ConfigLoadError)
    await new Promise((resolve) => setImmediate(resolve))
    source.set({ servers: FOUR.slice(0, 1) })
    await expect(balancer.refresh()).resolves.toMatchObject({ servers: [{ health: 'healthy' }] })
  })

  it('applies updateConfig() in place and rejects bad input without changing anything', async () => {
    const { balancer } = setup({ servers: FOUR.slice(0, 2) })
    await balancer.refresh()
    expect(() => balancer.updateConfig({ servers: [] })).toThrow(ConfigValidationError)
    expect(balancer.getSnapshot().servers).toHaveLength(2)
    expect(balancer.updateConfig({ servers: FOUR.slice(1, 2) })).toEqual({
      added: [],
      removed: ['gpu-a.test:8188'],
      // It moved up to priority 0: it is the primary now.
      changed: ['gpu-b.test:8188'],
      settings: [],
    })
    expect(balancer.getSnapshot().primaryId).toBe('gpu-b.test:8188')
    expect(await balancer.getOptimalServer()).toBe(FOUR[1])
  })
})
