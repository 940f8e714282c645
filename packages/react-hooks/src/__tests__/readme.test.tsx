import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createTestClock } from '@comfy-balancer/testkit'
import { act, render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { BalancerProvider, LoadBalancerStatus, useOptimalServer } from '../index.js'
import { installMsw } from './harness.js'

const msw = installMsw()

// The README's Quickstart, with a test clock and simulated servers instead of real ones.
const servers = ['http://gpu-a.test:8188', 'http://gpu-b.test:8188']
const clock = createTestClock()

function NextServer() {
  const { server, status } = useOptimalServer()
  return <p>{status === 'ready' ? `Next job goes to ${server?.name}` : 'Checking servers…'}</p>
}

describe('README quickstart', () => {
  it('shows the next server and the status panel, and stops probing on unmount', async () => {
    msw.install(
      servers.map((url) => ({ url })),
      clock,
    )
    const balancer = createLoadBalancer({ config: { servers }, clock, logger: silentLogger })
    const view = render(
      <BalancerProvider balancer={balancer}>
        <NextServer />
        <LoadBalancerStatus />
      </BalancerProvider>,
    )
    expect(screen.getAllByText('Checking servers…')).toHaveLength(2) // ours and the panel's summary
    await act(() => clock.flush())
    expect(screen.getByText('Next job goes to gpu-a.test:8188')).toBeTruthy()
    expect(screen.getAllByRole('row')).toHaveLength(3)
    view.unmount()
    await clock.flush()
    expect(clock.pendingTimers()).toBe(0)
  })
})
