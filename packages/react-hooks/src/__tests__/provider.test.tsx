import { act, render, renderHook } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import {
  BalancerProvider,
  LoadBalancerStatus,
  MissingBalancerError,
  useBalancer,
  useBalancerEvent,
  useBalancerSnapshot,
  useJob,
  useOptimalServer,
  useServerStats,
} from '../index.js'
import { A, harness, installMsw } from './harness.js'

installMsw()

describe('BalancerProvider', () => {
  it('probes in the background while mounted and leaves no timer behind when unmounted', async () => {
    const h = harness()
    const view = render(
      <BalancerProvider balancer={h.balancer}>
        <LoadBalancerStatus />
      </BalancerProvider>,
    )
    await h.settle()
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(1)
    await h.expectProbing()
    await h.expectProbingStoppedBy(() => view.unmount())
  })

  it('survives StrictMode’s double mount: one probe round, probing while mounted, no timers after', async () => {
    const h = harness()
    const start = vi.spyOn(h.balancer, 'start')
    const stop = vi.spyOn(h.balancer, 'stop')
    const view = render(
      <BalancerProvider balancer={h.balancer}>
        <LoadBalancerStatus />
      </BalancerProvider>,
      { reactStrictMode: true },
    )
    await h.settle()
    expect([start.mock.calls.length, stop.mock.calls.length]).toEqual([2, 1]) // mount, unmount, mount
    expect(h.balancer.getSnapshot().running).toBe(true)
    // start → stop → start shares the first round's refresh instead of probing twice.
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(1)
    expect(view.container.querySelector('[data-health="healthy"]')).not.toBeNull()
    await h.expectProbingStoppedBy(() => view.unmount())
  })

  it('stops probing only when the last provider of a shared balancer unmounts (reference-counted)', async () => {
    const h = harness()
    const first = render(<BalancerProvider balancer={h.balancer} />)
    const second = render(<BalancerProvider balancer={h.balancer} />)
    await h.settle()
    first.unmount()
    await h.expectProbing()
    await h.expectProbingStoppedBy(() => second.unmount())
  })

  it('leaves probing alone with background={false}', async () => {
    const h = harness()
    const view = render(<BalancerProvider balancer={h.balancer} background={false} />)
    await h.settle()
    expect(h.balancer.getSnapshot().running).toBe(false)
    expect(h.cluster.model(A).requestCounts.system_stats).toBe(0)
    view.unmount()
  })

  it('gives useBalancer() the provided balancer', () => {
    const h = harness()
    const { result } = renderHook(() => useBalancer(), {
      wrapper: ({ children }) => (
        <BalancerProvider balancer={h.balancer} background={false}>
          {children}
        </BalancerProvider>
      ),
    })
    expect(result.current).toBe(h.balancer)
  })
})

describe('outside a provider', () => {
  const calls: [string, () => unknown][] = [
    ['useBalancer()', () => useBalancer()],
    ['useBalancerSnapshot()', () => useBalancerSnapshot()],
    ['useOptimalServer()', () => useOptimalServer()],
    ['useServerStats()', () => useServerStats()],
    ['useBalancerEvent()', () => useBalancerEvent('failover', () => undefined)],
    ['useJob()', () => useJob('x')],
  ]

  it.each(calls)('%s throws MissingBalancerError naming itself and the fix', (name, hook) => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined) // React reports the render error too
    let thrown: unknown
    try {
      renderHook(hook)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MissingBalancerError)
    expect((thrown as MissingBalancerError).code).toBe('MISSING_PROVIDER')
    expect((thrown as Error).message).toContain(name)
    expect((thrown as Error).message).toMatch(/inside <BalancerProvider balancer=\{…\}>/)
  })

  it('<LoadBalancerStatus> throws it too', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    expect(() => render(<LoadBalancerStatus />)).toThrow(
      /<LoadBalancerStatus> found no balancer: it must be rendered inside <BalancerProvider/,
    )
  })
})

function Version({ onRender }: { onRender: (version: number) => void }) {
  onRender(useBalancerSnapshot((s) => s.version))
  return null
}

describe('act() hygiene', () => {
  it('publishes changes to React only through subscribe, batched per microtask', async () => {
    const h = harness()
    const renders = vi.fn()
    render(
      <BalancerProvider balancer={h.balancer} background={false}>
        <Version onRender={renders} />
      </BalancerProvider>,
    )
    renders.mockClear()
    // Many synchronous changes in a row: one notification, one render.
    await act(async () => {
      for (let i = 0; i < 5; i++) h.balancer.recordFailure(A, `failure ${i}`)
    })
    expect(renders).toHaveBeenCalledTimes(1)
  })
})
