import type { Strategy } from '@comfy-balancer/core'
import { describe, expect, it, vi } from 'vitest'
import { isReadonly, ref, watch } from 'vue'
import { useLoadBalancer, useOptimalServer } from '../index.js'
import { A, B, C, harness, idOf, installMsw, mountWith, work } from './harness.js'

installMsw()

describe('useOptimalServer', () => {
  it('is pending until the first probe round, then names the best server and its URL', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useOptimalServer())
    expect(result.status.value).toBe('pending')
    expect(result.url.value).toBeUndefined()
    await h.settle()
    expect(result.status.value).toBe('ready')
    expect(result.url.value).toBe(A)
    expect(result.server.value?.id).toBe(idOf(A))
  })

  it('follows a failover to the next server and back when the first recovers', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useOptimalServer())
    await h.settle()
    h.cluster.model(A).setFault({ kind: 'refuse' })
    await h.advance(15_000)
    expect(result.url.value).toBe(B)
    h.cluster.model(A).setFault(undefined)
    await h.advance(1_000)
    expect(result.url.value).toBe(A)
  })

  it('changes its refs only when the choice changes, and never counts jobs in flight', async () => {
    const h = harness({ servers: [A, B, C] })
    const { result } = mountWith(h.balancer, () => useOptimalServer())
    await h.settle()
    const changes = vi.fn()
    mountWith(h.balancer, () => watch(result.server, (s) => changes(s?.id)))
    h.cluster.model(B).submit({ prompt: work(600_000) })
    h.cluster.model(C).submit({ prompt: work(600_000) })
    for (let round = 0; round < 4; round++) await h.advance(15_000)
    expect(changes).not.toHaveBeenCalled()
    h.cluster.model(A).submit({ prompt: work(600_000) })
    h.cluster.model(A).submit({ prompt: work(600_000) })
    await h.advance(15_000)
    expect(changes.mock.calls).toEqual([[idOf(B)]])
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0, 0])
  })

  it('follows reactive job hints', async () => {
    const h = harness()
    const job = ref<{ exclude: string[] } | undefined>(undefined)
    const { result } = mountWith(h.balancer, () => useOptimalServer({ job }))
    await h.settle()
    expect(result.url.value).toBe(A)
    job.value = { exclude: [idOf(A)] }
    await h.settle()
    expect(result.url.value).toBe(B)
  })

  it('shows the locked server while a selection lock holds', async () => {
    const lastWithLock: Strategy = { name: 'last', lockTtlMs: 30_000, select: (c) => c[c.length - 1] }
    const h = harness({ strategy: lastWithLock })
    const { result } = mountWith(h.balancer, () => useOptimalServer())
    await h.settle()
    expect(result.url.value).toBe(A)
    ;(await h.balancer.acquire()).release()
    await h.settle()
    expect(result.url.value).toBe(B)
    await h.advance(30_000)
    expect(result.url.value).toBe(A)
  })

  it('reports a failed refresh as status "error" and recovers on the next good one', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useOptimalServer(), { background: false })
    await h.settle()
    const refresh = vi.spyOn(h.balancer, 'refresh').mockRejectedValueOnce(new Error('config load failed'))
    await result.refresh()
    expect(result.status.value).toBe('error')
    expect((result.error.value as Error).message).toBe('config load failed')
    refresh.mockRestore()
    await result.refresh()
    expect(result.status.value).toBe('ready')
    expect(result.error.value).toBeUndefined()
  })
})

describe('useLoadBalancer', () => {
  it('gives servers, optimal and status as readonly refs kept current', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useLoadBalancer())
    for (const key of ['servers', 'optimal', 'status', 'error'] as const)
      expect(isReadonly(result[key])).toBe(true)
    expect(result.servers.value.map((s) => s.health)).toEqual(['unknown', 'unknown'])
    await h.settle()
    expect(result.servers.value).toEqual(h.balancer.getServerStats())
    expect(result.optimal.value?.id).toBe(idOf(A))
    expect(result.status.value).toBe('ready')

    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    ;(result.status as { value: string }).value = 'pending'
    expect(result.status.value).toBe('ready')
  })

  it('replaces `servers` only when a row changed', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useLoadBalancer(), { background: false })
    await h.settle()
    const before = result.servers.value
    await h.balancer.refresh()
    await h.settle()
    expect(result.servers.value).toBe(before)
    h.balancer.recordFailure(A, 'boom')
    await h.settle()
    expect(result.servers.value).not.toBe(before)
    expect(result.servers.value[0]?.lastFailure?.reason).toBe('boom')
  })

  it('testFailover() marks the optimal server failed, shows the next one, and the marked one comes back', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useLoadBalancer())
    await h.settle()
    const outcome = await result.testFailover()
    expect(outcome.failed.id).toBe(idOf(A))
    expect(outcome.next?.id).toBe(idOf(B))
    expect(result.optimal.value?.id).toBe(idOf(B)) // at once
    await h.settle()
    expect(result.servers.value[0]).toMatchObject({ healthy: false, consecutiveFailures: 1 })
    expect(result.servers.value[0]?.lastFailure?.reason).toMatch(/^testFailover\(\)/)
    await h.advance(1_000) // the recovery probe finds A up
    expect(result.optimal.value?.id).toBe(idOf(A))
    expect(result.servers.value[0]?.healthy).toBe(true)
  })

  it('testFailover() probes first when nothing was probed yet', async () => {
    const h = harness()
    const { result } = mountWith(h.balancer, () => useLoadBalancer(), { background: false })
    const outcome = await result.testFailover()
    expect([outcome.failed.id, outcome.next?.id]).toEqual([idOf(A), idOf(B)])
  })
})
