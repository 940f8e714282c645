import { createLoadBalancer, silentLogger } from '@comfy-balancer/core'
import { createTestClock } from '@comfy-balancer/testkit'
import { describe, expect, it } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { createBalancerPlugin, LoadBalancerStatus, useOptimalServer } from '../index.js'
import { installMsw } from './harness.js'

const msw = installMsw()

// The README's Quickstart, with a test clock and simulated servers instead of real ones.
const servers = ['http://gpu-a.test:8188', 'http://gpu-b.test:8188']
const clock = createTestClock()

const NextServer = defineComponent({
  setup() {
    const { server, status } = useOptimalServer()
    return () =>
      h('p', status.value === 'ready' ? `Next job goes to ${server.value?.name}` : 'Checking servers…')
  },
})

describe('README quickstart', () => {
  it('shows the next server and the status panel, and stops probing on unmount', async () => {
    msw.install(
      servers.map((url) => ({ url })),
      clock,
    )
    const balancer = createLoadBalancer({ config: { servers }, clock, logger: silentLogger })
    const root = document.createElement('div')
    const app = createApp({ render: () => [h(NextServer), h(LoadBalancerStatus)] }).use(
      createBalancerPlugin(balancer),
    )
    app.mount(root)
    expect(root.querySelector('p')?.textContent).toBe('Checking servers…')
    await clock.flush()
    await nextTick()
    expect(root.querySelector('p')?.textContent).toBe('Next job goes to gpu-a.test:8188')
    expect(root.querySelectorAll('tbody tr')).toHaveLength(2)
    app.unmount()
    await clock.flush()
    expect(clock.pendingTimers()).toBe(0)
  })
})
