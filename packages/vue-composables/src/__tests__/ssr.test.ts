// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { createSSRApp, defineComponent, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createBalancerPlugin, LoadBalancerStatus, useJob, useOptimalServer } from '../index.js'
import { harness, installMsw } from './harness.js'

installMsw()

const Best = defineComponent({
  setup() {
    const { status, server } = useOptimalServer()
    useJob('0b9f4c1e-8e4c-4b8e-9e0a-2f6a1c3d4e5f')
    return () => h('p', status.value === 'ready' ? server.value?.name : 'Checking servers…')
  },
})

describe('server rendering (Vue)', () => {
  it('renders the current state without subscribing, probing or leaving timers', async () => {
    const t = harness()
    const app = createSSRApp({ render: () => [h(Best), h(LoadBalancerStatus)] }).use(
      createBalancerPlugin(t.balancer),
    )
    const html = await renderToString(app)
    expect(html).toContain('<table')
    expect(html).toContain('Checking servers…')
    expect(html).toContain('gpu-a.test:8188')
    await t.clock.flush()
    expect(t.balancer.getSnapshot().running).toBe(false)
    expect(t.balancer.getSnapshot().refreshing).toBe(false)
    expect(t.clock.pendingTimers()).toBe(0)
  })

  it('renders what a server-side balancer already knows', async () => {
    const t = harness()
    await t.balancer.refresh()
    const html = await renderToString(createSSRApp(Best).use(createBalancerPlugin(t.balancer)))
    expect(html).toBe('<p>gpu-a.test:8188</p>')
  })
})
