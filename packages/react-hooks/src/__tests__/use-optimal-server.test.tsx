import type { Strategy } from '@comfy-balancer/core'
import { act, render, renderHook, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { useOptimalServer } from '../index.js'
import { A, B, C, harness, idOf, installMsw, work, wrapperFor } from './harness.js'

installMsw()

function Best({ onRender }: { onRender: (status: string, id: string | undefined) => void }) {
  const { server, status } = useOptimalServer()
  onRender(status, server?.id)
  return <p>{server?.name ?? '…'}</p>
}

describe('useOptimalServer', () => {
  it('is pending until the first probe round, then names the best server and its URL', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    expect(result.current).toMatchObject({ status: 'pending', url: undefined, server: undefined })
    await h.settle()
    expect(result.current.status).toBe('ready')
    expect(result.current.url).toBe(A)
    expect(result.current.server?.id).toBe(idOf(A))
    expect(result.current.error).toBeUndefined()
  })

  it('starts a first probe round itself when nothing probes in the background', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h, false) })
    await h.settle()
    expect(result.current.status).toBe('ready')
    expect(h.balancer.getSnapshot().running).toBe(false)
    expect(h.clock.pendingTimers()).toBe(0)
  })

  it('follows a failover to the next server and back when the first recovers', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    await h.settle()
    expect(result.current.url).toBe(A)

    h.cluster.model(A).setFault({ kind: 'refuse' })
    await h.advance(15_000) // the next background round finds A down
    expect(result.current.url).toBe(B)
    expect(result.current.server?.id).toBe(idOf(B))

    h.cluster.model(A).setFault(undefined)
    await h.advance(1_000) // the first recovery probe, 1 s later, re-admits A
    expect(result.current.url).toBe(A)
  })

  it('re-renders only when the choice changes, not on every probe or queue change', async () => {
    const h = harness({ servers: [A, B, C] })
    const renders = vi.fn()
    render(<Best onRender={renders} />, { wrapper: wrapperFor(h) })
    await h.settle()
    renders.mockClear()

    h.cluster.model(B).submit({ prompt: work(600_000) }) // B and C get busier; A stays the best
    h.cluster.model(C).submit({ prompt: work(600_000) })
    for (let round = 0; round < 4; round++) await h.advance(15_000)
    expect(h.balancer.getSnapshot().servers[1]?.queue).toMatchObject({ known: true, running: 1 })
    expect(renders).not.toHaveBeenCalled()

    h.cluster.model(A).submit({ prompt: work(600_000) })
    h.cluster.model(A).submit({ prompt: work(600_000) })
    await h.advance(15_000) // now A has the longest queue
    expect(renders.mock.calls).toEqual([['ready', idOf(B)]])
    expect(screen.getByText(idOf(B))).toBeTruthy()
  })

  it('never counts the servers it shows as jobs in flight', async () => {
    const h = harness()
    const { result, rerender } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    await h.settle()
    for (let i = 0; i < 20; i++) rerender()
    expect(result.current.url).toBe(A)
    expect(h.balancer.getSnapshot().servers.map((s) => s.inFlight)).toEqual([0, 0])
  })

  it('respects per-job hints', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer({ job: { exclude: [idOf(A)] } }), {
      wrapper: wrapperFor(h),
    })
    await h.settle()
    expect(result.current.url).toBe(B)
  })

  it('shows the locked server while a selection lock holds, as the balancer would choose', async () => {
    // A sticky strategy (the seed's 30 s lock) that happened to pick B.
    const lastWithLock: Strategy = { name: 'last', lockTtlMs: 30_000, select: (c) => c[c.length - 1] }
    const h = harness({ strategy: lastWithLock })
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    await h.settle()
    expect(result.current.url).toBe(A) // nothing locked yet: fewest prompts ahead, ties to the primary
    const lease = await act(() => h.balancer.acquire())
    lease.release()
    expect(lease.server.id).toBe(idOf(B))
    expect(result.current.url).toBe(B)
    await h.advance(15_000)
    expect(result.current.url).toBe(B)
    await h.advance(15_000) // the lock lapsed: the next round shows the min-queue choice again
    expect(result.current.url).toBe(A)
  })

  it('falls back to the primary when no server is healthy, as the balancer does', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    await h.settle()
    act(() => {
      h.balancer.recordFailure(A, 'down')
      h.balancer.recordFailure(B, 'down')
    })
    await h.settle()
    expect(result.current.status).toBe('ready')
    expect(result.current.server).toMatchObject({ id: idOf(A), health: 'unhealthy' })
  })

  it('gives the real URL in `url` and the redacted one in `server.url`', async () => {
    const h = harness({ servers: ['http://user:secret@gpu-a.test:8188'], clusterUrls: [A] })
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h) })
    await h.settle()
    expect(result.current.url).toBe('http://user:secret@gpu-a.test:8188')
    expect(result.current.server?.url).not.toContain('secret')
  })

  it('reports a failed refresh as status "error", and recovers on the next good one', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h, false) })
    await h.settle()
    const refresh = vi.spyOn(h.balancer, 'refresh').mockRejectedValueOnce(new Error('config load failed'))
    await act(() => result.current.refresh())
    expect(result.current.status).toBe('error')
    expect((result.current.error as Error).message).toBe('config load failed')
    refresh.mockRestore()
    await act(() => result.current.refresh())
    expect(result.current).toMatchObject({ status: 'ready', error: undefined, url: A })
  })

  it('turns a disposed balancer into status "error", not a crash', async () => {
    const h = harness()
    const { result } = renderHook(() => useOptimalServer(), { wrapper: wrapperFor(h, false) })
    await h.settle()
    h.balancer.dispose()
    await act(() => result.current.refresh())
    expect(result.current.status).toBe('error')
    expect(result.current.error).toMatchObject({ code: 'DISPOSED' })
  })
})
