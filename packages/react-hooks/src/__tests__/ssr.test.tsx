import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { BalancerProvider, LoadBalancerStatus, useOptimalServer } from '../index.js'
import { harness, installMsw } from './harness.js'

installMsw()

function Best() {
  const { status, server } = useOptimalServer()
  return <p>{status === 'ready' ? server?.name : 'Checking servers…'}</p>
}

describe('server rendering', () => {
  it('renders the current state without probing or leaving timers (effects do not run on a server)', async () => {
    const h = harness()
    const html = renderToString(
      <BalancerProvider balancer={h.balancer}>
        <Best />
        <LoadBalancerStatus />
      </BalancerProvider>,
    )
    expect(html).toContain('<table')
    expect(html).toContain('Checking servers…')
    expect(html).toContain('gpu-a.test:8188')
    await h.clock.flush()
    expect(h.balancer.getSnapshot().running).toBe(false)
    expect(h.clock.pendingTimers()).toBe(0)
  })

  it('renders what a server-side balancer already knows', async () => {
    const h = harness()
    await h.balancer.refresh()
    const html = renderToString(
      <BalancerProvider balancer={h.balancer} background={false}>
        <Best />
      </BalancerProvider>,
    )
    expect(html).toBe('<p>gpu-a.test:8188</p>')
  })
})
