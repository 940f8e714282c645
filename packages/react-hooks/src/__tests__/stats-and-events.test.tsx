import type { BalancerEvents, ServerStats } from '@comfy-balancer/core'
import { act, renderHook } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { useBalancerEvent, useBalancerSnapshot, useServerStats } from '../index.js'
import { A, B, harness, idOf, installMsw, work, wrapperFor } from './harness.js'

installMsw()

describe('useServerStats', () => {
  it('gives every server’s stats, kept current', async () => {
    const h = harness()
    const { result } = renderHook(() => useServerStats(), { wrapper: wrapperFor(h) })
    expect(result.current.map((s) => s.health)).toEqual(['unknown', 'unknown'])
    await h.settle()
    expect(result.current).toEqual(h.balancer.getServerStats())
    h.cluster.model(B).submit({ prompt: work(600_000) })
    await h.advance(15_000)
    expect(result.current[1]).toMatchObject({ id: idOf(B), queue: 1, healthy: true })
  })

  it('re-renders only when a row changed, and keeps the same array otherwise', async () => {
    const h = harness()
    const seen: (readonly ServerStats[])[] = []
    renderHook(
      () => {
        const stats = useServerStats()
        seen.push(stats)
        return stats
      },
      { wrapper: wrapperFor(h, false) },
    )
    await act(() => h.balancer.refresh())
    const settled = seen.length
    await act(() => h.balancer.refresh()) // nothing changed but the snapshot's refresh flags
    expect(seen.length).toBe(settled)
    act(() => h.balancer.recordFailure(A, 'boom'))
    await h.settle()
    expect(seen.length).toBe(settled + 1)
    expect(seen[seen.length - 1]?.[0]?.lastFailure?.reason).toBe('boom')
  })
})

describe('useBalancerSnapshot', () => {
  it('returns the whole snapshot, or an equal-by-comparator selection that keeps its identity', async () => {
    const h = harness()
    const { result } = renderHook(
      () => ({
        snapshot: useBalancerSnapshot(),
        healthy: useBalancerSnapshot(
          (s) => s.servers.filter((server) => server.health === 'healthy').map((server) => server.id),
          (a, b) => a.join() === b.join(),
        ),
      }),
      { wrapper: wrapperFor(h, false) },
    )
    expect(result.current.snapshot).toBe(h.balancer.getSnapshot())
    await act(() => h.balancer.refresh())
    const healthy = result.current.healthy
    expect(healthy).toEqual([idOf(A), idOf(B)])
    await act(() => h.balancer.refresh())
    expect(result.current.snapshot).toBe(h.balancer.getSnapshot())
    expect(result.current.healthy).toBe(healthy)
  })
})

describe('useBalancerEvent', () => {
  it('calls the latest handler for each event, and stops listening on unmount', async () => {
    const h = harness()
    const first = vi.fn()
    const second = vi.fn()
    const { rerender, unmount } = renderHook(
      ({ handler }: { handler: (e: BalancerEvents['health-changed']) => void }) =>
        useBalancerEvent('health-changed', handler),
      { wrapper: wrapperFor(h), initialProps: { handler: first } },
    )
    await h.settle()
    expect(first.mock.calls.map(([e]) => `${e.server.id} ${e.previous}->${e.health}`)).toEqual([
      `${idOf(A)} unknown->healthy`,
      `${idOf(B)} unknown->healthy`,
    ])
    rerender({ handler: second })
    act(() => h.balancer.recordFailure(B, 'gone'))
    expect(second).toHaveBeenCalledTimes(1)
    expect(first).toHaveBeenCalledTimes(2)
    unmount()
    h.balancer.recordFailure(A, 'gone too')
    expect(second).toHaveBeenCalledTimes(1)
  })

  it('hears failovers', async () => {
    const h = harness()
    const failovers = vi.fn()
    renderHook(() => useBalancerEvent('failover', failovers), { wrapper: wrapperFor(h) })
    await h.settle()
    expect(await h.balancer.getOptimalServer()).toBe(A)
    h.balancer.recordFailure(A, 'ECONNRESET')
    expect(await h.balancer.getOptimalServer()).toBe(B)
    expect(failovers).toHaveBeenCalledTimes(1)
    expect(failovers.mock.calls[0]?.[0]).toMatchObject({ from: { id: idOf(A) }, to: { id: idOf(B) } })
  })
})
