import { createTestClock } from '@comfy-balancer/testkit'
import { describeStateStore } from '@comfy-balancer/testkit/conformance'
import { describe, expect, it } from 'vitest'
import { createMemoryStateStore, type StateStore, silentLogger } from '../index.js'

const clock = createTestClock()

describeStateStore('memory', {
  create: () => createMemoryStateStore({ clock, logger: silentLogger }),
  advance: (ms) => clock.advance(ms),
  now: () => clock.now(),
})

describe('createMemoryStateStore', () => {
  it('shares state between balancers given the same instance and reports `until` on its clock', async () => {
    const store: StateStore = createMemoryStateStore({ clock, logger: silentLogger })
    expect(await store.tryLock({ serverId: 'gpu-a', ownerId: 'one', ttlMs: 30_000 })).toBe(true)
    expect(await store.readLock()).toEqual({ serverId: 'gpu-a', ownerId: 'one', until: clock.now() + 30_000 })
    await store.setMark(
      { serverId: 'gpu-a', kind: 'failed', reason: 'HTTP 503', ownerId: 'one', at: 5 },
      1_000,
    )
    expect((await store.readMarks())[0]?.until).toBe(clock.now() + 1_000)
    await store.dispose()
  })

  it('renews an in-flight count on every change, so a busy owner never lapses mid-burst', async () => {
    const store = createMemoryStateStore({ clock, logger: silentLogger })
    await store.addInFlight('gpu-a', 'one', 1, 1_000)
    await clock.advance(900)
    await store.addInFlight('gpu-a', 'one', 1, 1_000)
    await clock.advance(900)
    expect(await store.readInFlight()).toEqual({ 'gpu-a': 2 })
    await clock.advance(100)
    expect(await store.readInFlight()).toEqual({})
    await store.dispose()
  })

  it('hands listeners copies: a subscriber cannot change what others read', async () => {
    const store = createMemoryStateStore({ clock, logger: silentLogger })
    const heard: Array<{ reason?: string }> = []
    store.subscribeProbes((record) => heard.push(record))
    const record = {
      serverId: 'gpu-a',
      ownerId: 'one',
      startedAt: 1,
      at: 2,
      health: 'unhealthy',
      queue: 'unknown',
      reason: 'down',
    } as const
    await store.publishProbe(record, 1_000)
    await clock.flush()
    ;(heard[0] as { reason?: string }).reason = 'tampered'
    expect((await store.readProbes())[0]?.reason).toBe('down')
    await store.dispose()
  })
})
